import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser } from '../support/browser.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';
import { TestBrowser as Browser } from '../support/browser.js';
import { alice, assertAdminHeaders, authorizeAsAlice, csrfOf, dashboardNoon, eventually, register, startAdminDashboard, token } from './admin-fixtures.js';

const dayMs = 86_400_000;

/** The total shown beside a chart, and the counts of its bars. */
function chart(body: string, testId: string) {
  const total = new RegExp(`data-testid="${testId}-total">([\\d,]+)<`).exec(body);
  const svg = new RegExp(`<svg[^>]*data-testid="${testId}"[\\s\\S]*?</svg>`).exec(body)?.[0] ?? '';
  const bars = [...svg.matchAll(/<rect class="bar"[^>]*data-count="(\d+)"/g)].map((match) => Number(match[1]));
  return { total: Number(total?.[1]?.replace(/,/g, '') ?? NaN), bars, svg };
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('admin dashboard: access, headers, CSRF and the overview', () => {
    const clock = fixedClock(dashboardNoon);
    let server: TestServer;
    let admin: TestBrowser;

    before(async () => {
      ({ server, admin } = await startAdminDashboard(kind, clock));
    });
    after(() => server.close());

    it('sends a browser without a session to sign-in, with the page it asked for as return_to', async () => {
      const response = await server.app.inject({ method: 'GET', url: '/admin/clients?q=agent&source=dynamic' });
      assert.equal(response.statusCode, 303);
      const location = new URL(String(response.headers.location), 'http://x');
      assert.equal(location.pathname, '/signin');
      assert.equal(location.searchParams.get('return_to'), '/admin/clients?q=agent&source=dynamic');
      const post = await server.app.inject({ method: 'POST', url: '/admin/keys/rotate', payload: 'csrf=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(post.statusCode, 303, 'a POST without a session changes nothing and goes to sign-in');
      assert.match(String(post.headers.location), /^\/signin\?return_to=%2Fadmin$/);
    });

    it('answers 403 "Administrators only" to a signed-in user without the admin role, on every page and action', async () => {
      const user = await signedInBrowser(server.app, alice, '/account');
      for (const url of ['/admin', '/admin/clients', '/admin/iat', '/admin/users', '/admin/keys']) {
        const page = await user.get(url);
        assert.equal(page.statusCode, 403, url);
        assert.match(page.body, /Administrators only/);
        assertAdminHeaders(page, url);
      }
      const kid = (await server.storage.signingKeys.listSigningKeys(clock.now()))[0]!.kid;
      const rotate = await user.post('/admin/keys/rotate', { csrf: csrfOf(await user.get('/admin')) });
      assert.equal(rotate.statusCode, 403);
      assert.equal((await server.storage.signingKeys.listSigningKeys(clock.now()))[0]!.kid, kid, 'no key was rotated');
    });

    it('serves every page with 200, no-store, no framing, and the navigation with a sign-out form', async () => {
      const client = await register(server, { client_name: 'Header check' });
      for (const url of ['/admin', '/admin?range=48h', '/admin/clients', '/admin/clients?source=nonsense&usage=whenever&flagged=yes&after=garbage', `/admin/clients/${client.client_id}`, '/admin/iat', '/admin/users', '/admin/keys']) {
        const page = await admin.get(url);
        assert.equal(page.statusCode, 200, `${url}: ${page.body.slice(0, 500)}`);
        assertAdminHeaders(page, url);
        assert.match(page.body, /<nav aria-label="Admin">/);
        for (const section of ['Overview', 'Clients', 'Initial access tokens', 'Users', 'Signing keys']) assert.ok(page.body.includes(`>${section}</a>`), `${url} links ${section}`);
        assert.match(page.body, /<form class="sign-out" method="post" action="\/signout"><input type="hidden" name="csrf" value="[\w-]{43}">/);
      }
      for (const url of ['/admin/clients/no-such-client', '/admin/no-such-page', '/admin/users/alice/remove']) {
        const missing = await admin.get(url);
        assert.equal(missing.statusCode, 404, url);
        assertAdminHeaders(missing, url);
      }
    });

    it('refuses every POST without the CSRF token, or with a wrong one (400), and changes nothing', async () => {
      const client = await register(server, { client_name: 'CSRF target' });
      const iats = await server.storage.initialAccessTokens.listInitialAccessTokens();
      const users = await server.storage.users.listUsers();
      const kid = (await server.storage.signingKeys.listSigningKeys(clock.now()))[0]!.kid;
      const posts: [string, Record<string, string>][] = [
        [`/admin/clients/${client.client_id}/delete`, {}],
        ['/admin/iat', { description: 'sneaky', uses: '1' }],
        ['/admin/users', { username: 'mallory', password: 'mallory mallory' }],
        ['/admin/users/alice/remove', {}],
        ['/admin/keys/rotate', {}],
      ];
      for (const [url, fields] of posts) {
        for (const csrf of [undefined, 'A'.repeat(43)]) {
          const response = await admin.post(url, csrf === undefined ? fields : { ...fields, csrf });
          assert.equal(response.statusCode, 400, `${url} with csrf ${csrf ?? 'missing'}`);
          assert.match(response.body, /nothing was changed/);
          assertAdminHeaders(response, url);
        }
      }
      assert.ok(await server.storage.clients.findClient(client.client_id), 'the client is still there');
      assert.equal((await server.storage.initialAccessTokens.listInitialAccessTokens()).length, iats.length, 'no token was created');
      assert.deepEqual((await server.storage.users.listUsers()).map((u) => u.username), users.map((u) => u.username), 'no user was created or removed');
      assert.equal((await server.storage.signingKeys.listSigningKeys(clock.now()))[0]!.kid, kid, 'no key was rotated');
    });

    it('charts registrations, authorizations and tokens per day and per hour, with totals that match what happened', async () => {
      // Two days ago: one registration, authorized and refreshed. Today: two registrations.
      const start = clock.now();
      clock.set(start - 2 * dayMs);
      const old = await register(server, { client_name: 'Old agent' });
      const tokens = await authorizeAsAlice(server, new Browser(server.app), old.client_id);
      assert.equal((await token(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: old.client_id })).statusCode, 200);
      clock.set(start);
      await register(server, { client_name: 'New agent 1' });
      await register(server, { client_name: 'New agent 2' });
      // Registrations of the earlier tests, made today too.
      const registeredToday = 2 + 2;

      const daily = await eventually(
        async () => (await admin.get('/admin')).body,
        (body) => chart(body, 'chart-tokens').total === 2 && chart(body, 'chart-registrations').total === registeredToday + 1,
        'the overview counts the events once the audit trail has written them',
      );
      const registrations = chart(daily, 'chart-registrations');
      assert.equal(registrations.bars.length, 30, 'a bar per day');
      assert.deepEqual(registrations.bars.slice(-3), [1, 0, registeredToday], 'two days ago, yesterday, today');
      assert.equal(chart(daily, 'chart-authorizations').total, 1, 'one completed authorization (code exchange)');
      assert.deepEqual(chart(daily, 'chart-tokens').bars.slice(-3), [2, 0, 0]);
      assert.match(registrations.svg, /role="img"/);
      assert.match(registrations.svg, /aria-label="Registrations per day over the last 30 days: 5 in total/);
      assert.match(registrations.svg, /<title>Registrations per day/);
      assert.match(daily, /data-testid="total-clients">5</);

      const hourly = (await admin.get('/admin?range=48h')).body;
      const perHour = chart(hourly, 'chart-registrations');
      assert.equal(perHour.bars.length, 48, 'a bar per hour');
      assert.equal(perHour.bars.at(-1), registeredToday, 'this hour');
      assert.equal(perHour.total, registeredToday, 'what happened 48 hours ago is outside the range');
      assert.equal(chart(hourly, 'chart-tokens').total, 0);
    });
  });

  describe('admin dashboard under an issuer with a path', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind, overrides: { issuer: 'https://as.example.com/auth' } });
    });
    after(() => server.close());

    it('serves the dashboard below the path, with links and forms below it too', async () => {
      const { createUser } = await import('../../src/users/users.js');
      await createUser(server.storage.users, { username: 'root', password: 'root root root root', isAdmin: true }, { now: Date.now(), newId: () => 'root' });
      const denied = await server.app.inject({ method: 'GET', url: '/auth/admin/users' });
      assert.equal(denied.statusCode, 303);
      assert.equal(denied.headers.location, `/auth/signin?${new URLSearchParams({ return_to: '/auth/admin/users' })}`);
      const browser = new Browser(server.app);
      const form = await browser.get('/auth/signin?return_to=/auth/admin/keys');
      const signedIn = await browser.submit(form, { username: 'root', password: 'root root root root' });
      assert.equal(signedIn.headers.location, '/auth/admin/keys');
      const keys = await browser.get('/auth/admin/keys');
      assert.equal(keys.statusCode, 200);
      assert.match(keys.body, /action="\/auth\/admin\/keys\/rotate"/);
      assert.match(keys.body, /href="\/auth\/admin\/clients"/);
      assert.match(keys.body, /action="\/auth\/signout"/);
    });
  });
});
