import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose';
import { digestSecret } from '../../src/protocol/secrets.js';
import { refreshTokenKey } from '../../src/protocol/token/refresh-token-key.js';
import type { Storage } from '../../src/ports/storage.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const issuer = 'https://as.example.com';
const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';
const challenge = createHash('sha256').update(verifier).digest('base64url');
const resource = 'https://mcp.example.com/mcp';
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('token endpoint (RFC 6749 §3.2, OAuth 2.1)', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    let storage: Storage;
    let userId: string;
    let n = 0;

    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { issuer } });
      storage = server.storage;
      userId = 'user-1';
      await storage.users.createUser({ id: userId, username: 'alice', passwordHash: 'x', name: 'Alice', email: 'alice@example.com', isAdmin: false, createdAt: 1 });
    });
    after(() => server.close());

    async function register(body: Record<string, unknown>) {
      const response = await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'T', redirect_uris: ['https://client.example/cb'], ...body } });
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { client_id: string; client_secret?: string };
    }

    /** Stores an authorization code as /authorize would, and returns its value. */
    async function issueCode(clientId: string, overrides: Record<string, unknown> = {}) {
      const code = `code-${++n}-${Math.random()}`;
      await storage.codes.insertCode({
        codeDigest: digestSecret(code),
        clientId,
        userId,
        redirectUri: 'https://client.example/cb',
        codeChallenge: challenge,
        scope: 'openid profile mcp:tools',
        resource,
        nonce: 'n-0S6_WzA2Mj',
        authTime: clock.now(),
        expiresAt: clock.now() + 60_000,
        ...overrides,
      });
      return code;
    }

    const token = (params: Record<string, string>, headers: Record<string, string> = {}) =>
      server.app.inject({ method: 'POST', url: '/token', payload: form(params), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    async function verify(jwt: string, audience: string) {
      const jwks = (await server.app.inject({ method: 'GET', url: '/jwks.json' })).json();
      return jwtVerify(jwt, createLocalJWKSet(jwks), { issuer, audience, typ: 'at+jwt', currentDate: new Date(clock.now()) });
    }

    it('exchanges a code with PKCE for an RFC 9068 access token, a refresh token and an ID token', async () => {
      const client = await register({ token_endpoint_auth_method: 'none' });
      const code = await issueCode(client.client_id);
      const response = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://client.example/cb', client_id: client.client_id, resource });
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(response.headers['cache-control'], 'no-store');
      const body = response.json();
      assert.equal(body.token_type, 'Bearer');
      assert.equal(body.expires_in, 3600);
      assert.equal(body.scope, 'openid profile mcp:tools');
      assert.equal(typeof body.refresh_token, 'string');
      assert.equal(body.refresh_token.length, 99, 'sealed: it names its grant and generation 0 under the MAC');
      assert.equal(decodeProtectedHeader(body.access_token).typ, 'at+jwt');
      assert.equal(decodeProtectedHeader(body.access_token).alg, 'ES256');
      const { payload } = await verify(body.access_token, resource);
      assert.equal(payload.sub, userId);
      assert.equal(payload['client_id'], client.client_id);
      assert.equal(payload['scope'], 'openid profile mcp:tools');
      assert.equal(payload.exp! - payload.iat!, 3600);
      assert.equal(typeof payload.jti, 'string');
      const jwks = (await server.app.inject({ method: 'GET', url: '/jwks.json' })).json();
      const id = await jwtVerify(body.id_token, createLocalJWKSet(jwks), { issuer, audience: client.client_id, currentDate: new Date(clock.now()) });
      assert.equal(id.payload['nonce'], 'n-0S6_WzA2Mj');
      assert.equal(id.payload['preferred_username'], 'alice');
      assert.equal(id.payload['email'], undefined, 'email was not granted');
    });

    it('refuses a replayed code and revokes what its first use issued', async () => {
      const client = await register({ token_endpoint_auth_method: 'none' });
      const code = await issueCode(client.client_id);
      const params = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://client.example/cb', client_id: client.client_id };
      const first = await token(params);
      assert.equal(first.statusCode, 200);
      const replay = await token(params);
      assert.equal(replay.statusCode, 400);
      assert.equal(replay.json().error, 'invalid_grant');
      const refresh = await token({ grant_type: 'refresh_token', refresh_token: first.json().refresh_token, client_id: client.client_id });
      assert.equal(refresh.json().error, 'invalid_grant', 'the refresh token of the replayed code no longer works');
    });

    it('lets exactly one of concurrent exchanges of one code succeed, and revokes what it issued', async () => {
      const client = await register({ token_endpoint_auth_method: 'none' });
      const code = await issueCode(client.client_id);
      const params = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://client.example/cb', client_id: client.client_id };
      const responses = await Promise.all(Array.from({ length: 5 }, () => token(params)));
      const ok = responses.filter((r) => r.statusCode === 200);
      assert.equal(ok.length, 1);
      for (const r of responses.filter((x) => x.statusCode !== 200)) assert.equal(r.json().error, 'invalid_grant');
      const refresh = await token({ grant_type: 'refresh_token', refresh_token: ok[0]!.json().refresh_token, client_id: client.client_id });
      assert.equal(refresh.json().error, 'invalid_grant', 'the replays revoked the grant of the winner');
    });

    for (const [what, params, overrides, error] of [
      ['a wrong code_verifier', { code_verifier: 'x'.repeat(43) }, {}, 'invalid_grant'],
      ['a missing code_verifier', { code_verifier: '' }, {}, 'invalid_request'],
      ['a different redirect_uri', { redirect_uri: 'https://client.example/other' }, {}, 'invalid_grant'],
      ['an expired code', {}, { expiresAt: Date.UTC(2026, 5, 1) - 1 }, 'invalid_grant'],
      ['a different resource', { resource: 'https://other.example/mcp' }, {}, 'invalid_target'],
      ['a resource with a fragment', { resource: 'https://mcp.example.com/mcp#x' }, {}, 'invalid_target'],
    ] as const) {
      it(`refuses a code exchange with ${what} (${error})`, async () => {
        const client = await register({ token_endpoint_auth_method: 'none' });
        const code = await issueCode(client.client_id, overrides);
        const response = await token({
          grant_type: 'authorization_code',
          code,
          code_verifier: verifier,
          redirect_uri: 'https://client.example/cb',
          client_id: client.client_id,
          ...(params as Record<string, string>),
        });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error, error);
      });
    }

    it('refuses a code issued to another client (invalid_grant)', async () => {
      const a = await register({ token_endpoint_auth_method: 'none' });
      const b = await register({ token_endpoint_auth_method: 'none' });
      const code = await issueCode(a.client_id);
      const response = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://client.example/cb', client_id: b.client_id });
      assert.equal(response.json().error, 'invalid_grant');
    });

    it('rotates refresh tokens, and revokes the grant when a used one comes back', async () => {
      const client = await register({ token_endpoint_auth_method: 'client_secret_basic' });
      const auth = { authorization: basic(client.client_id, client.client_secret!) };
      const code = await issueCode(client.client_id);
      const first = (await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://client.example/cb' }, auth)).json();
      const second = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token, scope: 'mcp:tools' }, auth);
      assert.equal(second.statusCode, 200, second.body);
      assert.equal(second.json().scope, 'mcp:tools', 'a refresh may narrow the scope');
      assert.notEqual(second.json().refresh_token, first.refresh_token);
      const { payload } = await verify(second.json().access_token, resource);
      assert.equal(payload['scope'], 'mcp:tools');
      const widen = await token({ grant_type: 'refresh_token', refresh_token: second.json().refresh_token, scope: 'mcp:tools email' }, auth);
      assert.equal(widen.json().error, 'invalid_scope');
      clock.advance(10_000); // the end of the reuse grace window (tokens.refreshReuseGraceSeconds, 10 by default)
      const reuse = await token({ grant_type: 'refresh_token', refresh_token: first.refresh_token }, auth);
      assert.equal(reuse.json().error, 'invalid_grant');
      const after = await token({ grant_type: 'refresh_token', refresh_token: second.json().refresh_token }, auth);
      assert.equal(after.json().error, 'invalid_grant', 'the whole grant was revoked');
    });

    /** A public client and the first refresh token of a grant issued to it. */
    async function firstRefreshToken() {
      const client = await register({ token_endpoint_auth_method: 'none' });
      const code = await issueCode(client.client_id);
      const response = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'https://client.example/cb', client_id: client.client_id });
      assert.equal(response.statusCode, 200, response.body);
      return { clientId: client.client_id, refreshToken: response.json().refresh_token as string };
    }
    const refreshWith = (clientId: string, refreshToken: string) => token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
    const grantOf = async (refreshToken: string) => (await storage.grants.findRefreshToken(refreshTokenKey(refreshToken)))!.grant;

    it('answers a concurrent burst of refreshes with one token, every one 200, within the reuse grace window', async () => {
      const { clientId, refreshToken } = await firstRefreshToken();
      const burst = await Promise.all(Array.from({ length: 8 }, () => refreshWith(clientId, refreshToken)));
      for (const response of burst) assert.equal(response.statusCode, 200, response.body);
      const tokens = burst.map((r) => r.json().refresh_token as string);
      assert.equal(new Set(tokens).size, 8, 'each answer carries its own new refresh token');
      for (const r of burst) await verify(r.json().access_token, resource);
      assert.equal((await grantOf(refreshToken)).revokedAt, null, 'the grant lives');
      // The client keeps one of them; its next refresh retires the others.
      clock.advance(60_000);
      const kept = await refreshWith(clientId, tokens[3]!);
      assert.equal(kept.statusCode, 200, kept.body);
      clock.advance(10_000);
      const stale = await refreshWith(clientId, tokens[6]!);
      assert.equal(stale.json().error, 'invalid_grant', 'a sibling presented after the window is reuse');
      assert.equal((await refreshWith(clientId, kept.json().refresh_token)).json().error, 'invalid_grant', 'the grant was revoked');
      assert.notEqual((await grantOf(refreshToken)).revokedAt, null);
    });

    it('revokes the grant when another client presents a just-retired refresh token within the window', async () => {
      const { clientId, refreshToken } = await firstRefreshToken();
      const other = await register({ token_endpoint_auth_method: 'none' });
      const rotated = await refreshWith(clientId, refreshToken);
      assert.equal(rotated.statusCode, 200, rotated.body);
      assert.equal((await refreshWith(other.client_id, refreshToken)).json().error, 'invalid_grant');
      assert.equal((await refreshWith(clientId, rotated.json().refresh_token)).json().error, 'invalid_grant', 'the grant was revoked');
      assert.notEqual((await grantOf(refreshToken)).revokedAt, null);
    });

    it('revokes the grant when a refresh token two rotations old comes back, within the window or after it', async () => {
      for (const wait of [1_000, 10_000]) {
        const { clientId, refreshToken } = await firstRefreshToken();
        const second = await refreshWith(clientId, refreshToken);
        const third = await refreshWith(clientId, second.json().refresh_token);
        assert.equal(third.statusCode, 200, third.body);
        clock.advance(wait);
        assert.equal((await refreshWith(clientId, refreshToken)).json().error, 'invalid_grant', `after ${wait} ms`);
        assert.equal((await refreshWith(clientId, third.json().refresh_token)).json().error, 'invalid_grant', 'the grant was revoked');
      }
    });

    it('issues client_credentials tokens to a client an operator created, for a resource that accepts machine clients, without a refresh token', async () => {
      const machineServer = await startTestServer({
        database: kind,
        clock,
        overrides: { issuer, resources: [{ uri: resource, name: 'MCP', scopes: ['mcp:tools'], machineClients: true }] },
      });
      try {
        const client = await createOperatorClient(machineServer, { token_endpoint_auth_method: 'client_secret_post', scope: 'mcp:tools openid' });
        const response = await machineServer.app.inject({
          method: 'POST',
          url: '/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: form({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret, resource: `${resource}/` }),
        });
        assert.equal(response.statusCode, 200, response.body);
        assert.equal(response.json().refresh_token, undefined);
        assert.equal(response.json().scope, 'mcp:tools');
        const claims = decodeJwt(response.json().access_token);
        assert.equal(claims.sub, client.client_id);
        assert.equal(claims.aud, resource, 'the registered form, whatever was sent');
        assert.equal(claims['gty'], 'client_credentials');
        assert.equal(claims['gid'], undefined);
      } finally {
        await machineServer.close();
      }
    });

    it('refuses client_credentials to a self-registered confidential client, which gets no client_credentials grant (finding 1)', async () => {
      const response = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'M', redirect_uris: ['https://c.example/cb'], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'client_credentials'], scope: 'mcp:tools' },
      });
      assert.equal(response.statusCode, 201, response.body);
      const client = response.json() as { client_id: string; client_secret: string; grant_types: string[] };
      assert.deepEqual(client.grant_types, ['authorization_code'], 'the response shows what was registered');
      const refused = await token({ grant_type: 'client_credentials', resource }, { authorization: basic(client.client_id, client.client_secret) });
      assert.equal(refused.statusCode, 400);
      assert.equal(refused.json().error, 'unauthorized_client');
    });

    it('answers an unknown client with 401 invalid_client and a Basic challenge, so that agents re-register', async () => {
      const response = await token({ grant_type: 'refresh_token', refresh_token: 'x' }, { authorization: basic('no-such-client', 'secret') });
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().error, 'invalid_client');
      assert.match(String(response.headers['www-authenticate']), /^Basic /);
    });

    for (const [what, credentials] of [
      ['a wrong secret', (id: string) => ({ headers: { authorization: basic(id, 'wrong') }, body: {} })],
      ['client_secret_post when basic was registered', (id: string) => ({ headers: {}, body: { client_id: id, client_secret: 'whatever' } })],
      ['no secret at all', (id: string) => ({ headers: {}, body: { client_id: id } })],
    ] as const) {
      it(`refuses ${what} (401 invalid_client)`, async () => {
        const client = await register({ token_endpoint_auth_method: 'client_secret_basic' });
        const c = credentials(client.client_id);
        const response = await token({ grant_type: 'client_credentials', ...c.body }, c.headers);
        assert.equal(response.statusCode, 401);
        assert.equal(response.json().error, 'invalid_client');
      });
    }

    for (const [what, body, type, status, error] of [
      ['an unknown grant type', form({ grant_type: 'password', username: 'a', password: 'b' }), 'application/x-www-form-urlencoded', 400, 'unsupported_grant_type'],
      ['no grant type', form({ code: 'x' }), 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      ['a repeated parameter', 'grant_type=client_credentials&grant_type=refresh_token', 'application/x-www-form-urlencoded', 400, 'invalid_request'],
      ['a JSON body', JSON.stringify({ grant_type: 'client_credentials' }), 'application/json', 415, 'invalid_request'],
    ] as const) {
      it(`answers ${what} with ${status} ${error}`, async () => {
        const response = await server.app.inject({ method: 'POST', url: '/token', payload: body, headers: { 'content-type': type } });
        assert.equal(response.statusCode, status);
        assert.equal(response.json().error, error);
        assert.equal(response.headers['cache-control'], 'no-store');
      });
    }

    it('refuses a grant type the client did not register (unauthorized_client)', async () => {
      const client = await register({ token_endpoint_auth_method: 'client_secret_post' });
      const response = await token({ grant_type: 'client_credentials', client_id: client.client_id, client_secret: client.client_secret! });
      assert.equal(response.json().error, 'unauthorized_client');
    });
  });
});
