import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import pino from 'pino';
import { createLatchkey, loadConfig, type Latchkey } from '../src/index.js';
import { sqliteKind, type TestDatabase } from './support/databases.js';

const registration = { client_name: 'Mounted', redirect_uris: ['https://mounted.example/cb'] };
const quiet = { logger: pino({ level: 'silent' }) };

/** The library API of PRODUCT.md §10: `createLatchkey(settings)` with a Fastify plugin, a fetch handler and Node middleware. */
describe('createLatchkey', () => {
  let database: TestDatabase;
  let latchkey: Latchkey;
  before(async () => {
    database = await sqliteKind.create();
    latchkey = await createLatchkey({ issuer: 'https://app.example/auth', database: { url: database.url }, registration: { rateLimit: { enabled: false } } }, quiet);
  });
  after(async () => {
    await latchkey.close();
    await database.cleanup();
  });

  it('takes settings shaped like the configuration file, and refuses an unknown key in one line', async () => {
    assert.equal(latchkey.config.issuer, 'https://app.example/auth');
    await assert.rejects(createLatchkey({ isuer: 'https://typo.example' }, quiet), /Unknown configuration key "isuer" in the settings/);
  });

  it('mounts in a Fastify app under the issuer path as prefix, beside the host routes, and closes with it', async () => {
    const own = await sqliteKind.create();
    after(() => own.cleanup());
    const latchkey = await createLatchkey({ issuer: 'https://app.example/auth', database: { url: own.url } }, quiet);
    const host = Fastify();
    host.get('/', async () => ({ host: true }));
    await host.register(latchkey.plugin, { prefix: '/auth' });
    after(() => host.close());
    const metadata = await host.inject({ url: '/auth/.well-known/openid-configuration' });
    assert.equal(metadata.statusCode, 200);
    assert.equal(metadata.json().registration_endpoint, 'https://app.example/auth/register');
    // RFC 8414 §3.1's form, at the host's root, outside the prefix: served too (clients ask there first).
    const atRoot = await host.inject({ url: '/.well-known/oauth-authorization-server/auth', headers: { origin: 'https://agent.example' } });
    assert.equal(atRoot.statusCode, 200);
    assert.equal(atRoot.json().issuer, 'https://app.example/auth');
    assert.equal(atRoot.headers['access-control-allow-origin'], '*');
    assert.equal((await host.inject({ url: '/.well-known/oauth-authorization-server' })).statusCode, 404, 'nothing else at the root');
    const registered = await host.inject({ method: 'POST', url: '/auth/register', payload: registration });
    assert.equal(registered.statusCode, 201, registered.body);
    assert.equal((await host.inject({ url: '/auth/jwks.json' })).statusCode, 200);
    assert.deepEqual((await host.inject({ url: '/' })).json(), { host: true });
    await host.close();
    // Closed with the host: its fetch handler answers as a server shutting down.
    assert.equal((await latchkey.fetch(new Request('https://app.example/auth/jwks.json'))).status, 503);
  });

  it('refuses a prefix that is not the beginning of the issuer path', async () => {
    const own = await sqliteKind.create();
    after(() => own.cleanup());
    const latchkey = await createLatchkey({ issuer: 'https://app.example/auth', database: { url: own.url } }, quiet);
    const host = Fastify();
    after(() => host.close());
    await assert.rejects(async () => {
      await host.register(latchkey.plugin, { prefix: '/elsewhere' });
      await host.ready();
    }, /registered under the prefix "\/elsewhere", but its issuer's path is "\/auth"/);
    const nested = Fastify();
    after(() => nested.close());
    await assert.rejects(async () => {
      await nested.register(async (child) => void (await child.register(latchkey.plugin)), { prefix: '/api' });
      await nested.ready();
    }, /Register latchkey.plugin on the root Fastify instance/);
  });

  it('answers web-standard requests through fetch(), cookies and errors included', async () => {
    const response = await latchkey.fetch(
      new Request('https://app.example/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registration) }),
      { clientAddress: '203.0.113.9' },
    );
    assert.equal(response.status, 201);
    assert.ok(((await response.json()) as { client_id: string }).client_id);
    const bad = await latchkey.fetch(new Request('https://app.example/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }));
    assert.equal(bad.status, 400);
    assert.equal(((await bad.json()) as { error: string }).error, 'invalid_request');
    const page = await latchkey.fetch(new Request('https://app.example/auth/signin'));
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.ok(page.headers.getSetCookie().some((cookie) => cookie.startsWith('__Host-latchkey-csrf=')), 'the CSRF cookie is set');
    const root = await latchkey.fetch(new Request('https://app.example/.well-known/oauth-authorization-server/auth'));
    assert.equal(root.status, 200);
    assert.equal(root.headers.get('cache-control'), 'public, max-age=300');
  });

  it('says which paths are its own: below the issuer and the metadata at the root, nothing of the host', () => {
    assert.equal(latchkey.handles('/auth/token'), true);
    assert.equal(latchkey.handles('/.well-known/oauth-authorization-server/auth'), true);
    assert.equal(latchkey.handles('/.well-known/oauth-protected-resource/mcp'), false);
    assert.equal(latchkey.handles('/authx'), false);
    assert.equal(latchkey.handles('/mcp'), false);
  });

  it('serves its paths as Node middleware on a real socket and passes the others on', async () => {
    const server = createServer((request, response) =>
      latchkey.middleware(request, response, () => {
        response.writeHead(200, { 'content-type': 'text/plain' }).end('host');
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const registered = await fetch(`${base}/auth/register`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(registration) });
    assert.equal(registered.status, 201);
    assert.equal(await (await fetch(`${base}/mcp`)).text(), 'host');
  });

  it('accepts a configuration from loadConfig as it is', async () => {
    const other = await sqliteKind.create();
    after(() => other.cleanup());
    const config = loadConfig({ env: {}, overrides: { 'database.url': other.url, issuer: 'https://other.example' } });
    const instance = await createLatchkey(config, quiet);
    after(() => instance.close());
    assert.equal(instance.config, config);
    assert.equal(instance.handles('/token'), true);
    assert.equal(instance.handles('/mcp'), false);
  });
});
