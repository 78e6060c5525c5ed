import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../../src/users/users.js';
import { TestBrowser } from '../../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../../support/databases.js';
import { createOperatorClient } from '../../support/operator-client.js';
import { startTestServer, type TestServer } from '../../support/server.js';

/**
 * RFC 9207 over HTTP: every authorization response Latchkey sends back to a client, from `GET /authorize` and
 * `POST /consent`, success and each error it can send, carries `iss` exactly once and equal to the issuer. An
 * immediate redirect (a vouched-for client) is read from `Location`; a self-registered client's error is a page
 * whose return link is read instead (RFC 9700 §4.11.2). oauth4webapi's `validateAuthResponse`, which requires
 * `iss` from a server advertising `authorization_response_iss_parameter_supported`, checks each one as a client
 * would.
 *
 * `invalid_scope` is not among them: `/authorize` grants the supported subset of what is asked (PRODUCT.md §3)
 * rather than refusing a scope.
 */

const issuer = 'https://as.example.com';
const redirectUri = 'https://client.example/cb';
const alice = { username: 'alice', password: 'correct horse battery' };
const challenge = createHash('sha256').update('a verifier of at least forty-three characters, to be sure').digest('base64url');
const as: oauth.AuthorizationServer = { issuer, authorization_response_iss_parameter_supported: true };

/** A valid request of `clientId`, with `changes` applied (an `undefined` removes the parameter). */
function authorizePath(clientId: string, changes: Record<string, string | undefined> = {}): string {
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    scope: 'mcp:tools',
    ...changes,
  };
  return `/authorize?${new URLSearchParams(Object.entries(all).filter((e): e is [string, string] => e[1] !== undefined))}`;
}

/** Asserts an authorization response URL has `iss` once, equal to the issuer, and that oauth4webapi accepts it so. */
function assertIss(location: string, expected: { error?: string; code?: true }) {
  const url = new URL(location);
  assert.equal(`${url.origin}${url.pathname}`, redirectUri, 'sent to the client');
  assert.deepEqual(url.searchParams.getAll('iss'), [issuer], `iss once in ${location}`);
  assert.equal(url.searchParams.get('state'), 'st-1');
  const client = { client_id: 'ignored' };
  if (expected.error !== undefined) {
    assert.equal(url.searchParams.get('error'), expected.error);
    assert.throws(
      () => oauth.validateAuthResponse(as, client, url, 'st-1'),
      (error: unknown) => error instanceof oauth.AuthorizationResponseError && error.error === expected.error,
    );
    // Without iss the library refuses the response itself, before reading the error: what a mix-up defence needs.
    const stripped = new URL(url);
    stripped.searchParams.delete('iss');
    assert.throws(() => oauth.validateAuthResponse(as, client, stripped, 'st-1'), (error: unknown) => !(error instanceof oauth.AuthorizationResponseError));
  } else {
    assert.ok(oauth.validateAuthResponse(as, client, url, 'st-1').get('code'));
  }
}

