import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * Latchkey against oauth4webapi, a strict, certified OAuth client, over a real port: discovery (RFC 8414),
 * registration (RFC 7591), the authorization code flow with PKCE and the `iss` response parameter (RFC 9207),
 * refresh token rotation, revocation (RFC 7009), introspection (RFC 7662) and JWT access tokens (RFC 9068).
 * Each step is validated by the library exactly as a client in production would.
 *
 * The person's part (sign-in and consent) is driven through {@link TestBrowser} against the same app; the
 * redirect to the client is captured, not followed, and handed to oauth4webapi.
 */

/** oauth4webapi refuses `http` by default; the issuer here is `http://127.0.0.1:<port>`. */
const insecure = { [oauth.allowInsecureRequests]: true } as const;
const resource = 'https://mcp.example.com/mcp';
const alice = { username: 'alice', password: 'correct horse battery' };
/** Never listened on: the redirect is captured from the `Location` header. */
const redirectUri = 'http://127.0.0.1:1/callback';
const otherRedirectUri = 'http://127.0.0.1:1/other-callback';

/** A client as oauth4webapi sees it, with how it authenticates. */
interface RegisteredClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
}

/** Asserts that `promise` rejects with an OAuth error response (ResponseBodyError) carrying `error`. */
async function rejectsWithOAuthError(promise: Promise<unknown>, error: string, status = 400): Promise<oauth.ResponseBodyError> {
  let caught: unknown;
  await assert.rejects(promise, (thrown: unknown) => {
    caught = thrown;
    return true;
  });
  assert.ok(caught instanceof oauth.ResponseBodyError, `a ResponseBodyError, got ${String(caught)}`);
  assert.equal(caught.error, error, caught.error_description);
  assert.equal(caught.status, status);
  return caught;
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('oauth4webapi against a listening Latchkey', () => {
    let server: ListeningTestServer;
    let as: oauth.AuthorizationServer;

    let resourceServer: RegisteredClient;
    before(async () => {
      server = await startListeningTestServer({ database: kind });
      await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
      const issuer = new URL(server.issuer);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      // The resource server's own client, created by the operator: introspection is for resource servers only.
      const own = await createOperatorClient(server, { client_name: 'Resource server' });
      resourceServer = { client: { client_id: own.client_id }, auth: oauth.ClientSecretBasic(own.client_secret) };
    });
    after(() => server?.close());

    async function register(metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>>): Promise<oauth.OmitSymbolProperties<oauth.Client>> {
      const response = await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: 'oauth4webapi e2e', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], ...metadata },
        insecure,
      );
      return oauth.processDynamicClientRegistrationResponse(response);
    }

    async function registerPublic(metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>> = {}): Promise<RegisteredClient> {
      const client = await register({ token_endpoint_auth_method: 'none', ...metadata });
      return { client, auth: oauth.None() };
    }

    async function registerConfidential(): Promise<RegisteredClient> {
      const client = await register({ token_endpoint_auth_method: 'client_secret_basic' });
      assert.equal(typeof client['client_secret'], 'string');
      return { client, auth: oauth.ClientSecretBasic(client['client_secret'] as string) };
    }

    /**
     * Builds the authorization URL as a client would, signs in and decides as alice, and returns the URL the
     * server redirected to, with the PKCE verifier and state the client kept.
     */
    async function authorize(client: oauth.Client, options: { redirect?: string; scope?: string; decision?: 'allow' | 'deny' } = {}) {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: options.redirect ?? redirectUri,
        scope: options.scope ?? 'mcp:tools offline_access',
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        resource,
      }).toString();

      const browser = new TestBrowser(server.app);
      const login = await browser.get(url.pathname + url.search);
      assert.equal(login.statusCode, 200, login.body);
      const consent = await browser.follow(await browser.submit(login, alice));
      assert.equal(consent.statusCode, 200, consent.body);
      const done = await browser.submit(consent, { decision: options.decision ?? 'allow' });
      assert.equal(done.statusCode, 303);
      return { callbackUrl: new URL(String(done.headers.location)), codeVerifier, state };
    }

    /** The whole flow up to tokens, as the library validates it. */
    async function obtainTokens({ client, auth }: RegisteredClient, scope?: string) {
      const { callbackUrl, codeVerifier, state } = await authorize(client, scope === undefined ? {} : { scope });
      const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, codeVerifier, {
        ...insecure,
        additionalParameters: { resource },
      });
      return oauth.processAuthorizationCodeResponse(as, client, response);
    }

    const refresh = ({ client, auth }: RegisteredClient, refreshToken: string) =>
      oauth.refreshTokenGrantRequest(as, client, auth, refreshToken, { ...insecure, additionalParameters: { resource } }).then((response) =>
        oauth.processRefreshTokenResponse(as, client, response),
      );

    const introspect = (_holder: RegisteredClient, token: string, { client, auth }: RegisteredClient = resourceServer) =>
      oauth.introspectionRequest(as, client, auth, token, insecure).then((response) => oauth.processIntrospectionResponse(as, client, response));

    const revoke = ({ client, auth }: RegisteredClient, token: string, hint?: string) =>
      oauth
        .revocationRequest(as, client, auth, token, { ...insecure, ...(hint ? { additionalParameters: { token_type_hint: hint } } : {}) })
        .then((response) => oauth.processRevocationResponse(response));

    it('discovers the metadata by RFC 8414 and by OpenID Connect Discovery, with the issuer it was fetched for', async () => {
      assert.equal(as.issuer, server.issuer);
      assert.equal(as.authorization_endpoint, `${server.issuer}/authorize`);
      assert.equal(as.token_endpoint, `${server.issuer}/token`);
      assert.equal(as.registration_endpoint, `${server.issuer}/register`);
      assert.equal(as.authorization_response_iss_parameter_supported, true);
      assert.deepEqual(as.code_challenge_methods_supported, ['S256']);

      const issuer = new URL(server.issuer);
      const oidc = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oidc', ...insecure }));
      assert.deepEqual(oidc, as, 'both well-known documents are the same');
    });

    it('registers a public client (none) and a confidential client (client_secret_basic)', async () => {
      const { client: publicClient } = await registerPublic();
      assert.equal(publicClient['token_endpoint_auth_method'], 'none');
      assert.equal(publicClient['client_secret'], undefined, 'a public client gets no secret');
      assert.deepEqual(publicClient['redirect_uris'], [redirectUri]);

      const { client: confidential } = await registerConfidential();
      assert.equal(confidential['token_endpoint_auth_method'], 'client_secret_basic');
      assert.equal(confidential['client_secret_expires_at'], 0);
      assert.equal(typeof confidential['registration_access_token'], 'string');
      assert.notEqual(confidential.client_id, publicClient.client_id);
    });

    it('public client: code flow with PKCE and iss, JWT access token for the resource, refresh rotation', async () => {
      const registered = await registerPublic();
      const tokens = await obtainTokens(registered);
      assert.equal(tokens.token_type, 'bearer');
      assert.equal(tokens.scope, 'mcp:tools offline_access');
      assert.ok(tokens.refresh_token);
      assert.ok(tokens.expires_in && tokens.expires_in > 0);

      // RFC 9068, checked by the library as a resource server would: typ at+jwt, signature from jwks_uri, aud.
      const claims = await oauth.validateJwtAccessToken(
        as,
        new Request(resource, { headers: { authorization: `Bearer ${tokens.access_token}` } }),
        resource,
        insecure,
      );
      assert.equal(claims.iss, server.issuer);
      assert.equal(claims.sub, 'user-alice');
      assert.equal(claims.client_id, registered.client.client_id);
      assert.equal(claims.scope, 'mcp:tools offline_access');

      const refreshed = await refresh(registered, tokens.refresh_token);
      assert.ok(refreshed.refresh_token);
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token, 'the refresh token rotates');
      assert.notEqual(refreshed.access_token, tokens.access_token);

      // Within the reuse grace window only the token just retired may come back: one two rotations old is reuse.
      const again = await refresh(registered, refreshed.refresh_token);
      assert.ok(again.refresh_token);
      await rejectsWithOAuthError(refresh(registered, tokens.refresh_token), 'invalid_grant');
      await rejectsWithOAuthError(refresh(registered, again.refresh_token), 'invalid_grant', 400);
    });

    it('a public client revokes its own refresh token without a secret (RFC 7009)', async () => {
      const registered = await registerPublic();
      const tokens = await obtainTokens(registered);
      assert.equal(await revoke(registered, tokens.refresh_token!, 'refresh_token'), undefined);
      await rejectsWithOAuthError(refresh(registered, tokens.refresh_token!), 'invalid_grant');
    });

    it('confidential client: code flow with client_secret_basic, introspection, revocation of each token', async () => {
      const registered = await registerConfidential();
      const tokens = await obtainTokens(registered);
      assert.ok(tokens.refresh_token);

      const active = await introspect(registered, tokens.access_token);
      assert.equal(active.active, true);
      assert.equal(active.client_id, registered.client.client_id);
      assert.equal(active.scope, 'mcp:tools offline_access');
      assert.equal(active.sub, 'user-alice');
      assert.equal(active.iss, server.issuer);
      assert.equal(active.aud, resource);
      const activeRefresh = await introspect(registered, tokens.refresh_token);
      assert.equal(activeRefresh.active, true);
      assert.equal(activeRefresh.client_id, registered.client.client_id);

      // Revoking the access token alone leaves the grant and its refresh token alive.
      assert.equal(await revoke(registered, tokens.access_token, 'access_token'), undefined);
      assert.equal((await introspect(registered, tokens.access_token)).active, false);
      const refreshed = await refresh(registered, tokens.refresh_token);
      assert.equal((await introspect(registered, refreshed.access_token)).active, true);

      // Revoking the refresh token ends the grant: its access tokens turn inactive too (RFC 7009 §2.1).
      assert.equal(await revoke(registered, refreshed.refresh_token!), undefined);
      assert.deepEqual(await introspect(registered, refreshed.refresh_token!), { active: false });
      assert.deepEqual(await introspect(registered, refreshed.access_token), { active: false });
      await rejectsWithOAuthError(refresh(registered, refreshed.refresh_token!), 'invalid_grant');

      // RFC 7009 §2.2: an unknown token is answered like a revoked one.
      assert.equal(await revoke(registered, 'not-a-token-this-server-issued'), undefined);
      assert.deepEqual(await introspect(registered, 'not-a-token-this-server-issued'), { active: false });
    });

    it('refuses introspection to a public client (RFC 7662 §2.1: the endpoint is protected)', async () => {
      const registered = await registerPublic();
      const tokens = await obtainTokens(registered);
      const response = await oauth.introspectionRequest(as, registered.client, registered.auth, tokens.access_token, insecure);
      assert.equal(response.status, 401);
      assert.deepEqual(((await response.clone().json()) as { error: string }).error, 'invalid_client');
      // The 401 carries a Basic challenge (RFC 6749 §5.2), which the library reports before the body.
      await assert.rejects(
        oauth.processIntrospectionResponse(as, registered.client, response),
        (error: unknown) => error instanceof oauth.WWWAuthenticateChallengeError && error.cause[0]?.scheme === 'basic',
      );
    });

    it('refuses introspection to a self-registered confidential client (RFC 7662 §4: no token scanning)', async () => {
      const registered = await registerConfidential();
      const tokens = await obtainTokens(registered);
      const response = await oauth.introspectionRequest(as, registered.client, registered.auth, tokens.access_token, insecure);
      assert.equal(response.status, 403);
      const body = (await response.json()) as { error: string; active?: boolean };
      assert.equal(body.error, 'unauthorized_client');
      assert.equal(body.active, undefined, 'nothing about the token is told');
    });

    it('a denied authorization reaches the client as access_denied, with iss (AuthorizationResponseError)', async () => {
      const { client } = await registerPublic();
      const { callbackUrl, state } = await authorize(client, { decision: 'deny' });
      assert.equal(callbackUrl.searchParams.get('iss'), server.issuer);
      assert.throws(
        () => oauth.validateAuthResponse(as, client, callbackUrl, state),
        (error: unknown) => error instanceof oauth.AuthorizationResponseError && error.error === 'access_denied',
      );
    });

    it('refuses a reused code with invalid_grant and revokes the tokens the first use issued (RFC 6749 §4.1.2)', async () => {
      const registered = await registerPublic();
      const { client, auth } = registered;
      const { callbackUrl, codeVerifier, state } = await authorize(client);
      const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
      const exchange = () =>
        oauth
          .authorizationCodeGrantRequest(as, client, auth, params, redirectUri, codeVerifier, { ...insecure, additionalParameters: { resource } })
          .then((response) => oauth.processAuthorizationCodeResponse(as, client, response));
      const first = await exchange();
      await rejectsWithOAuthError(exchange(), 'invalid_grant');
      await rejectsWithOAuthError(refresh(registered, first.refresh_token!), 'invalid_grant');
    });

    it('refuses a wrong code_verifier with invalid_grant (RFC 7636 §4.6)', async () => {
      const { client, auth } = await registerPublic();
      const { callbackUrl, state } = await authorize(client);
      const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, redirectUri, oauth.generateRandomCodeVerifier(), insecure);
      await rejectsWithOAuthError(oauth.processAuthorizationCodeResponse(as, client, response), 'invalid_grant');
    });

    it('refuses a redirect_uri that differs from the authorization request with invalid_grant (RFC 6749 §4.1.3)', async () => {
      const { client, auth } = await registerPublic({ redirect_uris: [redirectUri, otherRedirectUri] });
      const { callbackUrl, codeVerifier, state } = await authorize(client);
      const params = oauth.validateAuthResponse(as, client, callbackUrl, state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, params, otherRedirectUri, codeVerifier, insecure);
      await rejectsWithOAuthError(oauth.processAuthorizationCodeResponse(as, client, response), 'invalid_grant');
    });

    /** The ID Token of an `openid` grant, as the library validates it for `client`. */
    async function idTokenClaims(registered: RegisteredClient) {
      const tokens = await obtainTokens(registered, 'openid mcp:tools');
      assert.ok(tokens.id_token, 'an ID Token when openid is granted');
      const claims = oauth.getValidatedIdTokenClaims(tokens);
      assert.ok(claims);
      assert.equal(claims.iss, server.issuer);
      assert.equal(claims.sub, 'user-alice');
      assert.equal(claims.aud, registered.client.client_id);
    }

    it('issues an ID Token that oauth4webapi validates for a client that expects ES256', async () => {
      const registered = await registerPublic();
      await idTokenClaims({ ...registered, client: { ...registered.client, id_token_signed_response_alg: 'ES256' } });
    });

    it(
      'issues an ID Token that oauth4webapi accepts for a client that registered no id_token_signed_response_alg',
      async () => {
        await idTokenClaims(await registerPublic());
      },
    );
  });
});
