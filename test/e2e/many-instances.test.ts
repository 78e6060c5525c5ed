import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import { runLatchkey } from '../support/cli.js';
import { postgresKind, postgresUrl, type TestDatabase } from '../support/databases.js';
import { HttpBrowser } from '../support/http-browser.js';
import { atAddress, spawnServer, type ServerProcess } from '../support/process.js';
import { assertRedisReachable, deleteKeys, testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';

/**
 * PRODUCT §1 "Scale-out" and §5: any number of stateless instances behind a load balancer, all state in
 * PostgreSQL, rate limits in Redis. Two real server processes, A and B, on one fresh database and one Redis: what
 * one instance created or issued, the other reads, redeems and verifies, and a per-address limit holds for both
 * together.
 *
 * The instances trust `X-Forwarded-For` (as behind a load balancer), so each test counts under its own client
 * address; the Redis key prefix is unique to this run.
 */

/** The issuer both instances share (the default): tokens and metadata must not depend on which one answered. */
const issuer = 'http://localhost:8080';
const resource = 'https://mcp.example.com/mcp';
/** Never listened on: the code is read from the `Location` header. */
const redirectUri = 'http://127.0.0.1:1/callback';
const alice = { username: 'alice', password: 'correct horse battery staple' };
const registrationLimit = 5;

const skip = postgresUrl ? {} : { skip: 'TEST_DATABASE_URL is not set: two instances need a shared PostgreSQL database (and Redis)' };

describe('two Latchkey instances on one PostgreSQL database and one Redis', skip, () => {
  const redisUrl = testRedisUrl!;
  const keyPrefix = uniqueKeyPrefix('many-instances');
  let database: TestDatabase | undefined;
  let a: ServerProcess;
  let b: ServerProcess;

  before(async () => {
    await assertRedisReachable(redisUrl);
    database = await postgresKind.create();
    const added = runLatchkey(['users', 'add', alice.username, '--password-stdin', '--database', database.url], { input: alice.password });
    assert.equal(added.status, 0, added.stderr);
    const env = {
      REDIS_URL: redisUrl,
      LATCHKEY_REDIS_KEY_PREFIX: keyPrefix,
      LATCHKEY_KEY_REFRESH: '1',
      LATCHKEY_REGISTRATION_RATE_LIMIT: 'true',
      LATCHKEY_REGISTRATION_RATE_LIMIT_POINTS: String(registrationLimit),
      LATCHKEY_TRUST_PROXY: 'true',
      LATCHKEY_ISSUER: issuer,
    };
    // One after the other: the first applies the migrations.
    a = await spawnServer({ databaseUrl: database.url, env, rateLimits: true });
    b = await spawnServer({ databaseUrl: database.url, env, rateLimits: true });
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    await database?.cleanup();
    await deleteKeys(redisUrl, keyPrefix);
  });

  /** A JSON request to `server` as client address `from`. */
  async function call(server: ServerProcess, from: string, path: string, init: RequestInit = {}) {
    const headers = new Headers(init.headers);
    headers.set('x-forwarded-for', from);
    const response = await fetch(new URL(path, server.address), { ...init, headers });
    const text = await response.text();
    return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  }
  const register = (server: ServerProcess, from: string, name: string) =>
    call(server, from, '/register', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: name, redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
    });
  const token = (server: ServerProcess, from: string, form: Record<string, string>) =>
    call(server, from, '/token', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
  const jwksOf = async (server: ServerProcess) => (await call(server, '198.51.100.200', '/jwks.json')).json as unknown as JSONWebKeySet;
  const verifyWith = async (server: ServerProcess, accessToken: string) =>
    jwtVerify(accessToken, createLocalJWKSet(await jwksOf(server)), { issuer, audience: resource, typ: 'at+jwt' });

  /** Signs in as alice at `server` and approves; returns the code and the PKCE verifier. */
  async function authorizeAt(server: ServerProcess, clientId: string) {
    const verifier = randomBytes(32).toString('base64url');
    const state = randomBytes(8).toString('hex');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      scope: 'mcp:tools offline_access',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state,
      resource,
    });
    const browser = new HttpBrowser(server.address);
    const login = await browser.get(`/authorize?${query}`);
    assert.equal(login.status, 200, login.body);
    const afterLogin = await browser.follow(await browser.submit(login, alice));
    // A consent already given is remembered: then the server redirects to the client at once.
    const done = afterLogin.status === 200 ? await browser.submit(afterLogin, { decision: 'allow' }) : afterLogin;
    assert.ok([302, 303].includes(done.status), `redirected to the client: ${done.status} ${done.body.slice(0, 300)}`);
    const callback = new URL(done.location!);
    assert.equal(callback.searchParams.get('state'), state);
    assert.equal(callback.searchParams.get('iss'), issuer);
    return { code: callback.searchParams.get('code')!, verifier };
  }

  let session: { clientId: string; refreshToken: string } | undefined;

  it('reads at B a client registered at A (RFC 7592), and redeems at B a code A issued', async () => {
    const from = '198.51.100.1';
    const registered = await register(a, from, 'Registered at A');
    assert.equal(registered.status, 201, JSON.stringify(registered.json));
    const clientId = registered.json['client_id'] as string;

    const read = await call(b, from, new URL(atAddress(registered.json['registration_client_uri'] as string, b.address)).pathname, {
      headers: { authorization: `Bearer ${registered.json['registration_access_token'] as string}` },
    });
    assert.equal(read.status, 200, JSON.stringify(read.json));
    assert.equal(read.json['client_id'], clientId);
    assert.deepEqual(read.json['redirect_uris'], [redirectUri]);

    const { code, verifier } = await authorizeAt(a, clientId);
    const exchange = { grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier, client_id: clientId, resource };
    const tokens = await token(b, from, exchange);
    assert.equal(tokens.status, 200, JSON.stringify(tokens.json));
    const accessToken = tokens.json['access_token'] as string;
    const { payload } = await verifyWith(a, accessToken);
    assert.equal(payload['client_id'], clientId);

    const replayed = await token(a, from, exchange);
    assert.equal(replayed.status, 400, 'the code was used once, at B: A refuses it too');
    assert.equal(replayed.json['error'], 'invalid_grant');
    // The replay revoked what the code issued (RFC 6749 §4.1.2), so the next test gets a fresh grant.
    const again = await authorizeAt(a, clientId);
    const fresh = await token(b, from, { ...exchange, code: again.code, code_verifier: again.verifier });
    assert.equal(fresh.status, 200, JSON.stringify(fresh.json));
    session = { clientId, refreshToken: fresh.json['refresh_token'] as string };
  });

  it('after `latchkey keys rotate`, B signs with the new key and A publishes it at /jwks.json', { timeout: 60_000 }, async () => {
    assert.ok(session, 'the previous test obtained a refresh token');
    const rotated = runLatchkey(['keys', 'rotate', '--json', '--database', database!.url]);
    assert.equal(rotated.status, 0, rotated.stderr);
    const { kid, retired } = JSON.parse(rotated.stdout) as { kid: string; retired: { kid: string }[] };
    assert.equal(retired.length, 1, 'the key the instances signed with until now is retired');

    // Instances re-read the keys every second (LATCHKEY_KEY_REFRESH=1): refresh at B until it signs with the new key.
    let accessToken = '';
    const deadline = Date.now() + 15_000;
    for (;;) {
      const refreshed = await token(b, '198.51.100.2', { grant_type: 'refresh_token', refresh_token: session.refreshToken, client_id: session.clientId, resource });
      assert.equal(refreshed.status, 200, JSON.stringify(refreshed.json));
      session.refreshToken = refreshed.json['refresh_token'] as string;
      accessToken = refreshed.json['access_token'] as string;
      if (decodeProtectedHeader(accessToken).kid === kid || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    assert.equal(decodeProtectedHeader(accessToken).kid, kid, 'B signs with the rotated key');

    // A re-reads on its own schedule, within a second of B.
    let published = await jwksOf(a);
    while (!published.keys.some((key) => key.kid === kid) && Date.now() < deadline + 5000) {
      await new Promise((resolve) => setTimeout(resolve, 250));
      published = await jwksOf(a);
    }
    assert.ok(published.keys.some((key) => key.kid === kid), 'A publishes the new key');
    assert.ok(published.keys.some((key) => key.kid === retired[0]!.kid), 'and keeps the retired one for its grace period');
    const { payload } = await verifyWith(a, accessToken);
    assert.equal(payload['client_id'], session.clientId);
  });

  it(`holds the per-address registration limit across both: ${registrationLimit} successes in all, then 429 on each`, async () => {
    const from = '198.51.100.3';
    const statuses: number[] = [];
    for (let i = 0; i < registrationLimit; i++) statuses.push((await register(i % 2 === 0 ? a : b, from, `Limited ${i}`)).status);
    assert.deepEqual(statuses, Array(registrationLimit).fill(201), 'alternating A and B, each registration within the limit succeeds');

    for (const server of [a, b]) {
      const refused = await register(server, from, 'One too many');
      assert.equal(refused.status, 429, `${server === a ? 'A' : 'B'} refuses once the shared count is full`);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      assert.deepEqual(Object.keys(refused.json), ['errors']);
    }
    assert.equal((await register(b, '198.51.100.4', 'Another address')).status, 201, 'another address has its own count');
  });
});
