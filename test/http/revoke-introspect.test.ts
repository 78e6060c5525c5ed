import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/protocol/secrets.js';
import { createOperatorClient } from '../support/operator-client.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';
const resource = 'https://mcp.example.com/mcp';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('revocation (RFC 7009), introspection (RFC 7662) and userinfo', () => {
    let server: TestServer;
    let resourceServer: { authorization: string };
    let n = 0;
    before(async () => {
      server = await startTestServer({ database: kind, overrides: { issuer: 'https://as.example.com' } });
      await server.storage.users.createUser({ id: 'u1', username: 'alice', passwordHash: 'x', name: 'Alice', email: 'alice@example.com', isAdmin: false, createdAt: 1 });
      const rs = await createOperatorClient(server);
      resourceServer = { authorization: basic(rs.client_id, rs.client_secret) };
    });
    after(() => server.close());

    async function register(body: Record<string, unknown>) {
      return (await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'C', redirect_uris: ['https://c.example/cb'], ...body } })).json();
    }
    const post = (url: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
      server.app.inject({ method: 'POST', url, payload: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

    /** A public client with tokens from a code exchange. */
    async function tokens(scope = 'openid profile email mcp:tools') {
      const client = await register({ token_endpoint_auth_method: 'none' });
      const code = `code-${++n}`;
      await server.storage.codes.insertCode({
        codeDigest: digestSecret(code), clientId: client.client_id, userId: 'u1', redirectUri: 'https://c.example/cb',
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'), scope, resource, nonce: null,
        authTime: Date.now(), expiresAt: Date.now() + 60_000,
      });
      const body = (await post('/token', { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: client.client_id })).json();
      assert.ok(body.access_token, JSON.stringify(body));
      return { clientId: client.client_id as string, access: body.access_token as string, refresh: body.refresh_token as string };
    }
    const introspect = async (token: string) => (await post('/introspect', { token }, resourceServer)).json();

    it('introspects an active access token and refresh token for a resource server', async () => {
      const t = await tokens();
      const access = await introspect(t.access);
      assert.equal(access.active, true);
      assert.equal(access.client_id, t.clientId);
      assert.equal(access.sub, 'u1');
      assert.equal(access.aud, resource);
      assert.equal(access.scope, 'openid profile email mcp:tools');
      assert.equal(access.gid, undefined, 'internal claims are not shown');
      const refresh = await introspect(t.refresh);
      assert.equal(refresh.active, true);
      assert.equal(refresh.token_type, 'refresh_token');
      assert.deepEqual(await introspect('garbage'), { active: false });
    });

    it('refuses introspection to public and unauthenticated clients (401 invalid_client)', async () => {
      const t = await tokens();
      const asPublic = await post('/introspect', { token: t.access, client_id: t.clientId });
      assert.equal(asPublic.statusCode, 401);
      assert.equal(asPublic.json().error, 'invalid_client');
      assert.equal((await post('/introspect', { token: t.access })).statusCode, 401);
    });

    it('refuses introspection to a self-registered confidential client, which could scan tokens (403 unauthorized_client, RFC 7662 §4)', async () => {
      const t = await tokens();
      const scanner = (await register({ token_endpoint_auth_method: 'client_secret_basic' })) as { client_id: string; client_secret: string };
      const response = await post('/introspect', { token: t.access }, { authorization: basic(scanner.client_id, scanner.client_secret) });
      assert.equal(response.statusCode, 403);
      assert.equal(response.json().error, 'unauthorized_client');
      assert.equal(response.json().active, undefined);
    });

    it('revokes a refresh token with its whole grant: refresh fails and the access token turns inactive', async () => {
      const t = await tokens();
      const revoked = await post('/revoke', { token: t.refresh, token_type_hint: 'refresh_token', client_id: t.clientId });
      assert.equal(revoked.statusCode, 200);
      assert.equal((await post('/token', { grant_type: 'refresh_token', refresh_token: t.refresh, client_id: t.clientId })).json().error, 'invalid_grant');
      assert.equal((await introspect(t.access)).active, false);
      assert.equal((await introspect(t.refresh)).active, false);
    });

    it('revokes an access token on its own', async () => {
      const t = await tokens();
      assert.equal((await post('/revoke', { token: t.access, token_type_hint: 'access_token', client_id: t.clientId })).statusCode, 200);
      assert.equal((await introspect(t.access)).active, false);
      assert.equal((await introspect(t.refresh)).active, true, 'the refresh token is untouched');
    });

    it("answers 200 for unknown tokens and leaves other clients' tokens alone", async () => {
      const mine = await tokens();
      const theirs = await tokens();
      assert.equal((await post('/revoke', { token: 'no-such-token', client_id: mine.clientId })).statusCode, 200);
      assert.equal((await post('/revoke', { token: theirs.refresh, client_id: mine.clientId })).statusCode, 200);
      assert.equal((await introspect(theirs.refresh)).active, true);
    });

    it('requires client authentication for revocation', async () => {
      const t = await tokens();
      const response = await post('/revoke', { token: t.refresh });
      assert.equal(response.statusCode, 401);
      assert.equal((await introspect(t.refresh)).active, true);
    });

    it('serves userinfo claims by scope, and refuses without openid or after revocation', async () => {
      const t = await tokens();
      const info = await server.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${t.access}` } });
      assert.equal(info.statusCode, 200, info.body);
      assert.deepEqual(info.json(), { sub: 'u1', preferred_username: 'alice', name: 'Alice', email: 'alice@example.com' });
      const noOpenid = await tokens('mcp:tools');
      const refused = await server.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${noOpenid.access}` } });
      assert.equal(refused.statusCode, 403);
      assert.match(String(refused.headers['www-authenticate']), /error="insufficient_scope"/);
      await post('/revoke', { token: t.refresh, client_id: t.clientId });
      const after = await server.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${t.access}` } });
      assert.equal(after.statusCode, 401);
      const none = await server.app.inject({ method: 'GET', url: '/userinfo' });
      assert.equal(none.statusCode, 401);
      assert.equal(none.headers['www-authenticate'], 'Bearer');
    });
  });
});
