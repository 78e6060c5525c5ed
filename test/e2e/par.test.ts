import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import * as oauth from 'oauth4webapi';
import type { Clock } from '../../src/ports/clock.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * Pushed authorization requests (RFC 9126) against oauth4webapi on a real port: the client pushes its request
 * to `/par`, the browser brings the `request_uri` to `/authorize`, signs in and consents; the code is exchanged
 * as usual. Then the abuse: a reused, expired or foreign `request_uri`, a `request_uri` pushed, a client that
 * does not authenticate, an unregistered redirect URI, and a plain request where pushing is required.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const resource = 'https://mcp.example.com/mcp';
const alice = { username: 'alice', password: 'correct horse battery' };
/** Never listened on: the redirect is captured from the `Location` header. */
const redirectUri = 'http://127.0.0.1:1/callback';

interface RegisteredClient {
  client: oauth.Client;
  auth: oauth.ClientAuth;
}

/** The server's clock: real time plus what a test has advanced it by (an expiry test cannot wait a minute). */
function advancingClock(): Clock & { advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

/**
 * Asserts that `promise` rejects with an OAuth error response carrying `error` and `status`. A `401` comes with a
 * `WWW-Authenticate: Basic` challenge, which oauth4webapi reports before the body: the body is read from it.
 */
async function rejectsWithOAuthError(promise: Promise<unknown>, error: string, status = 400): Promise<void> {
  let caught: unknown;
  await assert.rejects(promise, (thrown: unknown) => {
    caught = thrown;
    return true;
  });
  if (caught instanceof oauth.WWWAuthenticateChallengeError) {
    assert.equal(caught.status, status);
    assert.equal(((await caught.response.json()) as { error: string }).error, error);
    return;
  }
  assert.ok(caught instanceof oauth.ResponseBodyError, `a ResponseBodyError, got ${String(caught)}`);
  assert.equal(caught.error, error, caught.error_description);
  assert.equal(caught.status, status);
}

/** Asserts an error page: `400`, HTML, no redirect anywhere, and the message. */
function assertErrorPage(page: LightMyRequestResponse, message: RegExp): void {
  assert.equal(page.statusCode, 400, page.body);
  assert.equal(page.headers.location, undefined, 'never a redirect: the redirect URI is not known');
  assert.match(String(page.headers['content-type']), /^text\/html/);
  assert.match(page.body, message);
}

/** One Latchkey on a real port, with alice, discovered by oauth4webapi. */
async function startServer(kind: DatabaseKind, clock: Clock, overrides: Record<string, unknown> = {}) {
  const server = await startListeningTestServer({ database: kind, clock, overrides });
  await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
  const issuer = new URL(server.issuer);
  const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
  return { server, as };
}

/** What a client pushes: a fresh PKCE verifier and state with the request. */
async function authorizationRequest(extra: Record<string, string> = {}) {
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const state = oauth.generateRandomState();
  const params: Record<string, string> = {
    response_type: 'code',
    redirect_uri: redirectUri,
    scope: 'mcp:tools offline_access',
    code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
    resource,
    ...extra,
  };
  return { params, codeVerifier, state };
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('pushed authorization requests (RFC 9126) with oauth4webapi', () => {
    const clock = advancingClock();
    let server: ListeningTestServer;
    let as: oauth.AuthorizationServer;
    before(async () => {
      ({ server, as } = await startServer(kind, clock));
    });
    after(() => server?.close());

    async function register(metadata: Record<string, unknown> = {}): Promise<RegisteredClient> {
      const response = await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: 'PAR e2e', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none', ...metadata },
        insecure,
      );
      const client = await oauth.processDynamicClientRegistrationResponse(response);
      const secret = client['client_secret'];
      return { client, auth: typeof secret === 'string' ? oauth.ClientSecretBasic(secret) : oauth.None() };
    }

    const push = ({ client, auth }: RegisteredClient, params: Record<string, string>) =>
      oauth.pushedAuthorizationRequest(as, client, auth, params, insecure).then((response) => oauth.processPushedAuthorizationResponse(as, client, response));

    const authorizeUrl = (clientId: string, requestUri: string) => `/authorize?${new URLSearchParams({ client_id: clientId, request_uri: requestUri })}`;

    /** Brings the `request_uri` to `/authorize` in a fresh browser, signs in and allows; the URL it redirected to. */
    async function signInAndConsent(clientId: string, requestUri: string): Promise<URL> {
      const browser = new TestBrowser(server.app);
      const login = await browser.get(authorizeUrl(clientId, requestUri));
      assert.equal(login.statusCode, 200, login.body);
      assert.match(login.body, /name="password"/, 'the sign-in page');
      const consent = await browser.follow(await browser.submit(login, alice));
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /value="allow"/, 'the consent page');
      const done = await browser.submit(consent, { decision: 'allow' });
      assert.equal(done.statusCode, 303, done.body);
      return new URL(String(done.headers.location));
    }

    /** Push, sign in, consent, and exchange the code: the tokens, as the library validated them. */
    async function tokensThroughPar(registered: RegisteredClient) {
      const { params, codeVerifier, state } = await authorizationRequest();
      const pushed = await push(registered, params);
      const callbackUrl = await signInAndConsent(registered.client.client_id, pushed.request_uri);
      const code = oauth.validateAuthResponse(as, registered.client, callbackUrl, state);
      const response = await oauth.authorizationCodeGrantRequest(as, registered.client, registered.auth, code, redirectUri, codeVerifier, {
        ...insecure,
        additionalParameters: { resource },
      });
      return { tokens: await oauth.processAuthorizationCodeResponse(as, registered.client, response), requestUri: pushed.request_uri };
    }

    it('advertises the endpoint, not required by default (RFC 9126 §5)', () => {
      assert.equal(as.pushed_authorization_request_endpoint, `${server.issuer}/par`);
      assert.equal(as.require_pushed_authorization_requests, false);
    });

    it('answers a push 201 with a single-use request_uri, expires_in 60 and Cache-Control no-store (RFC 9126 §2.2)', async () => {
      const registered = await register();
      const { params } = await authorizationRequest();
      const response = await oauth.pushedAuthorizationRequest(as, registered.client, registered.auth, params, insecure);
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('cache-control'), 'no-store');
      const pushed = await oauth.processPushedAuthorizationResponse(as, registered.client, response);
      assert.match(pushed.request_uri, /^urn:ietf:params:oauth:request_uri:[A-Za-z0-9_-]{43}$/);
      assert.equal(pushed.expires_in, 60);
    });

    it('public client: push, sign in and consent through the request_uri, tokens for the pushed scope and resource', async () => {
      const { tokens } = await tokensThroughPar(await register());
      assert.equal(tokens.scope, 'mcp:tools offline_access');
      assert.equal(typeof tokens.refresh_token, 'string');
      const claims = JSON.parse(Buffer.from(tokens.access_token.split('.')[1]!, 'base64url').toString('utf8')) as { aud: string };
      assert.equal(claims.aud, resource);
    });

    it('confidential client (client_secret_basic): push, sign in and consent, tokens', async () => {
      const { tokens } = await tokensThroughPar(await register({ token_endpoint_auth_method: 'client_secret_basic' }));
      assert.equal(tokens.token_type, 'bearer');
    });

    it('refuses a used request_uri on a page (RFC 9126 §4: single use)', async () => {
      const registered = await register();
      const { requestUri } = await tokensThroughPar(registered);
      assertErrorPage(await new TestBrowser(server.app).get(authorizeUrl(registered.client.client_id, requestUri)), /expired or was already used/);
    });

    it('gives a request_uri to one of two browsers racing with it, the other gets the page', async () => {
      const registered = await register();
      const pushed = await push(registered, (await authorizationRequest()).params);
      const pages = await Promise.all([0, 1].map(() => new TestBrowser(server.app).get(authorizeUrl(registered.client.client_id, pushed.request_uri))));
      assert.deepEqual(pages.map((page) => page.statusCode).sort(), [200, 400]);
    });

    it('refuses an expired request_uri on a page', async () => {
      const registered = await register();
      const pushed = await push(registered, (await authorizationRequest()).params);
      clock.advance(61_000);
      assertErrorPage(await new TestBrowser(server.app).get(authorizeUrl(registered.client.client_id, pushed.request_uri)), /expired or was already used/);
    });

    it("refuses another client's request_uri on a page, and it is spent", async () => {
      const owner = await register();
      const other = await register();
      const pushed = await push(owner, (await authorizationRequest()).params);
      assertErrorPage(await new TestBrowser(server.app).get(authorizeUrl(other.client.client_id, pushed.request_uri)), /pushed by another application/);
      assertErrorPage(await new TestBrowser(server.app).get(authorizeUrl(owner.client.client_id, pushed.request_uri)), /expired or was already used/);
    });

    it('refuses a request_uri without client_id, one it never issued, and a guessed one, on a page', async () => {
      const registered = await register();
      const pushed = await push(registered, (await authorizationRequest()).params);
      const browser = new TestBrowser(server.app);
      assertErrorPage(await browser.get(`/authorize?${new URLSearchParams({ request_uri: pushed.request_uri })}`), /no client_id/);
      assertErrorPage(await browser.get(authorizeUrl(registered.client.client_id, 'https://client.example/request.jwt')), /not issued by this server/);
      assertErrorPage(await browser.get(authorizeUrl(registered.client.client_id, 'urn:ietf:params:oauth:request_uri:')), /not issued by this server/);
      assertErrorPage(await browser.get(authorizeUrl(registered.client.client_id, `urn:ietf:params:oauth:request_uri:${'A'.repeat(43)}`)), /expired or was already used/);
      assert.equal((await browser.get(authorizeUrl(registered.client.client_id, pushed.request_uri))).statusCode, 200, 'the real one still works');
    });

    it('ignores the query parameters beside request_uri (RFC 9126 §4): the pushed redirect_uri and state win', async () => {
      const registered = await register({ redirect_uris: [redirectUri, 'http://127.0.0.1:1/other'] });
      const { params, state } = await authorizationRequest();
      const pushed = await push(registered, params);
      const browser = new TestBrowser(server.app);
      const query = new URLSearchParams({ client_id: registered.client.client_id, request_uri: pushed.request_uri, redirect_uri: 'http://127.0.0.1:1/other', state: 'x', scope: 'openid' });
      const login = await browser.get(`/authorize?${query}`);
      assert.equal(login.statusCode, 200, login.body);
      const consent = await browser.follow(await browser.submit(login, alice));
      assert.equal(consent.statusCode, 200, consent.body);
      const done = await browser.submit(consent, { decision: 'allow' });
      const callback = new URL(String(done.headers.location));
      assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
      assert.equal(callback.searchParams.get('state'), state);
    });

    it('refuses request_uri in the pushed body (invalid_request, RFC 9126 §2.1)', async () => {
      const registered = await register();
      const { params } = await authorizationRequest({ request_uri: 'urn:ietf:params:oauth:request_uri:abc' });
      await rejectsWithOAuthError(push(registered, params), 'invalid_request');
    });

    it('refuses a confidential client that does not authenticate, or with a wrong secret (401 invalid_client)', async () => {
      const { client } = await register({ token_endpoint_auth_method: 'client_secret_basic' });
      const { params } = await authorizationRequest();
      await rejectsWithOAuthError(push({ client, auth: oauth.None() }, params), 'invalid_client', 401);
      await rejectsWithOAuthError(push({ client, auth: oauth.ClientSecretBasic('not-the-secret') }, params), 'invalid_client', 401);
      await rejectsWithOAuthError(push({ client: { client_id: 'never-registered' }, auth: oauth.None() }, params), 'invalid_client', 401);
    });

    it('validates the request as /authorize does: redirect_uri, PKCE, response_type, resource', async () => {
      const registered = await register();
      const cases: [Record<string, string>, string][] = [
        [{ redirect_uri: 'http://127.0.0.1:1/not-registered' }, 'invalid_request'],
        [{ code_challenge_method: 'plain' }, 'invalid_request'],
        [{ response_type: 'token' }, 'unsupported_response_type'],
        [{ resource: 'not a uri' }, 'invalid_target'],
        [{ prompt: 'select_account' }, 'invalid_request'],
      ];
      for (const [extra, error] of cases) {
        const { params } = await authorizationRequest(extra);
        await rejectsWithOAuthError(push(registered, params), error);
      }
      const { params } = await authorizationRequest();
      delete params['code_challenge'];
      await rejectsWithOAuthError(push(registered, params), 'invalid_request');
    });

    it('refuses a client_id in the body that is not the authenticated client (invalid_request)', async () => {
      const { client } = await register({ token_endpoint_auth_method: 'client_secret_basic' });
      const other = await register();
      const response = await fetch(`${server.issuer}/par`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${String(client['client_secret'])}`).toString('base64')}` },
        body: new URLSearchParams({ ...(await authorizationRequest()).params, client_id: other.client.client_id }),
      });
      assert.equal(response.status, 400);
      assert.equal(((await response.json()) as { error: string }).error, 'invalid_request');
    });

    it('registers require_pushed_authorization_requests (RFC 9126 §6) as a boolean only', async () => {
      const { client } = await register({ require_pushed_authorization_requests: true });
      assert.equal(client['require_pushed_authorization_requests'], true);
      const response = await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: 'PAR e2e', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', require_pushed_authorization_requests: 'yes' },
        insecure,
      );
      await rejectsWithOAuthError(oauth.processDynamicClientRegistrationResponse(response), 'invalid_client_metadata');
    });

    it('a client that registered require_pushed_authorization_requests: a plain request goes back with invalid_request and iss', async () => {
      const registered = await register({ require_pushed_authorization_requests: true });
      const { params } = await authorizationRequest();
      const page = await new TestBrowser(server.app).get(`/authorize?${new URLSearchParams({ ...params, client_id: registered.client.client_id })}`);
      // A self-registered client's redirect URI gets a link, not an immediate redirect (no open redirector).
      assert.equal(page.statusCode, 400, page.body);
      const href = /href="(http:\/\/127\.0\.0\.1:1\/callback[^"]*)"/.exec(page.body)?.[1]?.replace(/&#38;|&amp;/g, '&');
      assert.ok(href, 'a link back to the client');
      const back = new URL(href);
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.equal(back.searchParams.get('iss'), server.issuer);
      assert.equal(back.searchParams.get('state'), params['state']);
    });

    it('a client that registered require_pushed_authorization_requests: its pushed request resumes after sign-in, a tampered resume does not', async () => {
      const registered = await register({ require_pushed_authorization_requests: true });
      const { tokens } = await tokensThroughPar(registered);
      assert.equal(tokens.scope, 'mcp:tools offline_access');

      const pushed = await push(registered, (await authorizationRequest()).params);
      const browser = new TestBrowser(server.app);
      const login = await browser.get(authorizeUrl(registered.client.client_id, pushed.request_uri));
      const resume = await browser.submit(login, alice);
      assert.equal(resume.statusCode, 303);
      const url = new URL(String(resume.headers.location), server.issuer);
      url.searchParams.set('scope', 'mcp:tools openid');
      const tampered = await browser.get(`${url.pathname}${url.search}`);
      assert.equal(tampered.statusCode, 400, 'the changed request is not the pushed one');
      assert.match(tampered.body, /error=invalid_request&#38;error_description=authorization\+requests\+must\+be\+pushed/);
    });
  });

  describe('authorize.requirePushedRequests', () => {
    let server: ListeningTestServer;
    let as: oauth.AuthorizationServer;
    before(async () => {
      ({ server, as } = await startServer(kind, advancingClock(), { 'authorize.requirePushedRequests': true }));
    });
    after(() => server?.close());

    it('is advertised as require_pushed_authorization_requests', () => {
      assert.equal(as.require_pushed_authorization_requests, true);
    });

    it('redirects a plain request of a vouched-for client with invalid_request and iss; its pushed request gets tokens', async () => {
      const created = await createOperatorClient(server, { client_name: 'Vouched', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'] });
      const client: oauth.Client = { client_id: created.client_id };
      const auth = oauth.ClientSecretBasic(created.client_secret);
      const { params, codeVerifier, state } = await authorizationRequest();

      const plain = await new TestBrowser(server.app).get(`/authorize?${new URLSearchParams({ ...params, client_id: client.client_id })}`);
      assert.equal(plain.statusCode, 302, plain.body);
      const refused = new URL(String(plain.headers.location));
      assert.equal(refused.searchParams.get('error'), 'invalid_request');
      assert.equal(refused.searchParams.get('iss'), server.issuer);
      assert.throws(() => oauth.validateAuthResponse(as, client, refused, state), (error: unknown) => error instanceof oauth.AuthorizationResponseError);

      const pushed = await oauth.processPushedAuthorizationResponse(as, client, await oauth.pushedAuthorizationRequest(as, client, auth, params, insecure));
      const browser = new TestBrowser(server.app);
      const login = await browser.get(`/authorize?${new URLSearchParams({ client_id: client.client_id, request_uri: pushed.request_uri })}`);
      assert.equal(login.statusCode, 200, login.body);
      const consent = await browser.follow(await browser.submit(login, alice));
      assert.equal(consent.statusCode, 200, consent.body);
      const done = await browser.submit(consent, { decision: 'allow' });
      const code = oauth.validateAuthResponse(as, client, new URL(String(done.headers.location)), state);
      const response = await oauth.authorizationCodeGrantRequest(as, client, auth, code, redirectUri, codeVerifier, { ...insecure, additionalParameters: { resource } });
      const tokens = await oauth.processAuthorizationCodeResponse(as, client, response);
      assert.equal(tokens.scope, 'mcp:tools offline_access');
    });
  });
});
