import type { Config } from '../../src/config/defaults.js';
import { noAudit } from '../../src/ports/audit-trail.js';
import { cliActor } from '../../src/operations/actor.js';
import { issueInitialAccessToken } from '../../src/operations/initial-access-tokens.js';
import { systemClock, systemRandom } from '../../src/system.js';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import pino from 'pino';
import { createLogger, redactUrl, withRedaction } from '../../src/observability/logger.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { sqliteKind } from '../support/databases.js';
import { buildTestApp } from '../support/server.js';

const issuer = 'https://as.example.com';
const redirectUri = 'https://client.example/cb';
const form = { 'content-type': 'application/x-www-form-urlencoded' };
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** An app whose log (at `trace`, through the server's own logger factory) is kept as text. */
async function loggedApp(overrides: Record<string, unknown> = {}, level: 'trace' | 'info' = 'trace'): Promise<{ app: FastifyInstance; storage: Storage; config: Config; log: () => string }> {
  const database = await sqliteKind.create();
  const config = loadConfig({ env: {}, overrides: { issuer, 'database.url': database.url, 'registration.rateLimit.enabled': false, ...overrides } });
  const storage = await openStorage(config.database);
  await storage.migrate();
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString('utf8');
      done();
    },
  });
  const { app, services } = await buildTestApp(config, storage, { logger: createLogger(level, destination) });
  after(async () => {
    await app.close();
    await services.close();
    await storage.close();
    await database.cleanup();
  });
  return { app, storage, config, log: () => text };
}

const lines = (text: string) => text.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);

