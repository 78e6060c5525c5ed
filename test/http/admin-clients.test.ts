import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/protocol/secrets.js';
import type { ClientRecord } from '../../src/ports/clients.js';
import { TestBrowser } from '../support/browser.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import type { TestServer } from '../support/server.js';
import { authorizeAsAlice, dashboardNoon, eventually, register, startAdminDashboard, token } from './admin-fixtures.js';

const dayMs = 86_400_000;
const rows = (body: string) => [...body.matchAll(/<tr data-testid="client-row">([\s\S]*?)<\/tr>/g)].map((match) => match[1]!);
const nextLink = (body: string) => /<a rel="next" data-testid="next-page" href="([^"]+)">/.exec(body)?.[1]?.replace(/&#38;/g, '&');

/** A client known from its metadata document, with an id (its URL) longer than a route parameter may be. */
function metadataDocumentClient(now: number): ClientRecord {
  const clientId = `https://tools.example.org/.well-known/oauth-client/${'x'.repeat(90)}/client.json`;
  return {
    clientId,
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: Math.floor(now / 1000),
    metadata: { client_name: 'Document agent', redirect_uris: ['https://tools.example.org/cb'], grant_types: ['authorization_code'], response_types: ['code'], token_endpoint_auth_method: 'none', scope: 'mcp', application_type: 'web' },
    registrationSource: 'cimd',
    updatedAt: now,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('admin dashboard: clients', () => {
    const clock = fixedClock(dashboardNoon);
    let server: TestServer;
    let admin: TestBrowser;

    before(async () => {
      ({ server, admin } = await startAdminDashboard(kind, clock));
    });
    after(() => server.close());

    it('searches by name, client_id and redirect host, filters by source, flag and last use, and pages by 50', async () => {
      // 60 clients, one a second apart so that "newest first" is well defined.
      const paged: string[] = [];
      for (let i = 0; i < 60; i += 1) {
        clock.advance(1000);
        paged.push((await register(server, { client_name: `Fleet agent ${i}`, redirect_uris: ['https://fleet.example/cb'] })).client_id);
      }
      const lookAlike = await register(server, { client_name: 'Claude', redirect_uris: ['https://claude-helper.example/oauth/callback'] });
      assert.equal((await server.storage.clients.findClient(lookAlike.client_id))?.lookAlikeOf, 'Claude', 'registration flagged it');
      const document = metadataDocumentClient(clock.now());
      await server.storage.clients.insertClient(document);
      await server.storage.clients.touchClient(paged[0]!, clock.now() - 40 * dayMs);
      await server.storage.clients.touchClient(paged[1]!, clock.now() - dayMs);

      const first = await admin.get('/admin/clients?q=FLEET');
      assert.equal(first.statusCode, 200);
      assert.match(first.body, /data-testid="client-count">60 clients match/);
      assert.equal(rows(first.body).length, 50);
      assert.match(rows(first.body)[0]!, /Fleet agent 59/, 'newest first');
      assert.match(rows(first.body)[0]!, new RegExp(`href="/admin/clients/${paged[59]}"`));
      assert.match(rows(first.body)[0]!, /fleet\.example/, 'the redirect host');
      const next = nextLink(first.body);
      assert.ok(next, 'a next page link');
      const nextUrl = new URL(next, 'http://x');
      assert.equal(nextUrl.searchParams.get('q'), 'FLEET', 'the next page keeps the search');
      const second = await admin.get(next);
      assert.equal(rows(second.body).length, 10);
      assert.match(rows(second.body).at(-1)!, /Fleet agent 0</);
      assert.equal(nextLink(second.body), undefined, 'the last page has no next link');
      assert.match(second.body, /href="\/admin\/clients\?q=FLEET">First page</);
      const seen = [...rows(first.body), ...rows(second.body)].map((row) => /href="\/admin\/clients\/([^"]+)"/.exec(row)![1]);
      assert.equal(new Set(seen).size, 60, 'the two pages list every client once');

      assert.equal(rows((await admin.get(`/admin/clients?q=${paged[7]}`)).body).length, 1, 'by client_id');
      assert.equal(rows((await admin.get('/admin/clients?q=claude-helper.example')).body).length, 1, 'by redirect host');
      const flagged = await admin.get('/admin/clients?flagged=1');
      assert.equal(rows(flagged.body).length, 1);
      assert.match(flagged.body, /data-testid="flagged"[^>]*>look-alike of Claude</);
      const cimd = await admin.get('/admin/clients?source=cimd');
      assert.equal(rows(cimd.body).length, 1);
      assert.match(rows(cimd.body)[0]!, /Document agent/);
      assert.match((await admin.get('/admin/clients?source=dynamic')).body, /data-testid="client-count">61 clients match/);
      assert.equal(rows((await admin.get('/admin/clients?q=fleet&usage=active7d')).body).length, 1, 'used yesterday');
      assert.match((await admin.get('/admin/clients?q=fleet&usage=idle30d')).body, /59 clients match/, 'idle: used 40 days ago, or never');
      assert.match((await admin.get('/admin/clients?q=fleet&usage=idle90d&after=')).body, /58 clients match/, 'idle: never used');
      assert.match((await admin.get('/admin/clients?q=fleet&usage=never')).body, /58 clients match/);
      const ignored = await admin.get('/admin/clients?source=martian&usage=sometimes&after=%00%ff');
      assert.equal(ignored.statusCode, 200, 'values that are not choices are ignored');
      assert.match(ignored.body, /data-testid="client-count">62 clients</);

      const page = await admin.get(`/admin/clients/${encodeURIComponent(document.clientId)}`);
      assert.equal(page.statusCode, 200, 'a client whose id is a long URL has a page');
      assert.match(page.body, /Metadata document \(CIMD\)/);
    });

    it('shows a client’s registration, metadata, grant and events, never its secrets or their digests', async () => {
      const client = await register(server, {
        client_name: 'Confidential agent',
        token_endpoint_auth_method: 'client_secret_post',
        client_uri: 'https://agent.example',
        contacts: ['ops@agent.example'],
      });
      const stored = (await server.storage.clients.findClient(client.client_id))!;
      await authorizeAsAlice(server, new TestBrowser(server.app), client.client_id, { clientSecret: client.client_secret! });
      const page = await admin.get(`/admin/clients/${client.client_id}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<h1>Confidential agent<\/h1>/);
      for (const field of ['client_name', 'redirect_uris', 'grant_types', 'response_types', 'token_endpoint_auth_method', 'scope', 'client_uri', 'contacts', 'application_type']) {
        assert.ok(page.body.includes(`<dt>${field}</dt>`), `the metadata shows ${field}`);
      }
      assert.match(page.body, /https:\/\/agent\.example\/cb/);
      assert.match(page.body, /Dynamic \(open\)/);
      assert.match(page.body, /<dt>Client secret<\/dt><dd>yes, never expires<\/dd>/);
      for (const secret of [client.client_secret!, client.registration_access_token, stored.clientSecretDigest!, stored.registrationAccessTokenDigest!, digestSecret(client.client_secret!)]) {
        assert.ok(!page.body.includes(secret), 'no secret and no digest on the page');
      }
      const grants = [...page.body.matchAll(/<tr data-testid="grant-row">([\s\S]*?)<\/tr>/g)].map((match) => match[1]!);
      assert.equal(grants.length, 1);
      assert.match(grants[0]!, /<td>alice<\/td>/);
      assert.match(grants[0]!, /mcp:tools offline_access/);
      assert.match(grants[0]!, /https:\/\/mcp\.example\.com\/mcp/);
      assert.match(grants[0]!, /<td>active<\/td>/);
      const events = await eventually(
        async () => (await admin.get(`/admin/clients/${client.client_id}`)).body,
        (body) => body.includes('<code>token.issued</code>') && body.includes('<code>client.registered</code>'),
        'the audit events of the client are listed',
      );
      assert.match(events, /&#34;grant_type&#34;:&#34;authorization_code&#34;/);
    });

    it('deletes a client: its refresh token stops working, the event names the admin, and the list says so', async () => {
      const client = await register(server, { client_name: 'Doomed agent' });
      const tokens = await authorizeAsAlice(server, new TestBrowser(server.app), client.client_id);
      const page = await admin.get(`/admin/clients/${client.client_id}`);
      assert.match(page.body, /This cannot be undone/);
      const deleted = await admin.submit(page, {});
      assert.equal(deleted.statusCode, 303);
      assert.match(String(deleted.headers.location), /^\/admin\/clients\?notice=client-deleted&subject=/);
      const list = await admin.follow(deleted);
      assert.equal(list.statusCode, 200);
      assert.match(list.body, new RegExp(`role="status">Client “Doomed agent” \\(${client.client_id}\\) was deleted`));
      assert.equal(await server.storage.clients.findClient(client.client_id), undefined);
      const refresh = await token(server, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.client_id });
      assert.ok([400, 401].includes(refresh.statusCode), `the refresh fails: ${refresh.statusCode} ${refresh.body}`);
      assert.ok(['invalid_client', 'invalid_grant'].includes(refresh.json().error));
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ clientId: client.client_id, type: 'client.deleted', limit: 5 }),
        (found) => found.length === 1,
        'a client.deleted event',
      );
      assert.equal(event!.actor, 'admin:root');
      assert.equal(event!.data['client_name'], 'Doomed agent');
      assert.equal((await admin.get(`/admin/clients/${client.client_id}`)).statusCode, 404, 'its page is gone');
      const again = await admin.post(`/admin/clients/${client.client_id}/delete`, { csrf: /name="csrf" value="([^"]+)"/.exec(page.body)![1]! });
      assert.equal(again.statusCode, 404, 'deleting it again finds nothing');
    });
  });
});
