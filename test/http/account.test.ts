import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { refreshTokenKey } from '../../src/protocol/token/refresh-token-key.js';
import type { AuditEvent } from '../../src/ports/audit-events.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { signedInBrowser } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { sampleClient } from '../storage/contract.js';

const issuer = 'https://as.example.com';
const redirectUri = 'https://notes.example/cb';
const alice = { username: 'alice', password: 'correct horse battery' };
const bob = { username: 'bob', password: 'bob bob bob bob' };

/** The CSRF token in a page's forms. */
function csrfOf(page: LightMyRequestResponse): string {
  const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page.body)?.[1];
  assert.ok(token, 'the page has a CSRF field');
  return token;
}

/** The revoke form's action of the app row of `clientId`. */
function revokeActionOf(page: LightMyRequestResponse, clientId: string): string {
  const row = appRows(page).find((r) => r.includes(`data-client-id="${clientId.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)}"`));
  assert.ok(row, `a row for ${clientId}`);
  const action = /<form method="post" action="([^"]+)"/.exec(row)?.[1];
  assert.ok(action);
  return action.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)));
}

function appRows(page: LightMyRequestResponse): string[] {
  return [...page.body.matchAll(/<section class="app" data-testid="app-row"[\s\S]*?<\/section>/g)].map((m) => m[0]);
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('connected apps (/account)', () => {
    let server: TestServer;
    const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
    const token = (params: Record<string, string>) =>
      server.app.inject({ method: 'POST', url: '/token', payload: form(params), headers: { 'content-type': 'application/x-www-form-urlencoded' } });

    before(async () => {
      server = await startTestServer({ database: kind, overrides: { issuer } });
      await createUser(server.storage.users, { ...alice, name: 'Alice Liddell' }, { now: Date.now(), newId: () => 'user-alice' });
      await createUser(server.storage.users, bob, { now: Date.now(), newId: () => 'user-bob' });
    });
    after(() => server.close());

    /**
     * What an agent does: registers, sends the user through sign-in and consent in `browser`, and exchanges the
     * code. Returns the client and its refresh token; the browser stays signed in.
     */
    async function connectApp(browser: TestBrowser, credentials = alice) {
      const registered = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'Notes Agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const clientId = (registered.json() as { client_id: string }).client_id;
      const verifier = randomBytes(32).toString('base64url');
      const authorizeUrl = `/authorize?${new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: redirectUri,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        state: 'st',
        scope: 'mcp:tools offline_access',
      })}`;
      let page = await browser.get(authorizeUrl);
      assert.equal(page.statusCode, 200, page.body);
      if (/<h1>Sign in<\/h1>/.test(page.body)) page = await browser.follow(await browser.submit(page, credentials));
      assert.match(page.body, /to access your account\?/, 'the consent page');
      const done = await browser.submit(page, { decision: 'allow' });
      assert.equal(done.statusCode, 303, done.body);
      const code = new URL(String(done.headers.location)).searchParams.get('code');
      assert.ok(code);
      const tokens = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri, client_id: clientId });
      assert.equal(tokens.statusCode, 200, tokens.body);
      return { clientId, authorizeUrl, refreshToken: (tokens.json() as { refresh_token: string }).refresh_token };
    }

    async function auditEvents(clientId: string, type: AuditEvent['type']): Promise<AuditEvent[]> {
      // The trail writes in the background, a few hundred milliseconds later.
      for (let i = 0; i < 60; i++) {
        const events = await server.storage.auditEvents.listAuditEvents({ clientId, type, limit: 10 });
        if (events.length > 0) return events;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return [];
    }

    it('sends a browser that is not signed in to the sign-in page (303), which brings it back', async () => {
      const response = await server.app.inject({ method: 'GET', url: '/account' });
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/signin?return_to=%2Faccount');
      assert.equal(response.headers['cache-control'], 'no-store');
    });

    it('shows the empty state and a sign-out form to a user with no connected apps, never cached or framed', async () => {
      const browser = await signedInBrowser(server.app, bob, '/account');
      const page = await browser.get('/account');
      assert.equal(page.statusCode, 200);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.equal(page.headers['x-frame-options'], 'DENY');
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.match(page.body, /data-testid="user-name">bob</);
      assert.match(page.body, /data-testid="no-apps">No apps are connected/);
      assert.equal(appRows(page).length, 0);
      assert.match(page.body, new RegExp(`<form method="post" action="/signout" data-testid="sign-out">\\s*<input type="hidden" name="csrf" value="${csrfOf(page)}">`));
    });

    it('lists an app after login, consent and token exchange: name, unverified badge, redirect host, scopes in words, dates', async () => {
      const browser = new TestBrowser(server.app);
      const { clientId } = await connectApp(browser);
      const page = await browser.get('/account');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /data-testid="user-name">Alice Liddell</);
      const rows = appRows(page);
      assert.equal(rows.length, 1);
      const [row] = rows as [string];
      assert.match(row, new RegExp(`data-client-id="${clientId}"`));
      assert.match(row, /data-testid="app-name">Notes Agent</);
      assert.match(row, /data-testid="unverified">Unverified</, 'it registered itself');
      assert.match(row, /data-testid="redirect-hosts">notes\.example</);
      assert.match(row, /Run the tools of the MCP server on your behalf <span class="muted">\(mcp:tools\)<\/span>/);
      assert.match(row, /Keep access while you are away/);
      assert.match(row, /data-testid="granted-at"><time datetime="\d{4}-\d\d-\d\dT[\d:.]+Z">\d{4}-\d\d-\d\d \d\d:\d\d UTC<\/time>/);
      assert.match(row, /data-testid="last-used">(never|<time)/);
      assert.equal(revokeActionOf(page, clientId), `/account/apps/${clientId}/revoke`);
    });

    it('changes nothing when the CSRF token is wrong or missing (400 page)', async () => {
      const browser = new TestBrowser(server.app);
      const { clientId, refreshToken } = await connectApp(browser);
      for (const csrf of ['A'.repeat(43), undefined]) {
        const response = await browser.post(`/account/apps/${clientId}/revoke`, csrf === undefined ? {} : { csrf });
        assert.equal(response.statusCode, 400);
        assert.equal(response.headers['cache-control'], 'no-store');
        assert.match(response.body, /Nothing was changed/);
      }
      assert.equal((await server.storage.consents.findConsent('user-alice', clientId))?.scope, 'mcp:tools offline_access');
      const stored = await server.storage.grants.findRefreshToken(refreshTokenKey(refreshToken));
      assert.equal(stored?.grant.revokedAt, null, 'the grant is untouched');
    });

    it("does not show another user's app, and another user cannot revoke it", async () => {
      const aliceBrowser = new TestBrowser(server.app);
      const { clientId, refreshToken } = await connectApp(aliceBrowser);
      const bobBrowser = await signedInBrowser(server.app, bob, '/account');
      const bobPage = await bobBrowser.get('/account');
      assert.doesNotMatch(bobPage.body, new RegExp(clientId));
      const attempt = await bobBrowser.post(`/account/apps/${clientId}/revoke`, { csrf: csrfOf(bobPage) });
      assert.equal(attempt.statusCode, 303);
      assert.equal(attempt.headers.location, '/account?notice=not_connected');
      assert.match((await bobBrowser.get('/account?notice=not_connected')).body, /data-testid="notice">That app was not connected/);
      assert.ok(await server.storage.consents.findConsent('user-alice', clientId), "alice's consent is kept");
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
      assert.equal(refreshed.statusCode, 200, "alice's app still refreshes");
    });

    it('does nothing for a browser that is not signed in, which is sent to sign in', async () => {
      const browser = new TestBrowser(server.app);
      const { clientId } = await connectApp(browser);
      const stranger = new TestBrowser(server.app);
      const csrf = csrfOf(await stranger.get('/signin'));
      const response = await stranger.post(`/account/apps/${clientId}/revoke`, { csrf });
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/signin?return_to=%2Faccount');
      assert.ok(await server.storage.consents.findConsent('user-alice', clientId));
    });

    it('revokes an app: its refresh token fails at once (invalid_grant), its row goes, it is audited, and it must ask for consent again', async () => {
      const browser = new TestBrowser(server.app);
      const { clientId, refreshToken, authorizeUrl } = await connectApp(browser);
      const before = await browser.get('/account');
      const response = await browser.post(revokeActionOf(before, clientId), { csrf: csrfOf(before) });
      assert.equal(response.statusCode, 303);
      assert.equal(response.headers.location, '/account?notice=revoked');
      assert.equal(response.headers['cache-control'], 'no-store');

      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
      assert.equal(refreshed.statusCode, 400);
      assert.equal((refreshed.json() as { error: string }).error, 'invalid_grant');

      const after = await browser.follow(response);
      assert.match(after.body, /data-testid="notice">Access revoked: the tokens of that app no longer work/);
      assert.doesNotMatch(after.body, new RegExp(`data-client-id="${clientId}"`));
      assert.equal(await server.storage.consents.findConsent('user-alice', clientId), undefined);

      const [event] = await auditEvents(clientId, 'consent.revoked');
      assert.ok(event, 'a consent.revoked event');
      assert.equal(event.userId, 'user-alice');
      assert.deepEqual(event.data, { grants_revoked: 1 });
      assert.equal(typeof event.ip, 'string');

      const again = await browser.get(authorizeUrl);
      assert.equal(again.statusCode, 200, 'no code without asking');
      assert.match(again.body, /to access your account\?/, 'the consent page again');
    });

    it('revokes an app whose client_id is a long URL (a metadata document client), by its encoded id in the path', async () => {
      // Longer than the 100 characters Fastify allows a path parameter: the route takes the rest of the path.
      const clientId = `https://agent.example/${'metadata/'.repeat(150)}client.json`;
      await server.storage.clients.saveMetadataDocumentClient(
        sampleClient({ clientId, registrationSource: 'cimd', clientSecretDigest: null, registrationAccessTokenDigest: null, metadata: { ...sampleClient().metadata, client_name: 'Doc <Agent>', redirect_uris: ['http://127.0.0.1/cb', 'com.example.agent:/cb'] } }),
      );
      await server.storage.consents.saveConsent('user-bob', clientId, { scope: 'mcp', resources: {}, clientFingerprint: '' }, Date.now());
      const browser = await signedInBrowser(server.app, bob, '/account');
      const page = await browser.get('/account');
      const [row] = appRows(page);
      assert.ok(row);
      assert.match(row, /data-testid="app-name">Doc &#60;Agent&#62;</, 'the name is escaped');
      assert.match(row, /data-testid="unverified">/);
      assert.match(row, /data-testid="redirect-hosts">127\.0\.0\.1, com\.example\.agent \(an app on this device\)</);
      const action = revokeActionOf(page, clientId);
      assert.equal(action, `/account/apps/${encodeURIComponent(clientId)}/revoke`);
      const response = await browser.post(action, { csrf: csrfOf(page) });
      assert.equal(response.headers.location, '/account?notice=revoked');
      assert.equal(await server.storage.consents.findConsent('user-bob', clientId), undefined);
    });

    it('serves the page and its forms below the path of an issuer with a path', async () => {
      const nested = await startTestServer({ database: kind, overrides: { issuer: 'https://as.example.com/auth' } });
      try {
        await createUser(nested.storage.users, bob, { now: Date.now(), newId: () => 'user-bob' });
        const redirect = await nested.app.inject({ method: 'GET', url: '/auth/account' });
        assert.equal(redirect.headers.location, '/auth/signin?return_to=%2Fauth%2Faccount');
        const clientId = 'https://agent.example/nested.json';
        await nested.storage.clients.saveMetadataDocumentClient(sampleClient({ clientId, registrationSource: 'cimd' }));
        await nested.storage.consents.saveConsent('user-bob', clientId, { scope: 'mcp', resources: {}, clientFingerprint: '' }, Date.now());
        // (signedInBrowser knows only an issuer at the root)
        const browser = new TestBrowser(nested.app);
        const signedIn = await browser.submit(await browser.get('/auth/signin?return_to=%2Fauth%2Faccount'), bob);
        assert.equal(signedIn.headers.location, '/auth/account');
        const page = await browser.get('/auth/account');
        assert.match(page.body, /action="\/auth\/signout"/);
        const action = revokeActionOf(page, clientId);
        assert.equal(action, `/auth/account/apps/${encodeURIComponent(clientId)}/revoke`);
        assert.equal((await browser.post(action, { csrf: csrfOf(page) })).headers.location, '/auth/account?notice=revoked');
      } finally {
        await nested.close();
      }
    });

    it('shows no notice for an unknown notice value (no text from the URL)', async () => {
      const browser = await signedInBrowser(server.app, bob, '/account');
      const page = await browser.get('/account?notice=constructor');
      assert.doesNotMatch(page.body, /data-testid="notice"/);
    });
  });
});
