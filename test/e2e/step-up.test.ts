import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import * as oauth from 'oauth4webapi';
import { createResourceServer, ResourceServerError, type ResourceServer } from '../../src/resource-server.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * Step-up authorization end to end (PRODUCT.md §11), with oauth4webapi as the agent on a real port and Latchkey's
 * resource-server helper as the MCP server: the agent holds `mcp:tools`; a tool that also needs `mcp:resources`
 * answers `403 insufficient_scope` naming both; the agent authorizes again for what the challenge names; the
 * consent page asks only for `mcp:resources`; the new tokens carry both, and the refresh token of the first grant
 * still refreshes to `mcp:tools` only.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const resource = 'https://mcp.example.com/mcp';
const alice = { username: 'alice', password: 'correct horse battery' };
/** Never listened on: the redirect is captured from the `Location` header. */
const redirectUri = 'http://127.0.0.1:1/callback';

/** The scope of a JWT access token, read without verifying (the resource-server helper verifies it below). */
function accessTokenScope(token: string): string {
  return (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { scope: string }).scope;
}

/** The scope tokens the consent page lists under `testid`, in order. */
function listedScopes(page: string, testid: string): string[] {
  const list = new RegExp(`<ul[^>]*data-testid="${testid}"[^>]*>(.*?)</ul>`, 's').exec(page)?.[1];
  if (list === undefined) return [];
  return [...list.matchAll(/data-scope="([^"]+)"/g)].map((m) => m[1]!);
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('step-up: more scope for a client that already has some', () => {
    let server: ListeningTestServer;
    let as: oauth.AuthorizationServer;
    let client: oauth.Client;
    let mcp: ResourceServer;
    const auth = oauth.None();
    // One browser for the whole story: alice signs in once, as she would.
    let browser: TestBrowser;

    before(async () => {
      server = await startListeningTestServer({ database: kind });
      await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
      const issuer = new URL(server.issuer);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      const registered = await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: 'Step-up agent', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
        insecure,
      );
      client = await oauth.processDynamicClientRegistrationResponse(registered);
      mcp = createResourceServer({ issuer: server.issuer, resource, requiredScopes: ['mcp:tools'] });
      browser = new TestBrowser(server.app);
    });
    after(() => server?.close());

    /** Sends alice's browser to /authorize for `scope`; returns the consent page (signing in first if needed) or the redirect. */
    async function startAuthorization(scope: string) {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        resource,
      }).toString();
      let response: LightMyRequestResponse = await browser.get(url.pathname + url.search);
      if (response.statusCode === 200 && response.body.includes('name="password"')) response = await browser.follow(await browser.submit(response, alice));
      return { response, codeVerifier, state };
    }

    /** Redeems the code of a redirect to the client, as oauth4webapi validates it (`iss` included). */
    async function redeem(location: string, codeVerifier: string, state: string) {
      const params = oauth.validateAuthResponse(as, client, new URL(location), state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, codeVerifier, { ...insecure, additionalParameters: { resource } });
      return oauth.processAuthorizationCodeResponse(as, client, response);
    }

    const refresh = (refreshToken: string, scope?: string) =>
      oauth
        .refreshTokenGrantRequest(as, client, auth, refreshToken, { ...insecure, additionalParameters: { resource, ...(scope ? { scope } : {}) } })
        .then((response) => oauth.processRefreshTokenResponse(as, client, response));

    let first: oauth.TokenEndpointResponse;
    let challengeScope: string;

    it('first grants mcp:tools, which the MCP server accepts for a tool needing only that', async () => {
      const { response, codeVerifier, state } = await startAuthorization('mcp:tools offline_access');
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(listedScopes(response.body, 'new-scopes'), ['mcp:tools', 'offline_access']);
      assert.deepEqual(listedScopes(response.body, 'allowed-scopes'), [], 'nothing was allowed before');
      const done = await browser.submit(response, { decision: 'allow' });
      assert.equal(done.statusCode, 303);
      first = await redeem(String(done.headers.location), codeVerifier, state);
      assert.equal(first.scope, 'mcp:tools offline_access');
      assert.ok(first.refresh_token);
      assert.equal((await mcp.verifyAccessToken(`Bearer ${first.access_token}`)).scope, 'mcp:tools offline_access');
    });

    it('answers a tool needing mcp:tools and mcp:resources with 403 insufficient_scope naming both (RFC 6750 §3.1)', async () => {
      const refused = await mcp.verifyAccessToken(`Bearer ${first.access_token}`, { requiredScopes: ['mcp:tools', 'mcp:resources'] }).then(
        () => assert.fail('accepted'),
        (error: unknown) => error,
      );
      assert.ok(refused instanceof ResourceServerError);
      assert.equal(refused.code, 'insufficient_scope');
      const { status, headers } = mcp.challenge(refused);
      assert.equal(status, 403);
      const header = headers['WWW-Authenticate']!;
      assert.match(header, /^Bearer /);
      assert.match(header, /error="insufficient_scope"/);
      challengeScope = /scope="([^"]*)"/.exec(header)![1]!;
      assert.equal(challengeScope, 'mcp:tools mcp:resources', 'every scope the operation needs, not only the missing one');
    });

    it('asks consent only for mcp:resources on the step-up, listing the others as already allowed; the new token has the union', async () => {
      const { response, codeVerifier, state } = await startAuthorization(`${challengeScope} offline_access`);
      assert.equal(response.statusCode, 200, response.body);
      assert.deepEqual(listedScopes(response.body, 'new-scopes'), ['mcp:resources']);
      assert.deepEqual(listedScopes(response.body, 'allowed-scopes'), ['mcp:tools', 'offline_access']);
      assert.match(response.body, /asks for more/);
      const done = await browser.submit(response, { decision: 'allow' });
      assert.equal(done.statusCode, 303);
      const second = await redeem(String(done.headers.location), codeVerifier, state);
      assert.equal(second.scope, 'mcp:tools mcp:resources offline_access');
      assert.equal(accessTokenScope(second.access_token), 'mcp:tools mcp:resources offline_access');
      const claims = await mcp.verifyAccessToken(`Bearer ${second.access_token}`, { requiredScopes: ['mcp:tools', 'mcp:resources'] });
      assert.equal(claims.sub, 'user-alice');
      // The new grant's refresh token keeps the union.
      const renewed = await refresh(second.refresh_token!);
      assert.equal(accessTokenScope(renewed.access_token), 'mcp:tools mcp:resources offline_access');
    });

    it('remembers the union: the same request again, and the first one, get a code without a consent page', async () => {
      const consent = await server.storage.consents.findConsent('user-alice', client.client_id);
      assert.deepEqual(consent?.resources[resource]?.split(' ').sort(), ['mcp:resources', 'mcp:tools', 'offline_access']);
      for (const scope of [`${challengeScope} offline_access`, 'mcp:tools offline_access']) {
        const { response, codeVerifier, state } = await startAuthorization(scope);
        assert.equal(response.statusCode, 302, `no consent page for ${scope}`);
        const tokens = await redeem(String(response.headers.location), codeVerifier, state);
        assert.equal(tokens.scope, scope, 'the grant carries what this request asked for');
      }
    });

    it('keeps the first grant at its own scope: its refresh token refreshes to mcp:tools only, and cannot widen', async () => {
      const renewed = await refresh(first.refresh_token!);
      assert.equal(renewed.scope ?? 'mcp:tools offline_access', 'mcp:tools offline_access');
      assert.equal(accessTokenScope(renewed.access_token), 'mcp:tools offline_access');
      const refused = await mcp.verifyAccessToken(`Bearer ${renewed.access_token}`, { requiredScopes: ['mcp:resources'] }).catch((error: unknown) => error);
      assert.ok(refused instanceof ResourceServerError && refused.code === 'insufficient_scope');

      const widened = await refresh(renewed.refresh_token!, 'mcp:tools mcp:resources').then(
        () => assert.fail('a refresh widened its grant'),
        (error: unknown) => error,
      );
      assert.ok(widened instanceof oauth.ResponseBodyError);
      assert.equal(widened.error, 'invalid_scope');
    });

    it('asks about everything again once the consent is forgotten (nothing shown as already allowed)', async () => {
      assert.ok(await server.storage.consents.deleteConsent('user-alice', client.client_id));
      const { response } = await startAuthorization(`${challengeScope} offline_access`);
      assert.equal(response.statusCode, 200);
      assert.deepEqual(listedScopes(response.body, 'new-scopes'), ['mcp:tools', 'mcp:resources', 'offline_access']);
      assert.deepEqual(listedScopes(response.body, 'allowed-scopes'), []);
    });
  });
});
