// Issue 12's proof: signing in at a real upstream OpenID Connect provider (node-oidc-provider on a loopback port),
// in headless Chromium, on the way from an MCP SDK agent's registration to its first tool call, on each database;
// and the ways it must fail (a user outside the allowed domains, a replayed or foreign callback, a refusal at the
// provider, a forged form), over plain HTTP.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser } from 'playwright-core';
import { startMcpServer, type RunningMcpServer } from '../../examples/mcp-server/server.js';
import { checkedScreenshot, launchChromium, openWatchedPage, screenshotDirectory, skipWithoutChromium as skip } from '../support/chromium.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { dumpDatabase } from '../support/dump.js';
import { HttpBrowser } from '../support/http-browser.js';
import { AgentProvider, whoami } from '../support/mcp-agent.js';
import { freePort, startCallbackServer, type CallbackServer } from '../support/real-port.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';

const clientId = 'latchkey-at-corp';
const clientSecret = 'a-long-client-secret-of-latchkey-at-corp';
const accounts = [
  { sub: 'ada-sub', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', preferred_username: 'ada', groups: ['staff', 'latchkey-admins'] },
  { sub: 'eve-sub', email: 'eve@elsewhere.example', email_verified: true, name: 'Eve', groups: ['staff'] },
  // Claims an address in the allowed domain, which the provider has not verified: not let in by the domain rule.
  { sub: 'mallory-sub', email: 'boss@example.com', email_verified: false, name: 'Mallory', groups: [] },
];

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('sign-in with an upstream OpenID Connect provider', () => {
    let upstream: UpstreamOidc;
    let latchkey: TestServer;
    let issuer: string;
    let mcp: RunningMcpServer;
    let callback: CallbackServer;
    let browser: Browser | undefined;
    const screenshots = screenshotDirectory('latchkey-upstream-');
    /** The upstream's access tokens, as it issued them: none of them may reach Latchkey's database or its clients. */
    const upstreamTokens: string[] = [];

    before(async () => {
      const port = await freePort();
      issuer = `http://127.0.0.1:${port}`;
      upstream = await startUpstreamOidc({
        clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [`${issuer}/signin/callback/corp`], token_endpoint_auth_method: 'client_secret_basic' }],
        accounts,
      });
      // An opaque access token's value is its `jti`; stored ones are `saved`, others `issued`.
      upstream.provider.on('access_token.saved', (token) => upstreamTokens.push(token.jti));
      upstream.provider.on('access_token.issued', (token) => upstreamTokens.push(token.jti));
      latchkey = await startTestServer({
        database: kind,
        overrides: {
          issuer,
          'identity.localPasswords': false,
          'identity.providers': [{ id: 'corp', name: 'Corp SSO', issuer: upstream.issuer, clientId, clientSecret }],
          'identity.allow': { emailDomains: ['example.com'] },
          'identity.admins': { claim: { name: 'groups', values: ['latchkey-admins'] } },
        },
      });
      await latchkey.app.listen({ host: '127.0.0.1', port });
      mcp = await startMcpServer({ issuer });
      callback = await startCallbackServer();
      if (!skip) browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
      await callback?.close();
      await mcp?.close();
      await latchkey?.close();
      await upstream?.close();
      screenshots.remove();
    });

    it('takes an MCP SDK agent from registration through the provider and consent to a tool call, in Chromium', { skip }, async () => {
      const { context, page, problems } = await openWatchedPage(browser!, { width: 800, height: 700 });
      try {
        const agent = new AgentProvider({
          clientName: 'Upstream e2e agent',
          redirectUrl: callback.redirectUri,
          userAgent: async (authorizationUrl) => {
            await page.goto(authorizationUrl.href);
            // Latchkey's sign-in page: the provider's button, no password form (local passwords are off).
            const button = page.getByRole('button', { name: 'Continue with Corp SSO' });
            await button.waitFor();
            assert.equal(await page.getByLabel('Password').count(), 0);
            await checkedScreenshot(page, join(screenshots.path, `${kind.name}-1-sign-in.png`), { width: 800, height: [300, 2000], bytes: [5_000, 400_000] });
            await Promise.all([page.waitForURL((url) => url.origin === upstream.issuer), button.click()]);
            // The provider's own (development) login and consent pages.
            await page.locator('input[name="login"]').fill('ada-sub');
            await page.locator('input[name="password"]').fill('whatever');
            await Promise.all([page.waitForLoadState('load'), page.locator('button[type="submit"]').first().click()]);
            if (page.url().startsWith(upstream.issuer)) {
              await Promise.all([page.waitForURL((url) => url.origin === issuer), page.locator('button[type="submit"]').first().click()]);
            }
            // Back at Latchkey, signed in: its consent page for the agent.
            await page.getByRole('button', { name: 'Allow' }).waitFor();
            assert.match((await page.content()).replace(/\s+/g, ' '), /Upstream e2e agent/);
            await checkedScreenshot(page, join(screenshots.path, `${kind.name}-2-consent.png`), { width: 800, height: [300, 3000], bytes: [5_000, 600_000] });
            const received = callback.next();
            await page.getByRole('button', { name: 'Allow' }).click();
            const query = await received;
            assert.equal(query.get('iss'), issuer, 'RFC 9207');
            const back = new URL(callback.redirectUri);
            for (const [name, value] of query) back.searchParams.set(name, value);
            return back;
          },
        });
        const connect = () => new Client({ name: 'upstream-e2e', version: '1.0.0' }).connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: agent }));
        await assert.rejects(connect(), /Unauthorized/);
        await new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: agent }).finishAuth(agent.code!);
        const client = new Client({ name: 'upstream-e2e', version: '1.0.0' });
        await client.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: agent }));
        try {
          const who = await whoami(client);
          // Latchkey's own user, linked to the provider's subject, not the subject itself.
          const identity = await latchkey.storage.identities.findIdentity('corp', 'ada-sub');
          assert.ok(identity);
          assert.equal(who.sub, identity.userId);
          assert.notEqual(who.sub, 'ada-sub');
          const user = await latchkey.storage.users.findUserById(identity.userId);
          assert.deepEqual(
            { username: user?.username, email: user?.email, isAdmin: user?.isAdmin, passwordHash: user?.passwordHash },
            { username: 'ada@example.com', email: 'ada@example.com', isAdmin: true, passwordHash: null },
            'created at the first sign-in; the admin rule named her by her group',
          );
        } finally {
          await client.close();
        }
        // Her account page shows the linked identity, which she cannot unlink: it is her only way in.
        await page.goto(`${issuer}/account`);
        await page.getByTestId('identity-row').waitFor();
        assert.equal(await page.getByTestId('identity-provider').textContent(), 'Corp SSO');
        assert.match((await page.getByTestId('identity-account').textContent()) ?? '', /ada@example\.com/);
        assert.equal(await page.getByTestId('unlink').count(), 0);
        assert.equal(await page.getByTestId('unlink-refused').count(), 1);
        assert.equal(await page.getByTestId('change-password').count(), 0, 'no password to change');
        await checkedScreenshot(page, join(screenshots.path, `${kind.name}-3-account.png`), { width: 800, height: [300, 3000], bytes: [5_000, 600_000] });
        // node-oidc-provider's development login page asks for a web font, which these machines cannot reach: its
        // problem, not Latchkey's pages'.
        assert.deepEqual(problems.filter((problem) => !problem.includes('https://fonts.googleapis.com/')), []);
        // No token passthrough: the provider's tokens are used once and dropped, never stored.
        assert.ok(upstreamTokens.length > 0, 'the provider issued an access token to Latchkey');
        const dump = (await dumpDatabase(latchkey.databaseUrl)).text;
        for (const token of upstreamTokens) assert.equal(dump.includes(token), false, 'an upstream access token is in the database');
        assert.equal(JSON.stringify(agent.saved).includes(upstreamTokens[0]!), false);
      } finally {
        await context.close();
      }
    });

    /** Starts an authorization at Latchkey over HTTP and leaves for the provider; resolves the provider's URL. */
    async function leaveForProvider(http: HttpBrowser): Promise<URL> {
      const registered = await fetch(`${issuer}/register`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ client_name: 'HTTP agent', redirect_uris: [callback.redirectUri], token_endpoint_auth_method: 'none' }),
      });
      const { client_id } = (await registered.json()) as { client_id: string };
      const query = new URLSearchParams({
        response_type: 'code',
        client_id,
        redirect_uri: callback.redirectUri,
        code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGKSsfw-cM',
        code_challenge_method: 'S256',
        state: 's',
      });
      const signIn = await http.get(`/authorize?${query}`);
      assert.equal(signIn.status, 200, signIn.body);
      assert.doesNotMatch(signIn.body, /name="password"/, 'local passwords are off');
      const leaving = await http.submit(signIn, {});
      assert.equal(leaving.status, 303, leaving.body);
      const url = new URL(leaving.location!);
      assert.equal(url.origin, upstream.issuer);
      assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
      assert.ok(url.searchParams.get('state') && url.searchParams.get('nonce'));
      return url;
    }

    /** The audited sign-in failures of `reason`, once there are `count` (the audit trail writes in the background). */
    async function failures(reason: string, count: number): Promise<number> {
      let found = 0;
      for (let attempt = 0; attempt < 50 && found < count; attempt++) {
        const events = await latchkey.storage.auditEvents.listAuditEvents({ type: 'user.sign_in_failed', limit: 100 });
        found = events.filter((event) => event.data['provider'] === 'corp' && event.data['reason'] === reason).length;
        if (found < count) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      return found;
    }

    it('refuses a person outside the allowed domains, and one whose address in the domain is unverified, creating nobody', async () => {
      for (const login of ['eve-sub', 'mallory-sub']) {
        const http = new HttpBrowser(issuer);
        const back = await upstream.signIn(await leaveForProvider(http), login);
        const refused = await http.get(back.pathname + back.search);
        assert.equal(refused.status, 403, refused.body);
        assert.match(refused.body, /not allowed to sign in here/);
        assert.equal(await latchkey.storage.identities.findIdentity('corp', login), undefined);
        assert.equal(http.cookies.has('latchkey-session'), false);
      }
      assert.equal(await failures('not_allowed', 2), 2);
    });

    it('refuses a replayed callback, and one opened in another browser', async () => {
      const http = new HttpBrowser(issuer);
      const back = await upstream.signIn(await leaveForProvider(http), 'ada-sub');
      const roundTrip = http.cookies.get('latchkey-upstream');
      assert.ok(roundTrip);
      const done = await http.get(back.pathname + back.search);
      assert.equal(done.status, 303, done.body);
      assert.ok(http.cookies.get('latchkey-session'), 'signed in');
      // The same browser again: the round trip was used up.
      const replayed = await http.get(back.pathname + back.search);
      assert.equal(replayed.status, 400);
      assert.match(replayed.body, /expired, was already used, or was started in another browser/);
      // An attacker who kept a copy of the round-trip cookie: the provider's code is spent, nobody is signed in.
      const thief = new HttpBrowser(issuer);
      thief.cookies.set('latchkey-upstream', roundTrip);
      const stolen = await thief.get(back.pathname + back.search);
      assert.ok([400, 502].includes(stolen.status), stolen.body);
      assert.equal(thief.cookies.get('latchkey-session') ?? '', '');
      // Another browser, without the cookie (a login CSRF: the attacker's callback URL pushed to a victim).
      const victim = new HttpBrowser(issuer);
      const pushed = await victim.get(back.pathname + back.search);
      assert.equal(pushed.status, 400);
      assert.equal(victim.cookies.has('latchkey-session'), false);
    });

    it('shows a clear page when the person cancels at the provider', async () => {
      const http = new HttpBrowser(issuer);
      const back = await upstream.signIn(await leaveForProvider(http), 'ada-sub', { decline: true });
      assert.equal(back.searchParams.get('error'), 'access_denied');
      const page = await http.get(back.pathname + back.search);
      assert.equal(page.status, 400, page.body);
      assert.match(page.body, /Sign-in did not work/);
      assert.doesNotMatch(page.body, /at \w+ \(|node_modules/, 'no stack trace');
      assert.equal(await failures('access_denied', 1), 1);
    });

    it('does not leave for the provider without the form token, nor accept a password when passwords are off', async () => {
      const http = new HttpBrowser(issuer);
      const forged = await http.post('/signin/upstream/corp', { return_to: '/account' });
      assert.equal(forged.status, 400);
      assert.equal(forged.location, null);
      const unknown = await http.post('/signin/upstream/nope', { return_to: '/account' });
      assert.ok([400, 404].includes(unknown.status));
      const signIn = await http.get('/signin');
      const password = await http.post('/signin', { csrf: http.cookies.get('latchkey-csrf') ?? '', username: 'admin', password: 'x' });
      assert.equal(signIn.status, 200);
      assert.equal(password.status, 403);
    });
  });
});