describe('structured logs', () => {
  it('never log the secrets of a whole flow: registration, sign-in, consent, code exchange, refresh, introspection, revocation', async () => {
    // The client introspects too, as a resource server would: it registers with an initial access token under a
    // policy that allows introspection (the initial access token is a secret of the flow as well).
    const { app, storage, config, log } = await loggedApp({ 'registration.policies': { 'resource-servers': { allowIntrospection: true } } });
    const { token: initialAccessToken } = await issueInitialAccessToken(
      { maxUses: 1, expiresInSeconds: null, policy: 'resource-servers', description: null },
      { initialAccessTokens: storage.initialAccessTokens, config, clock: systemClock, random: systemRandom, audit: noAudit },
      cliActor,
    );
    const password = 'correct horse battery staple';
    await createUser(storage.users, { username: 'alice', password }, { now: Date.now(), newId: () => 'user-alice' });
    const responses: LightMyRequestResponse[] = [];
    const seen = <T extends LightMyRequestResponse>(response: T): T => (responses.push(response), response);

    const registered = seen(
      await app.inject({
        method: 'POST',
        url: '/register',
        headers: { authorization: `Bearer ${initialAccessToken}` },
        payload: { client_name: 'Logged', redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'refresh_token'] },
      }),
    );
    assert.equal(registered.statusCode, 201, registered.body);
    const client = registered.json() as { client_id: string; client_secret: string; registration_access_token: string };
    const read = seen(await app.inject({ method: 'GET', url: `/register/${client.client_id}`, headers: { authorization: `Bearer ${client.registration_access_token}` } }));
    assert.equal(read.statusCode, 200);

    const verifier = randomBytes(32).toString('base64url');
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const browser = new TestBrowser(app);
    const query = new URLSearchParams({
      response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, code_challenge: challenge,
      code_challenge_method: 'S256', state: 'st', scope: 'openid mcp:tools offline_access',
    });
    const login = seen(await browser.get(`/authorize?${query}`));
    assert.equal(login.statusCode, 200, login.body);
    const consent = seen(await browser.follow(seen(await browser.submit(login, { username: 'alice', password }))));
    assert.equal(consent.statusCode, 200, consent.body);
    const allowed = seen(await browser.submit(consent, { decision: 'allow' }));
    const code = new URL(String(allowed.headers.location)).searchParams.get('code');
    assert.ok(code, 'the consent redirects with a code');

    const authorization = basic(client.client_id, client.client_secret);
    const token = async (params: Record<string, string>) => {
      const response = seen(await app.inject({ method: 'POST', url: '/token', payload: new URLSearchParams(params).toString(), headers: { ...form, authorization } }));
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { access_token: string; refresh_token: string; id_token: string };
    };
    const first = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri });
    const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token });
    const introspected = seen(await app.inject({ method: 'POST', url: '/introspect', payload: `token=${second.access_token}`, headers: { ...form, authorization } }));
    assert.equal(introspected.json().active, true);
    // A client that puts secrets in the URL (RFC 6750 §2.3 allows it for access tokens): URLs are logged.
    seen(await app.inject({ method: 'GET', url: `/userinfo?access_token=${second.access_token}` }));
    seen(await app.inject({ method: 'POST', url: `/token?client_secret=${client.client_secret}&code=${code}`, payload: 'grant_type=nothing', headers: form }));
    const revoked = seen(await app.inject({ method: 'POST', url: '/revoke', payload: `token=${second.refresh_token}`, headers: { ...form, authorization } }));
    assert.equal(revoked.statusCode, 200);

    const text = log();
    const secrets: Record<string, string> = {
      client_secret: client.client_secret,
      registration_access_token: client.registration_access_token,
      code,
      verifier,
      password,
      first_access_token: first.access_token,
      first_refresh_token: first.refresh_token,
      id_token: first.id_token,
      second_access_token: second.access_token,
      second_refresh_token: second.refresh_token,
      ...Object.fromEntries([...browser.cookies].map(([name, value]) => [`cookie ${name}`, value])),
    };
    for (const [name, secret] of Object.entries(secrets)) {
      assert.ok(secret.length >= 16, `${name} is long enough to find`);
      assert.equal(text.includes(secret), false, `the log holds the ${name}`);
      // Every token's tail too: a truncated or differently encoded copy would still leak most of it.
      assert.equal(text.includes(secret.slice(-16)), false, `the log holds the end of the ${name}`);
    }
    assert.match(text, /\/userinfo\?access_token=\[redacted\]/, 'the URL is logged, without the token');
    assert.match(text, /\/token\?client_secret=\[redacted\]&code=\[redacted\]/);

    // Every request has an id, sent back in X-Request-Id and carried by every line logged about it.
    const entries = lines(text);
    const ids = new Set<string>();
    for (const response of responses) {
      const id = response.headers['x-request-id'];
      assert.equal(typeof id, 'string', `${response.statusCode} response has an x-request-id`);
      ids.add(id as string);
      const own = entries.filter((entry) => entry['reqId'] === id);
      const completed = own.filter((entry) => entry['msg'] === 'request completed');
      assert.equal(completed.length, 1, `the request ${id} is logged in one line`);
      assert.ok('req' in completed[0]! && 'res' in completed[0]! && 'responseTime' in completed[0]!, `the line of ${id} has the request and its answer`);
      assert.ok(!own.some((entry) => entry['msg'] === 'incoming request'), 'no second line per request');
    }
    assert.equal(ids.size, responses.length, 'the ids are distinct');
    for (const entry of entries.filter((e) => 'req' in e || 'res' in e || 'responseTime' in e)) {
      assert.equal(typeof entry['reqId'], 'string', `a request line without reqId: ${JSON.stringify(entry)}`);
    }
    const issued = entries.find((entry) => entry['msg'] === 'tokens issued');
    assert.ok(issued && ids.has(String(issued['reqId'])), 'lines logged by a route carry its request id');
  });

  it('writes one line per answered request at info, a registration included (its audit event is in the table, logged at debug)', async () => {
    const { app, log, storage } = await loggedApp({}, 'info');
    const registered = await app.inject({ method: 'POST', url: '/register', payload: { redirect_uris: ['https://client.example/cb'], client_name: 'One line' } });
    assert.equal(registered.statusCode, 201);
    const own = lines(log()).filter((entry) => entry['reqId'] === registered.headers['x-request-id']);
    assert.deepEqual(own.map((entry) => entry['msg']), ['request completed']);
    const { client_id } = registered.json() as { client_id: string };
    let stored: string | undefined;
    for (let i = 0; i < 60 && stored === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      stored = (await storage.auditEvents.listAuditEvents({ clientId: client_id, limit: 5 }))[0]?.type;
    }
    assert.equal(stored, 'client.registered');
  });

  it('logs probes only when they fail, and still counts them', async () => {
    const { app, log } = await loggedApp();
    for (const url of ['/healthz', '/readyz', '/metrics']) {
      const response = await app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 200, url);
      assert.ok(response.headers['x-request-id'], `${url} answers with a request id`);
    }
    assert.doesNotMatch(log(), /"url":"\/(healthz|readyz|metrics)"/);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    assert.match(metrics.body, /latchkey_http_requests_total\{route="\/readyz",method="GET",status="200"\} 1/);
  });
});