/** The return link of a self-registered client's error page, decoded. */
function returnLink(body: string): string {
  const href = /data-testid="return-link" rel="noreferrer" href="([^"]+)"/.exec(body)?.[1];
  assert.ok(href, 'the page has a return link');
  return href.replace(/&amp;/g, '&').replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('iss on every authorization response (RFC 9207), errors included', () => {
    let server: TestServer;
    /** Vouched for (an operator made it): errors are redirected at once. */
    let vouched: string;
    /** Vouched for, but without the authorization_code grant. */
    let machine: string;
    /** Self-registered: errors are a page with a return link. */
    let open: string;

    before(async () => {
      server = await startTestServer({ database: kind, overrides: { issuer } });
      await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
      const common = { redirect_uris: [redirectUri] };
      vouched = (await createOperatorClient(server, { client_name: 'Vouched', grant_types: ['authorization_code', 'refresh_token'], ...common })).client_id;
      machine = (await createOperatorClient(server, { client_name: 'Machine', grant_types: ['client_credentials'], redirect_uris: [redirectUri] })).client_id;
      const registered = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'Open', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      open = registered.json<{ client_id: string }>().client_id;
    });
    after(() => server?.close());

    /** A browser with alice signed in. */
    async function signedIn(): Promise<TestBrowser> {
      const browser = new TestBrowser(server.app);
      const login = await browser.get(authorizePath(vouched));
      assert.equal(login.statusCode, 200);
      const consent = await browser.follow(await browser.submit(login, alice));
      assert.equal(consent.statusCode, 200, 'signed in, at the consent page');
      return browser;
    }

    const cases: [string, Record<string, string | undefined>, boolean, string][] = [
      ['no PKCE challenge', { code_challenge: undefined }, false, 'invalid_request'],
      ['the plain PKCE method', { code_challenge_method: 'plain' }, false, 'invalid_request'],
      ['a request object', { request: 'eyJ.x.y' }, false, 'invalid_request'],
      // (A `request_uri` is PAR's, RFC 9126: an unknown one is a page, not a redirect; test/e2e/par.test.ts.)
      ['an unknown prompt', { prompt: 'select_account' }, false, 'invalid_request'],
      ['response_type token', { response_type: 'token' }, false, 'unsupported_response_type'],
      ['a resource with a fragment', { resource: 'https://mcp.example.com/#x' }, false, 'invalid_target'],
      ['a relative resource', { resource: '/mcp' }, false, 'invalid_target'],
      ['prompt=none without a signed-in user', { prompt: 'none' }, false, 'login_required'],
      ['prompt=none without a consent', { prompt: 'none' }, true, 'consent_required'],
    ];

    for (const [what, changes, needsUser, error] of cases) {
      it(`${what}: ${error} redirected with iss to a vouched-for client`, async () => {
        const browser = needsUser ? await signedIn() : new TestBrowser(server.app);
        const response = await browser.get(authorizePath(vouched, changes));
        assert.equal(response.statusCode, 302, response.body);
        assertIss(String(response.headers.location), { error });
      });

      it(`${what}: ${error} with iss in the return link of a self-registered client's page`, async () => {
        const browser = needsUser ? await signedIn() : new TestBrowser(server.app);
        const response = await browser.get(authorizePath(open, changes));
        assert.equal(response.statusCode, 400);
        assert.equal(response.headers.location, undefined, 'not redirected at once');
        assertIss(returnLink(response.body), { error });
      });
    }

    it('unauthorized_client (no authorization_code grant) with iss', async () => {
      const response = await new TestBrowser(server.app).get(authorizePath(machine));
      assert.equal(response.statusCode, 302, response.body);
      assertIss(String(response.headers.location), { error: 'unauthorized_client' });
    });

    for (const [who, clientId] of [['a vouched-for', () => vouched], ['a self-registered', () => open]] as const) {
      it(`access_denied from the consent page with iss, at once even to ${who} client`, async () => {
        const browser = new TestBrowser(server.app);
        const login = await browser.get(authorizePath(clientId()));
        const consent = await browser.follow(await browser.submit(login, alice));
        assert.equal(consent.statusCode, 200);
        const denied = await browser.submit(consent, { decision: 'deny' });
        assert.equal(denied.statusCode, 303);
        assertIss(String(denied.headers.location), { error: 'access_denied' });
      });

      it(`the code from the consent page, and the code of a remembered consent, with iss for ${who} client`, async () => {
        const browser = new TestBrowser(server.app);
        const login = await browser.get(authorizePath(clientId()));
        const consent = await browser.follow(await browser.submit(login, alice));
        const allowed = await browser.submit(consent, { decision: 'allow' });
        assert.equal(allowed.statusCode, 303);
        assertIss(String(allowed.headers.location), { code: true });
        const remembered = await browser.get(authorizePath(clientId(), { prompt: 'none' }));
        assert.equal(remembered.statusCode, 302);
        assertIss(String(remembered.headers.location), { code: true });
      });
    }
  });
});
