import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { noAudit } from '../../src/ports/audit-trail.js';
import { cliActor } from '../../src/operations/actor.js';
import { issueInitialAccessToken } from '../../src/operations/initial-access-tokens.js';
import { systemRandom } from '../../src/system.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/mcp-client-registrations.json', import.meta.url), 'utf8')) as {
  clients: { name: string; request: Record<string, unknown>; flow_redirect_uri: string }[];
};
const issuer = 'https://as.example.com';
const resource = 'https://mcp.example.com/mcp';

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('authorization endpoint with sign-in and consent', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind, overrides: { issuer, 'login.maxFailures': 3 } });
      await createUser(server.storage.users, { username: 'alice', password: 'correct horse battery', name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
      await createUser(server.storage.users, { username: 'bob', password: 'bob bob bob bob' }, { now: Date.now(), newId: () => 'user-bob' });
    });
    after(() => server.close());

    async function register(request: Record<string, unknown>, initialAccessToken?: string) {
      const headers = initialAccessToken === undefined ? {} : { authorization: `Bearer ${initialAccessToken}` };
      const response = await server.app.inject({ method: 'POST', url: '/register', payload: request, headers });
      assert.equal(response.statusCode, 201, response.body);
      return response.json() as { client_id: string; client_secret?: string; token_endpoint_auth_method: string };
    }

    async function initialAccessToken(): Promise<string> {
      const request = { maxUses: null, expiresInSeconds: null, policy: null, description: null };
      const context = { initialAccessTokens: server.storage.initialAccessTokens, config: server.config, clock: { now: () => Date.now() }, random: systemRandom, audit: noAudit };
      return (await issueInitialAccessToken(request, context, cliActor)).token;
    }

    function authorizeUrl(clientId: string, redirectUri: string, extra: Record<string, string> = {}) {
      const { verifier, challenge } = pkce();
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: challenge,
        code_challenge_method: 'S256',
        state: 'st-123',
        scope: 'openid mcp:tools offline_access unknown:scope',
        resource,
        ...extra,
      });
      return { url: `/authorize?${params}`, verifier };
    }

    /** Signs in and consents; returns the final redirect to the client. */
    async function signInAndAllow(browser: TestBrowser, url: string) {
      const login = await browser.get(url);
      assert.equal(login.statusCode, 200, login.body);
      assert.match(login.body, /<h1>Sign in<\/h1>/);
      const consent = await browser.follow(await browser.submit(login, { username: 'alice', password: 'correct horse battery' }));
      assert.equal(consent.statusCode, 200, consent.body);
      return { consent, done: await browser.submit(consent, { decision: 'allow' }) };
    }

    it('signs in, asks for consent with anti-phishing details, and redirects with code, state and iss', async () => {
      const client = await register({ client_name: 'Cursor', client_uri: 'https://www.cursor.com', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' });
      const browser = new TestBrowser(server.app);
      const { url, verifier } = authorizeUrl(client.client_id, 'https://client.example/cb');
      const login = await browser.get(url);
      assert.equal(login.headers['x-frame-options'], 'DENY');
      assert.match(String(login.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal(login.headers['cache-control'], 'no-store');
      const sessionCookie = [...browser.cookies.keys()].find((name) => name.includes('csrf'));
      assert.equal(sessionCookie, '__Host-latchkey-csrf', 'cookies get the __Host- prefix on an https issuer');
      const { consent, done } = await signInAndAllow(browser, url);
      assert.match(consent.body, /data-testid="client-name">Cursor</);
      assert.match(consent.body, /data-testid="unverified">Unverified app/);
      assert.match(consent.body, /data-testid="redirect-host">client\.example</);
      assert.match(consent.body, /data-testid="client-uri-host">www\.cursor\.com</);
      assert.match(consent.body, /data-testid="resource-host">mcp\.example\.com</);
      assert.match(consent.body, /Run the tools of the MCP server/);
      assert.doesNotMatch(consent.body, /unknown:scope/, 'unsupported scopes are dropped, not shown');
      assert.equal(done.statusCode, 303);
      const location = new URL(String(done.headers.location));
      assert.equal(location.origin + location.pathname, 'https://client.example/cb');
      assert.equal(location.searchParams.get('state'), 'st-123');
      assert.equal(location.searchParams.get('iss'), issuer);
      const code = location.searchParams.get('code')!;
      const tokens = await server.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: client.client_id, redirect_uri: 'https://client.example/cb', resource }).toString(),
      });
      assert.equal(tokens.statusCode, 200, tokens.body);
      assert.equal(tokens.json().scope, 'openid mcp:tools offline_access');

      const again = await browser.get(authorizeUrl(client.client_id, 'https://client.example/cb').url);
      assert.equal(again.statusCode, 302, 'a remembered consent skips the page');
      assert.ok(new URL(String(again.headers.location)).searchParams.get('code'));
    });

    it('escapes a client name that tries to inject markup', async () => {
      const client = await register({ client_name: '<img src=x onerror=alert(1)>"Evil', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' });
      const browser = new TestBrowser(server.app);
      const { consent } = await signInAndAllow(browser, authorizeUrl(client.client_id, 'https://client.example/cb').url);
      assert.doesNotMatch(consent.body, /<img src=x/);
      assert.match(consent.body, /&#60;img src=x onerror=alert\(1\)&#62;&#34;Evil/);
    });

    it('redirects with access_denied when the user denies', async () => {
      const client = await register({ client_name: 'Denied', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' });
      const browser = new TestBrowser(server.app);
      const login = await browser.get(authorizeUrl(client.client_id, 'https://client.example/cb').url);
      const consent = await browser.follow(await browser.submit(login, { username: 'alice', password: 'correct horse battery' }));
      const done = await browser.submit(consent, { decision: 'deny' });
      const location = new URL(String(done.headers.location));
      assert.equal(location.searchParams.get('error'), 'access_denied');
      assert.equal(location.searchParams.get('state'), 'st-123');
      assert.equal(location.searchParams.get('code'), null);
    });

    for (const [what, mutate, message] of [
      ['an unknown client', (q: URLSearchParams) => q.set('client_id', 'nope'), /not registered/],
      ['a redirect_uri that was not registered', (q: URLSearchParams) => q.set('redirect_uri', 'https://evil.example/cb'), /not one this application registered/],
      ['a repeated parameter', (q: URLSearchParams) => q.append('state', 'two'), /repeated/],
    ] as const) {
      it(`shows ${what} on a page and never redirects (no open redirect)`, async () => {
        const client = await register({ client_name: 'X', redirect_uris: ['https://client.example/cb', 'https://client.example/cb2'], token_endpoint_auth_method: 'none' });
        const url = new URL(authorizeUrl(client.client_id, 'https://client.example/cb').url, issuer);
        mutate(url.searchParams);
        const response = await server.app.inject({ method: 'GET', url: `${url.pathname}${url.search}` });
        assert.equal(response.statusCode, 400);
        assert.equal(response.headers.location, undefined);
        assert.match(response.body, message);
      });
    }

    for (const [what, extra, error] of [
      ['no PKCE challenge', { code_challenge: '' }, 'invalid_request'],
      ['the plain PKCE method', { code_challenge_method: 'plain' }, 'invalid_request'],
      ['response_type token', { response_type: 'token' }, 'unsupported_response_type'],
      ['a resource with a fragment', { resource: 'https://mcp.example.com/#x' }, 'invalid_target'],
      ['prompt=none without a session', { prompt: 'none' }, 'login_required'],
    ] as const) {
      it(`redirects ${what} back to a client an operator vouched for as ${error}, with state and iss`, async () => {
        const client = await register({ client_name: 'X', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' }, await initialAccessToken());
        const response = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, 'https://client.example/cb', extra).url });
        assert.equal(response.statusCode, 302, response.body);
        const location = new URL(String(response.headers.location));
        assert.equal(location.searchParams.get('error'), error);
        assert.equal(location.searchParams.get('state'), 'st-123');
        assert.equal(location.searchParams.get('iss'), issuer);
      });

      it(`shows ${what} of a self-registered client on a page that names its host, never an immediate redirect (RFC 9700 §4.11.2)`, async () => {
        const client = await register({ client_name: 'X', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' });
        const response = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, 'https://client.example/cb', extra).url });
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.headers.location, undefined, 'no open redirect');
        assert.match(response.body, /Return to client\.example/);
        const href = /data-testid="return-link" rel="noreferrer" href="([^"]+)"/.exec(response.body)?.[1];
        assert.ok(href, 'a link back to the client');
        const location = new URL(href.replace(/&#38;/g, '&'));
        assert.equal(location.origin + location.pathname, 'https://client.example/cb');
        assert.equal(location.searchParams.get('error'), error);
        assert.equal(location.searchParams.get('state'), 'st-123');
        assert.equal(location.searchParams.get('iss'), issuer);
      });
    }

    it('accepts a loopback redirect on any port but not another path (RFC 8252 §7.3)', async () => {
      const client = await register({ client_name: 'VS Code', redirect_uris: ['http://127.0.0.1:33418/'], token_endpoint_auth_method: 'none' });
      const ok = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, 'http://127.0.0.1:51234/').url });
      assert.equal(ok.statusCode, 200);
      const bad = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, 'http://127.0.0.1:51234/other').url });
      assert.equal(bad.statusCode, 400);
      const host = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, 'http://localhost:51234/').url });
      assert.equal(host.statusCode, 400, 'the host must match too');
    });

    it('refuses a sign-in form without the CSRF token of this browser', async () => {
      const client = await register({ client_name: 'X', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' });
      const browser = new TestBrowser(server.app);
      const login = await browser.get(authorizeUrl(client.client_id, 'https://client.example/cb').url);
      const forged = await browser.submit(login, { username: 'alice', password: 'correct horse battery', csrf: 'A'.repeat(43) });
      assert.equal(forged.statusCode, 400);
      assert.match(forged.body, /expired/);
      assert.equal([...browser.cookies.keys()].some((name) => name.includes('session')), false);
    });

    it('refuses a wrong password, then throttles the account from that address', async () => {
      const client = await register({ client_name: 'X', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' });
      const browser = new TestBrowser(server.app);
      const login = await browser.get(authorizeUrl(client.client_id, 'https://client.example/cb').url);
      for (let i = 0; i < 3; i++) {
        const wrong = await browser.submit(login, { username: 'Bob', password: `wrong-${i}-password` });
        assert.equal(wrong.statusCode, 401);
        assert.match(wrong.body, /not right/);
      }
      const blocked = await browser.submit(login, { username: 'bob', password: 'bob bob bob bob' });
      assert.equal(blocked.statusCode, 429);
      assert.match(blocked.body, /Too many failed attempts/);
    });

    for (const fixture of fixtures.clients) {
      it(`completes login, consent and token exchange for ${fixture.name}`, async () => {
        const client = await register(fixture.request);
        const browser = new TestBrowser(server.app);
        const { url, verifier } = authorizeUrl(client.client_id, fixture.flow_redirect_uri);
        const { done } = await signInAndAllow(browser, url);
        assert.equal(done.statusCode, 303);
        const location = new URL(String(done.headers.location));
        assert.equal(`${location.protocol}//${location.host}${location.pathname}`, new URL(fixture.flow_redirect_uri).href.replace(/\/$/, location.pathname === '/' ? '/' : ''));
        const params: Record<string, string> = { grant_type: 'authorization_code', code: location.searchParams.get('code')!, code_verifier: verifier, redirect_uri: fixture.flow_redirect_uri, resource };
        const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
        if (client.token_endpoint_auth_method === 'client_secret_post') Object.assign(params, { client_id: client.client_id, client_secret: client.client_secret! });
        else if (client.token_endpoint_auth_method === 'client_secret_basic') headers['authorization'] = `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`;
        else params['client_id'] = client.client_id;
        const tokens = await server.app.inject({ method: 'POST', url: '/token', headers, payload: new URLSearchParams(params).toString() });
        assert.equal(tokens.statusCode, 200, tokens.body);
        assert.equal(typeof tokens.json().access_token, 'string');
        assert.equal(typeof tokens.json().refresh_token, 'string');
      });
    }
  });
});
