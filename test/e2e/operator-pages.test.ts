import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { startMcpServer, type RunningMcpServer } from '../../examples/mcp-server/server.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { checkedScreenshot, launchChromium, openWatchedPage, screenshotDirectory, skipWithoutChromium as skip } from '../support/chromium.js';
import { AgentProvider, authorizeAgent, refreshAgent, whoami } from '../support/mcp-agent.js';
import { startCallbackServer, startListeningTestServer, type CallbackServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * The operator pages as people use them (PRODUCT §6, §7), in headless Chromium against Latchkey on a real port:
 * agents built on the MCP TypeScript SDK register and are authorized by a user; an administrator finds one on
 * the dashboard, sees its grant and deletes it; the user disconnects another on the connected-apps page; and
 * each time the agent's next token refresh fails. Screenshots of the overview and of a client's page are
 * checked for the charts and the data.
 *
 * Needs Debian's `chromium` at /usr/bin/chromium. Without it the suite is skipped, except under CI, where it
 * fails (.ci/run installs it). Set LATCHKEY_SCREENSHOTS to a directory to keep the screenshots. (See
 * test/support/chromium.ts.)
 */

const alice = { username: 'alice', password: 'correct horse battery' };
const root = { username: 'root', password: 'root root root root' };
/** A name no other client has, so that a search finds exactly the agent. */
const agentName = (label: string) => `Operator e2e ${label} ${randomBytes(4).toString('hex')}`;

/** The never-cached, never-framed headers every operator page must carry. */
function assertPageHeaders(response: Response | null, what: string) {
  assert.ok(response, `${what}: a response`);
  assert.equal(response.status(), 200, `${what}: 200`);
  const headers = response.headers();
  assert.match(headers['cache-control'] ?? '', /no-store/, `${what}: Cache-Control no-store`);
  assert.match(headers['content-security-policy'] ?? '', /frame-ancestors 'none'/, `${what}: frame-ancestors 'none'`);
}

describe('operator pages in headless Chromium: admin dashboard and connected apps', () => {
  let server: ListeningTestServer;
  let callback: CallbackServer;
  let mcp: RunningMcpServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** Console errors, page errors and CSP reports of the current test's pages. */
  let problems: string[];
  const screenshots = screenshotDirectory('latchkey-operator-');
  let aliceId = '';

  /** The first agent: authorized by alice in Chromium, deleted by the administrator. */
  let deleted: { name: string; provider: AgentProvider; client: Client | undefined };

  before(async () => {
    if (skip) return;
    server = await startListeningTestServer();
    callback = await startCallbackServer();
    mcp = await startMcpServer({ issuer: server.issuer });
    aliceId = (await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' })).id;
    await createUser(server.storage.users, { ...root, isAdmin: true }, { now: Date.now(), newId: () => 'user-root' });
    browser = await launchChromium();
  });
  after(async () => {
    await deleted?.client?.close();
    await browser?.close();
    await mcp?.close();
    await callback?.close();
    await server?.close();
    screenshots.remove();
  });

  beforeEach(async () => {
    ({ context, page, problems } = await openWatchedPage(browser, { width: 1100, height: 800 }));
  });
  afterEach(async () => {
    await context?.close();
  });

  /** Signs in through the standalone sign-in page's labels and waits for the page it returns to. */
  async function signIn(returnTo: '/admin' | '/account', credentials: { username: string; password: string }) {
    const response = await page.goto(`${server.issuer}/signin?${new URLSearchParams({ return_to: returnTo })}`);
    assert.equal(response?.status(), 200);
    await page.getByLabel('Username').fill(credentials.username);
    await page.getByLabel('Password').fill(credentials.password);
    await Promise.all([page.waitForURL(`${server.issuer}${returnTo}`), page.getByRole('button', { name: 'Sign in' }).click()]);
  }

  /** A full-page screenshot, checked to be a PNG of the viewport's width with content in it. */
  async function screenshot(name: string): Promise<void> {
    await checkedScreenshot(page, join(screenshots.path, name), { width: 1100, height: [400, 8000], bytes: [20_000, 4_000_000] });
  }

  /** The number a chart shows as its total (`<testId>-total`, e.g. "1,234"). */
  async function chartTotal(testId: string): Promise<number> {
    const text = (await page.getByTestId(`${testId}-total`).textContent()) ?? '';
    return Number(text.replace(/[^\d]/g, ''));
  }

  it('an MCP SDK agent registers, alice signs in and consents in Chromium, and the agent calls a tool and refreshes', { skip }, async () => {
    const name = agentName('agent');
    const provider = new AgentProvider({
      clientName: name,
      redirectUrl: callback.redirectUri,
      // The user's real browser: the SDK hands it the authorization URL, the user signs in and allows.
      userAgent: async (authorizationUrl) => {
        assert.equal(authorizationUrl.origin, server.issuer);
        await page.goto(authorizationUrl.href);
        await page.getByLabel('Username').fill(alice.username);
        await page.getByLabel('Password').fill(alice.password);
        await Promise.all([page.waitForLoadState('load'), page.getByRole('button', { name: 'Sign in' }).click()]);
        assert.equal(await page.getByTestId('client-name').textContent(), name, 'the consent page names the agent');
        const received = callback.next();
        await page.getByRole('button', { name: 'Allow' }).click();
        const query = await received;
        await page.waitForURL((current) => current.href.startsWith(callback.redirectUri));
        return new URL(`${callback.redirectUri}?${query}`);
      },
    });
    deleted = { name, provider, client: undefined };
    deleted.client = await authorizeAgent(provider, mcp.url);
    assert.deepEqual(await whoami(deleted.client), { sub: aliceId, client_id: provider.client!.client_id, scope: 'mcp:tools' });

    // The refresh works now; what the administrator does next is what makes it fail.
    const refreshed = await refreshAgent(server.issuer, provider);
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));
    assert.deepEqual(problems, [], 'no console errors and no CSP violations');
  });

  it('an admin sees the charts, finds the agent, sees its grant, deletes it, and the agent can no longer refresh', { skip }, async () => {
    assert.ok(deleted, 'the agent of the first test exists');
    const clientId = String(deleted.provider.client!.client_id);
    await signIn('/admin', root);

    const overview = await page.goto(`${server.issuer}/admin`);
    assertPageHeaders(overview, 'the overview');
    for (const chart of ['chart-registrations', 'chart-authorizations', 'chart-tokens']) {
      assert.equal(await page.getByTestId(chart).count(), 1, `${chart} is on the page`);
      assert.ok(await page.getByTestId(chart).isVisible(), `${chart} is visible`);
    }
    // The audit trail, which the charts count, writes its events in batches a fraction of a second apart.
    for (let attempt = 0; (await chartTotal('chart-tokens')) < 2 && attempt < 20; attempt += 1) {
      await page.waitForTimeout(250);
      await page.reload();
    }
    assert.ok((await chartTotal('chart-registrations')) >= 1, 'the agent’s registration is counted');
    assert.ok((await chartTotal('chart-authorizations')) >= 1, 'alice’s authorization is counted');
    assert.ok((await chartTotal('chart-tokens')) >= 2, 'the code exchange and the refresh are counted');
    const tallestBar = await page
      .getByTestId('chart-registrations')
      .locator('rect.bar')
      .evaluateAll((bars) => Math.max(0, ...bars.map((bar) => Number(bar.getAttribute('data-count')))));
    assert.ok(tallestBar >= 1, 'the registrations chart draws a bar for today');
    await screenshot('admin-overview.png');

    // Clients → search by the agent's name → exactly its row → its page.
    await Promise.all([page.waitForURL(`${server.issuer}/admin/clients`), page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Clients' }).click()]);
    await page.getByLabel('Search', { exact: true }).fill(deleted.name);
    await Promise.all([page.waitForURL(/\/admin\/clients\?/), page.getByRole('button', { name: 'Search' }).click()]);
    const rows = page.getByTestId('client-row');
    assert.equal(await rows.count(), 1, 'the search finds the agent and nothing else');
    assert.match((await rows.first().textContent()) ?? '', new RegExp(clientId));
    await Promise.all([page.waitForURL(`${server.issuer}/admin/clients/${encodeURIComponent(clientId)}`), rows.first().getByRole('link', { name: deleted.name }).click()]);

    const text = (await page.locator('body').textContent()) ?? '';
    assert.ok(text.includes(clientId), 'the client page shows the client_id');
    assert.ok(text.includes(deleted.name), 'the client page shows the agent’s name');
    const grants = page.getByTestId('grant-row');
    assert.equal(await grants.count(), 1, 'alice’s one grant');
    const grant = (await grants.first().textContent()) ?? '';
    assert.match(grant, /\balice\b/, 'the grant is alice’s');
    assert.match(grant, /mcp:tools/, 'the grant shows its scope');
    await screenshot('admin-client.png');

    // Delete, through a confirmation page if there is one; the dashboard then lists the clients again.
    await page.getByRole('button', { name: /^Delete/ }).click();
    await page.waitForLoadState('load');
    if (!new URL(page.url()).pathname.endsWith('/admin/clients')) {
      await Promise.all([page.waitForURL(/\/admin\/clients(\?|$)/), page.getByRole('button', { name: /Delete/ }).click()]);
    }
    assert.match((await page.locator('body').textContent()) ?? '', new RegExp(`${clientId}`), 'the notice names the deleted client');

    const refused = await refreshAgent(server.issuer, deleted.provider);
    assert.ok(
      (refused.status === 400 && refused.body['error'] === 'invalid_grant') || (refused.status === 401 && refused.body['error'] === 'invalid_client'),
      `the deleted agent's refresh fails with invalid_grant or invalid_client: ${refused.status} ${JSON.stringify(refused.body)}`,
    );

    const search = await page.goto(`${server.issuer}/admin/clients?${new URLSearchParams({ q: deleted.name })}`);
    assertPageHeaders(search, 'the clients page');
    assert.equal(await page.getByTestId('client-row').count(), 0, 'the deleted agent is no longer listed');
    assert.deepEqual(problems, [], 'no console errors and no CSP violations');
  });

  it('alice disconnects an agent on /account, and the agent can no longer refresh (invalid_grant)', { skip }, async () => {
    const name = agentName('second agent');
    const provider = new AgentProvider({
      clientName: name,
      redirectUrl: callback.redirectUri,
      // This one walks login and consent through inject(): the browser part of this test is /account.
      userAgent: async (authorizationUrl) => {
        const flow = new TestBrowser(server.app);
        const login = await flow.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
        assert.equal(login.statusCode, 200, login.body);
        const consent = await flow.follow(await flow.submit(login, alice));
        assert.equal(consent.statusCode, 200, consent.body);
        const done = await flow.submit(consent, { decision: 'allow' });
        assert.equal(done.statusCode, 303, done.body);
        return new URL(String(done.headers.location));
      },
    });
    const agent = await authorizeAgent(provider, mcp.url);
    try {
      assert.equal((await whoami(agent)).sub, aliceId);
    } finally {
      await agent.close();
    }
    const clientId = String(provider.client!.client_id);

    await signIn('/account', alice);
    const account = await page.goto(`${server.issuer}/account`);
    assertPageHeaders(account, 'the connected-apps page');
    const row = page.getByTestId('app-row').filter({ hasText: name });
    assert.equal(await row.count(), 1, 'the agent is listed once');
    assert.equal(await row.getByTestId('app-name').textContent(), name);
    assert.match((await row.textContent()) ?? '', new RegExp(new URL(callback.redirectUri).host.replace(/\./g, '\\.')), 'with its redirect host');
    await screenshot('account.png');

    await Promise.all([page.waitForURL(/\/account\?/), row.getByTestId('revoke').click()]);
    assert.equal(await page.getByTestId('app-row').filter({ hasText: name }).count(), 0, 'the agent is gone from the list');
    assert.equal(await page.locator(`[data-client-id="${clientId}"]`).count(), 0);

    const refused = await refreshAgent(server.issuer, provider);
    assert.equal(refused.status, 400, JSON.stringify(refused.body));
    assert.equal(refused.body['error'], 'invalid_grant');
    assert.deepEqual(problems, [], 'no console errors and no CSP violations');
  });
});
