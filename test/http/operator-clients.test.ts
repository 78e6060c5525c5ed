import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { digestSecret } from '../../src/protocol/secrets.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { basicAuthorization, createOperatorClient } from '../support/operator-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

const machineResource = 'https://mcp.example.com/mcp';
const peopleResource = 'https://people.example.com/mcp';
const resources = [
  { uri: machineResource, name: 'Example', scopes: ['mcp:tools'], machineClients: true },
  { uri: peopleResource, name: 'People only', scopes: ['mcp:tools'] },
];
const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';

const form = (server: TestServer, url: string, params: Record<string, string>, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'POST', url, payload: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });

/** `POST /token` with `client_credentials`, authenticated with `client_secret_basic`. */
const machineToken = (server: TestServer, client: { client_id: string; client_secret: string }, params: Record<string, string> = {}) =>
  form(server, '/token', { grant_type: 'client_credentials', ...params }, { authorization: basicAuthorization(client.client_id, client.client_secret) });

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('operator-created clients: client_credentials and introspection (PRODUCT.md §8)', () => {
    let server: TestServer;
    let robot: Awaited<ReturnType<typeof createOperatorClient>>;

    before(async () => {
      server = await startTestServer({ database: kind, overrides: { resources } });
      robot = await createOperatorClient(server, { client_name: 'Robot', scope: 'mcp:tools' });
    });
    after(() => server.close());

    const introspect = (caller: { client_id: string; client_secret: string }, token: string) =>
      form(server, '/introspect', { token }, { authorization: basicAuthorization(caller.client_id, caller.client_secret) });

    /** A user's access token for the machine resource, through a code exchange of an openly registered public client. */
    async function userToken(): Promise<string> {
      const client = (await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'Agent', redirect_uris: ['https://agent.example/cb'], token_endpoint_auth_method: 'none' } })).json();
      await server.storage.users.createUser({ id: 'u1', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 }).catch(() => undefined);
      const code = `code-${client.client_id}`;
      await server.storage.codes.insertCode({
        codeDigest: digestSecret(code), clientId: client.client_id, userId: 'u1', redirectUri: 'https://agent.example/cb',
        codeChallenge: createHash('sha256').update(verifier).digest('base64url'), scope: 'mcp:tools', resource: machineResource, nonce: null,
        authTime: Date.now(), expiresAt: Date.now() + 60_000,
      });
      const response = await form(server, '/token', { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: client.client_id, redirect_uri: 'https://agent.example/cb' });
      assert.equal(response.statusCode, 200, response.body);
      return response.json().access_token as string;
    }

    it('gives the created client a token without a user for a resource that accepts machine clients: gty client_credentials, no gid, no refresh token', async () => {
      const response = await machineToken(server, robot, { resource: machineResource });
      assert.equal(response.statusCode, 200, response.body);
      const body = response.json();
      assert.equal(body.refresh_token, undefined, 'RFC 6749 §4.4.3');
      const claims = decodeJwt(body.access_token);
      assert.equal(claims['gty'], 'client_credentials');
      assert.equal(claims['gid'], undefined, 'no stored grant');
      assert.equal(claims.aud, machineResource);
      assert.equal(claims.sub, robot.client_id);
      assert.equal(claims['scope'], 'mcp:tools');
      assert.equal(claims['auth_time'], undefined);
    });

    it('gets the default resource when the request names none, if it accepts machine clients', async () => {
      const response = await machineToken(server, robot);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal(decodeJwt(response.json().access_token).aud, machineResource);
    });

    it('refuses a machine token for a resource without machineClients, and for an unknown resource (invalid_target)', async () => {
      for (const resource of [peopleResource, 'https://elsewhere.example/mcp']) {
        const response = await machineToken(server, robot, { resource });
        assert.equal(response.statusCode, 400, resource);
        assert.equal(response.json().error, 'invalid_target', resource);
      }
    });

    it('lets the created client introspect: active for its own machine token and for a user token', async () => {
      const own = (await machineToken(server, robot, { resource: machineResource })).json().access_token as string;
      const ownAnswer = await introspect(robot, own);
      assert.equal(ownAnswer.statusCode, 200, ownAnswer.body);
      assert.equal(ownAnswer.json().active, true);
      assert.equal(ownAnswer.json().gty, 'client_credentials');
      assert.equal(ownAnswer.json().client_id, robot.client_id);

      const user = await introspect(robot, await userToken());
      assert.equal(user.statusCode, 200, user.body);
      assert.equal(user.json().active, true);
      assert.equal(user.json().sub, 'u1');
      assert.equal(user.json().gid, undefined, 'internal claims are not shown');
    });

    it('introspects a machine token as inactive once its client is deleted', async () => {
      const doomed = await createOperatorClient(server, { client_name: 'Doomed', scope: 'mcp:tools' });
      const access = (await machineToken(server, doomed, { resource: machineResource })).json().access_token as string;
      assert.equal((await introspect(robot, access)).json().active, true);
      await server.storage.clients.deleteClient(doomed.client_id);
      assert.deepEqual((await introspect(robot, access)).json(), { active: false });
    });

    describe('abuse: what an attacker who can register clients gets', () => {
      const registerOpenly = (body: Record<string, unknown>) =>
        server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'Robot', token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:tools', ...body } });

      it('refuses an open registration asking only for client_credentials (invalid_client_metadata)', async () => {
        const response = await registerOpenly({ grant_types: ['client_credentials'] });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error, 'invalid_client_metadata');
      });

      it('registers only authorization_code for an open registration asking for it and client_credentials, and refuses client_credentials to it (unauthorized_client)', async () => {
        const response = await registerOpenly({ grant_types: ['authorization_code', 'client_credentials'], redirect_uris: ['https://evil.example/cb'] });
        assert.equal(response.statusCode, 201, response.body);
        const registered = response.json();
        assert.deepEqual(registered.grant_types, ['authorization_code']);
        const token = await machineToken(server, registered, { resource: machineResource });
        assert.equal(token.statusCode, 400, token.body);
        assert.equal(token.json().error, 'unauthorized_client');
        assert.equal(token.json().access_token, undefined);
      });

      it('refuses introspection to a dynamically registered confidential client (403 unauthorized_client), so it cannot scan tokens', async () => {
        const registered = (await registerOpenly({ redirect_uris: ['https://evil.example/cb'] })).json();
        assert.ok(registered.client_secret, 'a confidential client');
        const stolen = await userToken();
        const response = await introspect(registered, stolen);
        assert.equal(response.statusCode, 403, response.body);
        assert.equal(response.json().error, 'unauthorized_client');
        assert.equal(response.json().active, undefined, 'nothing about the token');
      });
    });
  });

  describe('operator-created clients with no resource configured', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind });
    });
    after(() => server.close());

    it('gives a machine client no token at all (invalid_target), with or without a resource', async () => {
      const robot = await createOperatorClient(server, { scope: 'mcp:tools' });
      for (const params of [{}, { resource: machineResource }]) {
        const response = await machineToken(server, robot, params);
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error, 'invalid_target');
      }
    });
  });
});
