import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startEnterpriseIdp, unsignedJwt, type EnterpriseIdp, type IdJagClaims } from '../support/enterprise-idp.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * Enterprise-managed authorization (the MCP extension) end to end on a real port: a stand-in enterprise IdP
 * serves its JWKS on a loopback port and mints identity assertion grants (ID-JAG); oauth4webapi, as the MCP
 * client, presents them with the JWT bearer grant (RFC 7523 §2.1) and validates the token responses.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const resource = 'https://mcp.acme.example/mcp';

interface RegisteredClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
}

async function rejectsWith(promise: Promise<unknown>, error: string, status = 400): Promise<void> {
  let caught: unknown;
  await assert.rejects(promise, (thrown: unknown) => {
    caught = thrown;
    return true;
  });
  assert.ok(caught instanceof oauth.ResponseBodyError, `a ResponseBodyError, got ${String(caught)}`);
  assert.equal(caught.error, error, caught.error_description);
  assert.equal(caught.status, status);
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('enterprise-managed authorization (ID-JAG) against a listening Latchkey', () => {
    let idp: EnterpriseIdp;
    let server: ListeningTestServer;
    let as: oauth.AuthorizationServer;
    let agent: RegisteredClient;

    before(async () => {
      idp = await startEnterpriseIdp();
      server = await startListeningTestServer({
        database: kind,
        overrides: {
          'identity.enterpriseProviders': [{ id: 'acme-idp', issuer: idp.issuer, jwksUri: idp.jwksUri }],
          'identity.allow': { emailDomains: ['acme.example'] },
          resources: [{ uri: resource, name: 'Acme MCP', scopes: ['mcp:tools', 'mcp:read'] }],
        },
      });
      const issuer = new URL(server.issuer);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      agent = await register({ grant_types: [jwtBearer], token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:tools mcp:read' });
    });
    after(async () => {
      await server?.close();
      await idp?.close();
    });

    async function register(metadata: Record<string, unknown>): Promise<RegisteredClient> {
      const response = await oauth.dynamicClientRegistrationRequest(as, { client_name: 'Acme agent', redirect_uris: ['http://127.0.0.1:1/callback'], ...metadata }, insecure);
      const client = await oauth.processDynamicClientRegistrationResponse(response);
      const secret = client['client_secret'];
      return { client, auth: typeof secret === 'string' ? oauth.ClientSecretBasic(secret) : oauth.None() };
    }

    /** An ID-JAG for `agent` and this server, for alice at Acme unless `claims` say otherwise. */
    const mint = (claims: IdJagClaims = {}, options?: Parameters<EnterpriseIdp['mint']>[1]) =>
      idp.mint({ sub: 'U0194882', email: 'alice@acme.example', email_verified: true, aud: server.issuer, client_id: agent.client.client_id, resource, scope: 'mcp:tools', ...claims }, options);

    async function present(assertion: string, { client, auth }: RegisteredClient = agent, parameters: Record<string, string> = {}) {
      const response = await oauth.genericTokenEndpointRequest(as, client, auth, jwtBearer, { assertion, ...parameters }, insecure);
      return oauth.processGenericTokenEndpointResponse(as, client, response);
    }

    it('advertises the grant type and the id-jag grant profile', () => {
      assert.ok(as.grant_types_supported?.includes(jwtBearer));
      assert.deepEqual(as['authorization_grant_profiles_supported'], ['urn:ietf:params:oauth:grant-profile:id-jag']);
    });

    it('exchanges a valid ID-JAG for an access token of the user linked to (acme-idp, sub), and the same user the next time', async () => {
      const first = await present(await mint());
      assert.equal(first.token_type, 'bearer');
      assert.equal(first.refresh_token, undefined, 'no refresh token: the client asks the IdP for a new assertion');
      assert.equal(first.scope, 'mcp:tools');
      const claims = decodeJwt(first.access_token);
      assert.equal(claims.aud, resource);
      assert.equal(claims['client_id'], agent.client.client_id);
      const identity = await server.storage.identities.findIdentity('acme-idp', 'U0194882');
      assert.ok(identity, 'the identity is linked');
      assert.equal(claims.sub, identity.userId);
      assert.equal((await server.storage.users.findUserById(identity.userId))?.email, 'alice@acme.example');

      const second = await present(await mint({ scope: 'mcp:tools mcp:read' }));
      assert.equal(decodeJwt(second.access_token).sub, identity.userId);
      assert.equal(second.scope, 'mcp:tools mcp:read');
    });

    it('narrows the scope to what the request asks within the assertion', async () => {
      const response = await present(await mint({ scope: 'mcp:tools mcp:read' }), agent, { scope: 'mcp:read openid' });
      assert.equal(response.scope, 'mcp:read');
    });

    it('refuses a replayed assertion (jti used once) with invalid_grant', async () => {
      const assertion = await mint();
      await present(assertion);
      await rejectsWith(present(assertion), 'invalid_grant');
    });

    it('refuses an expired assertion with invalid_grant', async () => {
      const now = Math.floor(Date.now() / 1000);
      await rejectsWith(present(await mint({ iat: now - 600, exp: now - 300 })), 'invalid_grant');
    });

    it('refuses an assertion that lives longer than 10 minutes with invalid_grant', async () => {
      const now = Math.floor(Date.now() / 1000);
      await rejectsWith(present(await mint({ iat: now, exp: now + 3600 })), 'invalid_grant');
    });

    it('refuses an assertion issued in the future with invalid_grant', async () => {
      const now = Math.floor(Date.now() / 1000);
      await rejectsWith(present(await mint({ iat: now + 300, exp: now + 600 })), 'invalid_grant');
    });

    it('refuses an assertion for another authorization server (aud) with invalid_grant', async () => {
      await rejectsWith(present(await mint({ aud: 'https://auth.other.example' })), 'invalid_grant');
    });

    it('refuses an assertion issued for another client (client_id claim) with invalid_grant', async () => {
      const other = await register({ grant_types: [jwtBearer], token_endpoint_auth_method: 'client_secret_basic', scope: 'mcp:tools' });
      await rejectsWith(present(await mint({ client_id: other.client.client_id })), 'invalid_grant');
      await rejectsWith(present(await mint(), other), 'invalid_grant');
    });

    it('refuses a JWT whose typ is JWT instead of oauth-id-jag+jwt with invalid_grant', async () => {
      await rejectsWith(present(await mint({}, { header: { typ: 'JWT' } })), 'invalid_grant');
    });

    it('refuses an assertion from an unknown issuer with invalid_grant', async () => {
      await rejectsWith(present(await mint({ iss: 'https://idp.evil.example' })), 'invalid_grant');
    });

    it('refuses an assertion signed by another key with invalid_grant', async () => {
      await rejectsWith(present(await mint({}, { key: idp.otherKey })), 'invalid_grant');
    });

    it('refuses an unsigned assertion (alg none) with invalid_grant', async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = { iss: idp.issuer, sub: 'U0194882', aud: server.issuer, client_id: agent.client.client_id, jti: randomUUID(), iat: now, exp: now + 300 };
      await rejectsWith(present(unsignedJwt({ typ: 'oauth-id-jag+jwt' }, claims)), 'invalid_grant');
    });

    it('refuses an assertion for a resource that is not configured with invalid_grant', async () => {
      await rejectsWith(present(await mint({ resource: 'https://mcp.other.example/mcp' })), 'invalid_grant');
    });

    it('refuses an assertion naming a scope the resource does not offer with invalid_grant', async () => {
      await rejectsWith(present(await mint({ scope: 'mcp:tools admin:everything' })), 'invalid_grant');
    });

    it('refuses a public client, which cannot register the grant, with unauthorized_client', async () => {
      const publicClient = await register({ token_endpoint_auth_method: 'none', grant_types: ['authorization_code'] });
      await rejectsWith(present(await mint({ client_id: publicClient.client.client_id }), publicClient), 'unauthorized_client');
      const refused = await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: 'Public agent', redirect_uris: ['http://127.0.0.1:1/callback'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', jwtBearer] },
        insecure,
      );
      assert.equal(refused.status, 400);
      assert.equal(((await refused.json()) as { error: string }).error, 'invalid_client_metadata');
    });

    it('refuses a confidential client that did not register the grant with unauthorized_client', async () => {
      const plain = await register({ token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code'] });
      await rejectsWith(present(await mint({ client_id: plain.client.client_id }), plain), 'unauthorized_client');
    });

    it('refuses a client with a wrong secret with invalid_client (401, a Basic challenge)', async () => {
      const wrong = { client: agent.client, auth: oauth.ClientSecretBasic('not-the-secret') };
      const thrown = await present(await mint(), wrong).then(() => undefined, (error: unknown) => error);
      assert.ok(thrown instanceof oauth.WWWAuthenticateChallengeError, String(thrown));
      assert.equal(thrown.status, 401);
      assert.equal(((await thrown.response.json()) as { error: string }).error, 'invalid_client');
    });

    it('refuses a subject the allow rule does not admit with invalid_grant, creating nobody', async () => {
      await rejectsWith(present(await mint({ sub: 'U-EVE', email: 'eve@elsewhere.example' })), 'invalid_grant');
      await rejectsWith(present(await mint({ sub: 'U-MALLORY', email: 'mallory@acme.example', email_verified: false })), 'invalid_grant');
      assert.equal(await server.storage.identities.findIdentity('acme-idp', 'U-EVE'), undefined);
      assert.equal(await server.storage.identities.findIdentity('acme-idp', 'U-MALLORY'), undefined);
    });

    it('refuses garbage and a missing assertion with standard errors, never a 500', async () => {
      await rejectsWith(present('not.a.jwt'), 'invalid_grant');
      await rejectsWith(present(''), 'invalid_request');
      const encrypted = 'eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aaaa.bbbb.cccc';
      await rejectsWith(present(encrypted), 'invalid_grant');
    });
  });
});
