import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('client configuration (RFC 7592)', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ database: kind, overrides: { issuer: 'https://as.example.com' } })));
    after(() => server.close());

    async function register(extra: Record<string, unknown> = {}) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'Config Test', redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', ...extra },
      });
      assert.equal(response.statusCode, 201);
      const body = response.json();
      return { body, path: new URL(body.registration_client_uri).pathname };
    }

    it('reads the registration with its token, without a secret and without rotating the token', async () => {
      const { body, path } = await register({ token_endpoint_auth_method: 'client_secret_basic' });
      const response = await server.app.inject({ method: 'GET', url: path, headers: bearer(body.registration_access_token) });
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers['cache-control'], 'no-store');
      const read = response.json();
      const { client_secret: _, ...expected } = body;
      assert.deepEqual(read, expected);
      assert.equal(read.client_secret, undefined);
      const again = await server.app.inject({ method: 'GET', url: path, headers: bearer(body.registration_access_token) });
      assert.equal(again.statusCode, 200);
    });

    it('answers 401 with a bare Bearer challenge when no token is sent', async () => {
      const { path } = await register();
      const response = await server.app.inject({ method: 'GET', url: path });
      assert.equal(response.statusCode, 401);
      assert.equal(response.headers['www-authenticate'], 'Bearer');
      assert.equal(response.json().error, 'invalid_token');
    });

    it('answers 401 invalid_token with WWW-Authenticate for a wrong token', async () => {
      const { path } = await register();
      const response = await server.app.inject({ method: 'GET', url: path, headers: bearer('wrong-token') });
      assert.equal(response.statusCode, 401);
      assert.match(String(response.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    });

    it("refuses another client's token, and answers an unknown client the same way", async () => {
      const a = await register();
      const b = await register();
      const cross = await server.app.inject({ method: 'GET', url: a.path, headers: bearer(b.body.registration_access_token) });
      assert.equal(cross.statusCode, 401);
      const unknown = await server.app.inject({ method: 'GET', url: '/register/no-such-client', headers: bearer(b.body.registration_access_token) });
      assert.equal(unknown.statusCode, 401);
      assert.deepEqual(unknown.json(), cross.json());
    });

    it('replaces the metadata on PUT and rotates the registration access token', async () => {
      const { body, path } = await register({ client_uri: 'https://app.example' });
      const response = await server.app.inject({
        method: 'PUT',
        url: path,
        headers: bearer(body.registration_access_token),
        payload: { client_id: body.client_id, client_name: 'Renamed', redirect_uris: ['https://app.example/new'], token_endpoint_auth_method: 'none' },
      });
      assert.equal(response.statusCode, 200, response.body);
      const updated = response.json();
      assert.equal(updated.client_name, 'Renamed');
      assert.deepEqual(updated.redirect_uris, ['https://app.example/new']);
      assert.equal(updated.client_uri, undefined, 'fields left out of a PUT are removed');
      assert.equal(updated.client_id_issued_at, body.client_id_issued_at);
      assert.notEqual(updated.registration_access_token, body.registration_access_token);
      const old = await server.app.inject({ method: 'GET', url: path, headers: bearer(body.registration_access_token) });
      assert.equal(old.statusCode, 401, 'the old token no longer works');
      const fresh = await server.app.inject({ method: 'GET', url: path, headers: bearer(updated.registration_access_token) });
      assert.equal(fresh.json().client_name, 'Renamed');
    });

    it('issues a secret when a PUT makes a public client confidential', async () => {
      const { body, path } = await register();
      const response = await server.app.inject({
        method: 'PUT',
        url: path,
        headers: bearer(body.registration_access_token),
        payload: { client_id: body.client_id, redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'client_secret_post' },
      });
      assert.equal(response.statusCode, 200);
      assert.equal(typeof response.json().client_secret, 'string');
      assert.equal(response.json().client_secret_expires_at, 0);
    });

    for (const [name, change, error] of [
      ['a client_id that is not the client', { client_id: 'someone-else' }, 'invalid_request'],
      ['registration_access_token in the body', { registration_access_token: 'x' }, 'invalid_request'],
      ['client_id_issued_at in the body', { client_id_issued_at: 1 }, 'invalid_request'],
      ['a wrong client_secret', { client_secret: 'wrong' }, 'invalid_client_metadata'],
      ['an invalid redirect URI', { redirect_uris: ['http://evil.example/cb'] }, 'invalid_redirect_uri'],
    ] as const) {
      it(`refuses a PUT with ${name} (${error}) and keeps the client as it was`, async () => {
        const { body, path } = await register();
        const response = await server.app.inject({
          method: 'PUT',
          url: path,
          headers: bearer(body.registration_access_token),
          payload: { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none', client_id: body.client_id, ...(change as Record<string, unknown>) },
        });
        assert.equal(response.statusCode, 400);
        assert.equal(response.json().error, error);
        const read = await server.app.inject({ method: 'GET', url: path, headers: bearer(body.registration_access_token) });
        assert.equal(read.statusCode, 200, 'the token was not rotated');
        assert.deepEqual(read.json().redirect_uris, body.redirect_uris);
      });
    }

    it('deletes the client with 204, after which its token and id are gone', async () => {
      const { body, path } = await register();
      const wrong = await server.app.inject({ method: 'DELETE', url: path, headers: bearer('wrong') });
      assert.equal(wrong.statusCode, 401);
      const response = await server.app.inject({ method: 'DELETE', url: path, headers: bearer(body.registration_access_token) });
      assert.equal(response.statusCode, 204);
      assert.equal(response.body, '');
      const read = await server.app.inject({ method: 'GET', url: path, headers: bearer(body.registration_access_token) });
      assert.equal(read.statusCode, 401);
      assert.equal(await server.storage.clients.findClient(body.client_id), undefined);
    });
  });

  describe('updating a client registered with a software statement (issue 10, finding 4)', () => {
    const bank = 'https://bank-publisher.example';
    const other = 'https://other-publisher.example';
    const keys: Record<string, CryptoKey> = {};
    let server: TestServer;
    before(async () => {
      const issuers = [];
      for (const issuer of [bank, other]) {
        const pair = await generateKeyPair('ES256');
        keys[issuer] = pair.privateKey;
        issuers.push({ issuer, jwks: { keys: [{ ...(await exportJWK(pair.publicKey)), kid: 'k1' }] } });
      }
      server = await startTestServer({ database: kind, overrides: { issuer: 'https://as.example.com', 'registration.softwareStatement.issuers': issuers } });
    });
    after(() => server.close());

    const statement = (issuer: string, claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).setIssuer(issuer).setIssuedAt().setExpirationTime('1h').sign(keys[issuer]!);
    const asserted = { client_name: 'Your Bank', redirect_uris: ['https://bank.example/cb'], software_id: 'bank-app' };

    async function registerWithStatement() {
      const software_statement = await statement(bank, asserted);
      const response = await server.app.inject({ method: 'POST', url: '/register', payload: { token_endpoint_auth_method: 'none', software_statement } });
      assert.equal(response.statusCode, 201, response.body);
      const body = response.json();
      return { body, path: new URL(body.registration_client_uri).pathname };
    }
    const put = (path: string, token: string, payload: Record<string, unknown>) =>
      server.app.inject({ method: 'PUT', url: path, headers: bearer(token), payload });

    it('refuses an update without a statement that renames the client and moves its redirect, keeping it as registered', async () => {
      const { body, path } = await registerWithStatement();
      const { software_statement: _, registration_access_token: token, registration_client_uri: _u, client_id_issued_at: _i, client_secret_expires_at: _e, ...current } = body;
      const response = await put(path, token, { ...current, client_name: 'Your Bank - Official', redirect_uris: ['https://evil.example/cb'] });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().error, 'invalid_software_statement');
      assert.match(response.json().error_description, /registered with a software statement/);
      const stored = await server.storage.clients.findClient(body.client_id);
      assert.equal(stored?.metadata.client_name, 'Your Bank');
      assert.deepEqual(stored?.metadata.redirect_uris, ['https://bank.example/cb']);
      assert.equal(stored?.registrationSource, 'software_statement');
      const read = await server.app.inject({ method: 'GET', url: path, headers: bearer(token) });
      assert.equal(read.statusCode, 200, 'the registration access token was not rotated');
    });

    it('refuses an update whose statement comes from another trusted issuer (unapproved_software_statement)', async () => {
      const { body, path } = await registerWithStatement();
      const foreign = await statement(other, { client_name: 'Your Bank - Official', redirect_uris: ['https://evil.example/cb'] });
      const response = await put(path, body.registration_access_token, { client_id: body.client_id, token_endpoint_auth_method: 'none', software_statement: foreign });
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().error, 'unapproved_software_statement');
      assert.equal((await server.storage.clients.findClient(body.client_id))?.metadata.client_name, 'Your Bank');
    });

    it('accepts an update carrying a valid statement from the same issuer: its claims win, the rest is updated, the client stays verified', async () => {
      const { body, path } = await registerWithStatement();
      const renewed = await statement(bank, { ...asserted, software_version: '2.0' });
      const response = await put(path, body.registration_access_token, {
        client_id: body.client_id,
        token_endpoint_auth_method: 'none',
        software_statement: renewed,
        client_name: 'Your Bank - Official',
        logo_uri: 'https://bank.example/logo.png',
      });
      assert.equal(response.statusCode, 200, response.body);
      const updated = response.json();
      assert.equal(updated.client_name, 'Your Bank', "the statement's name wins over the request's");
      assert.equal(updated.software_version, '2.0');
      assert.equal(updated.logo_uri, 'https://bank.example/logo.png');
      assert.equal(updated.software_statement, renewed);
      const stored = await server.storage.clients.findClient(body.client_id);
      assert.equal(stored?.registrationSource, 'software_statement');
      assert.deepEqual(stored?.metadata.redirect_uris, ['https://bank.example/cb']);
    });

    it('still lets a client registered without a statement update itself without one', async () => {
      const response = await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'Plain', redirect_uris: ['https://plain.example/cb'], token_endpoint_auth_method: 'none' } });
      const body = response.json();
      const update = await put(new URL(body.registration_client_uri).pathname, body.registration_access_token, { client_id: body.client_id, client_name: 'Plainer', redirect_uris: ['https://plain.example/cb'], token_endpoint_auth_method: 'none' });
      assert.equal(update.statusCode, 200, update.body);
      assert.equal(update.json().client_name, 'Plainer');
    });
  });
});
