import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { sqliteKind } from '../support/databases.js';
import { startDocumentServer, type DocumentServer } from '../support/document-server.js';
import { buildTestApp } from '../support/server.js';

/** The per-address limit on `/authorize`, `/login` and `/consent` (`authorize.rateLimit`), as a browser meets it. */
describe('rate limit of the authorization pages', () => {
  let documents: DocumentServer;
  before(async () => (documents = await startDocumentServer()));
  after(() => documents.close());

  async function latchkey(overrides: Record<string, unknown>): Promise<FastifyInstance> {
    const database = await sqliteKind.create();
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url, 'cimd.allowPrivateAddresses': true, ...overrides } });
    const storage = await openStorage(config.database);
    await storage.migrate();
    const { app, services } = await buildTestApp(config, storage, { cimdFetchOptions: { ca: documents.ca } });
    after(async () => {
      await app.close();
      await services.close();
      await storage.close();
      await database.cleanup();
    });
    return app;
  }

  /** `/authorize` for a new metadata-document client: without a limit, each one is a fetch of its document. */
  const authorize = (app: FastifyInstance, ip: string, path: string) => {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: `https://localhost:${documents.port}${path}`,
      redirect_uri: 'http://127.0.0.1:7777/cb',
      code_challenge: createHash('sha256').update(randomBytes(32)).digest('base64url'),
      code_challenge_method: 'S256',
    });
    return app.inject({ method: 'GET', url: `/authorize?${params}`, remoteAddress: ip });
  };

  it('answers a 429 page with Retry-After once an address is over the limit, fetching nothing, and counts the refusals', async () => {
    const app = await latchkey({ 'authorize.rateLimit.points': 3, 'authorize.rateLimit.durationSeconds': 60, 'metrics.enabled': true });
    const before = documents.requests.length;
    for (let i = 0; i < 3; i++) assert.equal((await authorize(app, '192.0.2.1', `/limit-${i}`)).statusCode, 400, 'an unknown document: the error page');
    assert.equal(documents.requests.length - before, 3, 'each new client_id was a fetch');

    const refused = await authorize(app, '192.0.2.1', '/limit-3');
    assert.equal(refused.statusCode, 429);
    const retryAfter = Number(refused.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After is ${refused.headers['retry-after']}`);
    assert.match(String(refused.headers['content-type']), /^text\/html/, 'a page, for a browser');
    assert.equal(refused.headers['x-frame-options'], 'DENY');
    assert.equal(refused.headers['cache-control'], 'no-store');
    assert.match(refused.body, /Too many requests/);
    assert.equal(documents.requests.length - before, 3, 'a refused request fetched nothing');

    const login = await app.inject({ method: 'POST', url: '/login', remoteAddress: '192.0.2.1', payload: 'pending=x&csrf=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(login.statusCode, 429, 'the sign-in form shares the limit');
    const consent = await app.inject({ method: 'POST', url: '/consent', remoteAddress: '192.0.2.1', payload: 'pending=x&csrf=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(consent.statusCode, 429, 'so does the consent form');
    assert.equal((await authorize(app, '192.0.2.2', '/limit-4')).statusCode, 400, 'another address has its own count');
    assert.equal((await app.inject({ method: 'GET', url: '/jwks.json', remoteAddress: '192.0.2.1' })).statusCode, 200, 'other endpoints are not limited by it');

    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /latchkey_rate_limit_rejections_total\{limiter="authorize"\} 3\n/);
  });

  it('limits nothing when authorize.rateLimit.enabled is false', async () => {
    const app = await latchkey({ 'authorize.rateLimit.enabled': false, 'authorize.rateLimit.points': 1 });
    for (let i = 0; i < 3; i++) assert.equal((await authorize(app, '192.0.2.9', `/open-${i}`)).statusCode, 400);
  });
});