describe('request ids', () => {
  const get = (app: FastifyInstance, requestId: string) => app.inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': requestId } });

  it('ignores an incoming X-Request-Id when no proxy is trusted: a client does not choose the id of its log lines', async () => {
    const { app } = await loggedApp();
    const response = await get(app, 'chosen-by-client');
    assert.match(String(response.headers['x-request-id']), /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it("keeps a trusted proxy's X-Request-Id when it is short and plain, and replaces any other", async () => {
    const { app, log } = await loggedApp({ trustProxy: true });
    const kept = await get(app, 'edge-7f3a.b_9-1');
    assert.equal(kept.headers['x-request-id'], 'edge-7f3a.b_9-1');
    const missing = await app.inject({ method: 'GET', url: '/no-such-page' });
    assert.ok(lines(log()).some((entry) => entry['reqId'] === missing.headers['x-request-id'] && entry['msg'] === 'request completed'));
    for (const unsafe of ['x'.repeat(129), 'has space', 'new\u2028line', 'quote"', '']) {
      const replaced = await get(app, unsafe);
      assert.notEqual(replaced.headers['x-request-id'], unsafe);
      assert.match(String(replaced.headers['x-request-id']), /^[0-9a-f-]{36}$/, JSON.stringify(unsafe));
    }
  });
});

describe('redaction', () => {
  it('applies to a logger the host application configured without it', () => {
    let text = '';
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        text += chunk.toString('utf8');
        done();
      },
    });
    const logger = withRedaction(pino({ level: 'info' }, destination));
    logger.info({ client_secret: 's1', client: { registration_access_token: 's2' }, req: { method: 'GET', url: '/userinfo?access_token=s3' }, err: { code: 'ECONNRESET' } }, 'x');
    const line = JSON.parse(text) as { client_secret: string; client: Record<string, string>; req: { url: string }; err: { code: string } };
    assert.equal(line.client_secret, '[redacted]');
    assert.equal(line.client['registration_access_token'], '[redacted]');
    assert.equal(line.req.url, '/userinfo?access_token=[redacted]');
    assert.equal(line.err.code, 'ECONNRESET', 'error codes are kept');
  });

  it('redacts key-encryption keys, should the secrets configuration be logged', () => {
    let text = '';
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString('utf8')), done()) });
    createLogger('info', destination).info({ secrets: { keyEncryptionKey: 'kek-1', oldKeyEncryptionKeys: ['kek-0'], keyEncryptionKeyFile: '/run/secrets/kek' } }, 'x');
    assert.deepEqual((JSON.parse(text) as { secrets: unknown }).secrets, {
      keyEncryptionKey: '[redacted]',
      oldKeyEncryptionKeys: '[redacted]',
      keyEncryptionKeyFile: '/run/secrets/kek',
    });
  });


  it('redacts secret fields at the top and one level down, headers two levels down, and code only where parameters are', () => {
    let text = '';
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString('utf8')), done()) });
    const logger = createLogger('info', destination);
    const fields = {
      password: 'p1',
      code: 'c1',
      client: { client_secret: 's1', client_name: 'Claude', deeper: { client_secret: 'kept-three-levels-down' } },
      headers: { authorization: 'Bearer t1', 'set-cookie': 'sid=1', accept: 'text/html' },
      upstream: { headers: { cookie: 'sid=2', 'user-agent': 'ua' }, status: 401 },
      query: { code: 'c2', state: 'st' },
      result: { code: 'ECONNREFUSED' },
    };
    const original = structuredClone(fields);
    logger.child({ requestId: 'q' }).info(fields, 'x');
    const line = JSON.parse(text) as Record<string, unknown>;
    assert.equal(line['password'], '[redacted]');
    assert.equal(line['code'], '[redacted]');
    assert.equal(line['requestId'], 'q');
    assert.deepEqual(line['client'], { client_secret: '[redacted]', client_name: 'Claude', deeper: { client_secret: 'kept-three-levels-down' } });
    assert.deepEqual(line['headers'], { authorization: '[redacted]', 'set-cookie': '[redacted]', accept: 'text/html' });
    assert.deepEqual(line['upstream'], { headers: { cookie: '[redacted]', 'user-agent': 'ua' }, status: 401 });
    assert.deepEqual(line['query'], { code: '[redacted]', state: 'st' });
    assert.deepEqual(line['result'], { code: 'ECONNREFUSED' }, 'a code outside request parameters is an error code');
    assert.deepEqual(fields, original, 'the object logged is not changed');
  });

  it('keeps an error an error when one of its fields is redacted, so its message and stack are logged', () => {
    let text = '';
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString('utf8')), done()) });
    const error = Object.assign(new Error('upstream refused'), { code: 'EPROTO', client_secret: 's1' });
    createLogger('info', destination).warn({ err: error }, 'x');
    const line = JSON.parse(text) as { err: Record<string, unknown> };
    assert.equal(line.err['message'], 'upstream refused');
    assert.equal(line.err['type'], 'Error');
    assert.match(String(line.err['stack']), /upstream refused/);
    assert.equal(line.err['client_secret'], '[redacted]');
    assert.equal(line.err['code'], 'EPROTO');
    assert.equal(error.client_secret, 's1', 'the error itself is not changed');
  });

  it('replaces the values of secret query parameters and leaves the rest', () => {
    assert.equal(redactUrl('/authorize?client_id=a&state=s'), '/authorize?client_id=a&state=s');
    assert.equal(redactUrl('/cb?code=abc&state=s'), '/cb?code=[redacted]&state=s');
    assert.equal(redactUrl('/x?ACCESS_TOKEN=t#f'), '/x?ACCESS_TOKEN=[redacted]#f');
    assert.equal(redactUrl('/x?mycode=1&refresh_token=r'), '/x?mycode=1&refresh_token=[redacted]');
    assert.equal(redactUrl('/healthz'), '/healthz');
  });
});
