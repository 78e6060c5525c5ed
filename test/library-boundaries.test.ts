import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import Fastify from 'fastify';
import pino from 'pino';
import { createLatchkey, type Latchkey } from '../src/index.js';
import { sqliteKind } from './support/databases.js';

/**
 * The library's edges against a hostile caller: what a request that is not Latchkey's, or that lies about where
 * it comes from, can reach through `fetch`, `handles` and the Fastify plugin.
 */
const quiet = { logger: pino({ level: 'silent' }) };
const registration = JSON.stringify({ client_name: 'Edge', redirect_uris: ['https://edge.example/cb'] });

async function latchkeyWith(settings: Record<string, unknown>): Promise<Latchkey> {
  const database = await sqliteKind.create();
  const latchkey = await createLatchkey({ issuer: 'https://app.example/auth', database: { url: database.url }, ...settings }, quiet);
  after(async () => {
    await latchkey.close();
    await database.cleanup();
  });
  return latchkey;
}

const register = (latchkey: Latchkey, headers: Record<string, string>, clientAddress?: string) =>
  latchkey.fetch(
    new Request('https://app.example/auth/register', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: registration }),
    clientAddress === undefined ? {} : { clientAddress },
  );

describe('fetch() without the peer address', () => {
  it('does not believe X-Forwarded-For or X-Request-Id, even with loopback among the trusted proxies', async () => {
    const latchkey = await latchkeyWith({ trustProxy: ['loopback'], registration: { rateLimit: { points: 2 } } });
    const statuses: number[] = [];
    for (let i = 1; i <= 3; i++) statuses.push((await register(latchkey, { 'x-forwarded-for': `198.51.100.${i}`, 'x-request-id': `forged-${i}` })).status);
    assert.deepEqual(statuses, [201, 201, 429], 'a new X-Forwarded-For per request does not escape the limit');
    const jwks = await latchkey.fetch(new Request('https://app.example/auth/jwks.json', { headers: { 'x-request-id': 'forged-id' } }));
    assert.notEqual(jwks.headers.get('x-request-id'), 'forged-id');
  });

  it('still applies trustProxy to the peer the host names', async () => {
    const latchkey = await latchkeyWith({ trustProxy: ['loopback'], registration: { rateLimit: { points: 1 } } });
    assert.equal((await register(latchkey, { 'x-forwarded-for': '198.51.100.1' }, '127.0.0.1')).status, 201);
    assert.equal((await register(latchkey, { 'x-forwarded-for': '198.51.100.2' }, '127.0.0.1')).status, 201, 'another client behind the same proxy');
    assert.equal((await register(latchkey, { 'x-forwarded-for': '198.51.100.2' }, '127.0.0.1')).status, 429);
  });

  it('answers 503, not a rejection, once closed', async () => {
    const latchkey = await latchkeyWith({});
    await Promise.all([latchkey.close(), latchkey.close()]);
    const response = await latchkey.fetch(new Request('https://app.example/auth/jwks.json'));
    assert.equal(response.status, 503);
    assert.equal(((await response.json()) as { error: string }).error, 'temporarily_unavailable');
  });

  it('refuses a request whose body the host has already read, saying why', async () => {
    const latchkey = await latchkeyWith({});
    const read = new Request('https://app.example/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: registration });
    await read.text();
    await assert.rejects(latchkey.fetch(read), /body the host has already read/);
  });
});

describe("Latchkey's paths, and nothing else", () => {
  it("with an issuer at the host's root, leaves the host its root page, its health checks and its metrics", async () => {
    const latchkey = await latchkeyWith({ issuer: 'https://app.example' });
    for (const path of ['/', '//evil', '/healthz', '/readyz', '/metrics']) assert.equal(latchkey.handles(path), false, path);
    for (const path of ['/token', '/register', '/authorize', '/.well-known/oauth-authorization-server']) assert.equal(latchkey.handles(path), true, path);
  });

  it('fetch() answers 404 for the standalone server’s own paths (metrics, health checks) and the host’s', async () => {
    const latchkey = await latchkeyWith({ metrics: { enabled: true } });
    for (const path of ['/metrics', '/healthz', '/readyz', '/mcp', '/auth/../metrics']) {
      const response = await latchkey.fetch(new Request(`https://app.example${path}`));
      assert.equal(response.status, 404, path);
    }
    assert.equal((await latchkey.fetch(new Request('https://app.example/auth/jwks.json'))).status, 200);
  });
});

describe('the Fastify plugin in a host with its own CORS', () => {
  const preflight = (url: string) => ({
    method: 'OPTIONS' as const,
    url,
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization' },
  });

  it("answers preflights for its own URLs only, not for the host's", async () => {
    const latchkey = await latchkeyWith({});
    const host = Fastify();
    after(() => host.close());
    host.post('/mcp', async () => ({ host: true }));
    await host.register(latchkey.plugin, { prefix: '/auth' });
    const mine = await host.inject(preflight('/auth/register'));
    assert.equal(mine.statusCode, 204);
    assert.equal(mine.headers['access-control-allow-origin'], '*');
    const theirs = await host.inject(preflight('/mcp'));
    assert.equal(theirs.headers['access-control-allow-origin'], undefined, 'the host decides CORS for its own routes');
  });

  it('mounts beside @fastify/cors registered by the host', async () => {
    const latchkey = await latchkeyWith({});
    const host = Fastify();
    after(() => host.close());
    await host.register(cors, { origin: 'https://good.example' });
    host.post('/mcp', async () => ({ host: true }));
    await host.register(latchkey.plugin, { prefix: '/auth' });
    await host.ready();
    const theirs = await host.inject(preflight('/mcp'));
    assert.notEqual(theirs.headers['access-control-allow-origin'], '*', "the host's policy, not Latchkey's");
    const registered = await host.inject({ method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' }, payload: registration });
    assert.equal(registered.statusCode, 201, registered.body);
  });

  it("mounts beside @fastify/cookie registered by the host, whose cookie options do not reach Latchkey's cookies", async () => {
    const latchkey = await latchkeyWith({});
    const host = Fastify();
    after(() => host.close());
    await host.register(cookie, { secret: 'the host secret', parseOptions: { domain: 'app.example', path: '/elsewhere' } });
    host.get('/mine', async (request, reply) => reply.setCookie('mine', 'value').send({ seen: request.cookies['theirs'] ?? null }));
    await host.register(latchkey.plugin, { prefix: '/auth' });
    const page = await host.inject({ url: '/auth/signin', headers: { cookie: 'theirs=1' } });
    assert.equal(page.statusCode, 200);
    const set = ([] as string[]).concat(page.headers['set-cookie'] ?? []);
    const csrf = set.find((line) => /latchkey-csrf=/.test(line));
    assert.ok(csrf, 'the CSRF cookie is set');
    assert.doesNotMatch(csrf, /Domain=/i, 'no Domain attribute: the host-only cookie stays host-only');
    assert.match(csrf, /Path=\/(;|$)/);
    const mine = await host.inject({ url: '/mine', headers: { cookie: 'theirs=1' } });
    assert.deepEqual(mine.json(), { seen: '1' }, "the host's cookie plugin still works");
  });
});
