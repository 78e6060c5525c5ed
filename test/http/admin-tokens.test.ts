import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/protocol/secrets.js';
import type { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { adminSetup, csrfOf, eventually, redirectUri } from './admin-fixtures.js';

const secretOf = (body: string) => /<p class="secret" data-testid="iat-secret">([A-Za-z0-9_-]+)<\/p>/.exec(body)?.[1];

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('admin dashboard: initial access tokens', () => {
    let server: TestServer;
    let admin: TestBrowser;

    before(async () => {
      server = await startTestServer({
        database: kind,
        overrides: { 'registration.mode': 'protected', 'registration.policies': { partners: { allowRedirectHosts: ['agent.example'] } } },
      });
      admin = await adminSetup(server);
    });
    after(() => server.close());

    const registerWith = (secret: string) =>
      server.app.inject({
        method: 'POST',
        url: '/register',
        headers: { authorization: `Bearer ${secret}` },
        payload: { client_name: 'Partner agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
      });

    it('creates a token and shows its secret once; it registers a client in protected mode, under its policy', async () => {
      const list = await admin.get('/admin/iat');
      assert.match(list.body, /<option value="partners">partners<\/option>/, 'the configured policies are offered');
      const created = await admin.submit(list, { description: 'for the partner fleet', uses: '1', expires: '7d', policy: 'partners' });
      assert.equal(created.statusCode, 200, created.body);
      assert.equal(created.headers['cache-control'], 'no-store');
      const secret = secretOf(created.body);
      assert.ok(secret && secret.length >= 43, 'the secret is on the response');
      const record = await server.storage.initialAccessTokens.findInitialAccessToken(digestSecret(secret));
      assert.ok(record, 'stored by its digest');
      assert.equal(record.policy, 'partners');
      assert.equal(record.maxUses, 1);
      assert.equal(record.description, 'for the partner fleet');
      assert.ok(record.expiresAt! - record.createdAt === 7 * 86_400_000);

      const again = await admin.get('/admin/iat');
      assert.ok(!again.body.includes(secret), 'the list never shows the secret');
      assert.ok(!again.body.includes(record.tokenDigest), 'nor its digest');
      assert.match(again.body, new RegExp(`<td class="id">${record.id}</td>`));
      assert.match(again.body, /<td>0 \/ 1<\/td>/);

      assert.equal((await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'x', redirect_uris: [redirectUri] } })).statusCode, 401, 'protected mode');
      const registered = await registerWith(secret);
      assert.equal(registered.statusCode, 201, registered.body);
      const client = await server.storage.clients.findClient(registered.json().client_id);
      assert.equal(client?.registrationSource, 'iat');
      assert.equal(client?.initialAccessTokenId, record.id);
      assert.equal(client?.policy, 'partners');
      assert.equal((await registerWith(secret)).statusCode, 401, 'one use only');
      assert.match((await admin.get('/admin/iat')).body, /<td>1 \/ 1<\/td>[\s\S]*?<td data-testid="iat-status">used up<\/td>/);
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'iat.created', limit: 5 }),
        (events) => events.length >= 1,
        'an iat.created event',
      );
      assert.equal(event!.actor, 'admin:root');
    });

    it('refuses a bad form with the reason, keeping what was typed, and creates nothing', async () => {
      const before = (await server.storage.initialAccessTokens.listInitialAccessTokens()).length;
      for (const [fields, reason] of [
        [{ uses: 'many' }, /Uses must be a whole number/],
        [{ uses: '0' }, /Uses must be a whole number/],
        [{ expires: 'tomorrow' }, /Expires must be a duration/],
        [{ expires: '10s' }, /at least a minute/],
        [{ policy: 'nonexistent' }, /There is no registration policy &#34;nonexistent&#34;/],
        [{ description: 'd'.repeat(201) }, /description is too long/],
      ] as const) {
        const page = await admin.get('/admin/iat');
        const refused = await admin.submit(page, { description: 'typed', ...fields });
        assert.equal(refused.statusCode, 400, JSON.stringify(fields));
        assert.match(refused.body, reason);
        assert.equal(secretOf(refused.body), undefined);
        if (!('description' in fields)) assert.match(refused.body, /name="description" maxlength="200" value="typed"/);
      }
      assert.equal((await server.storage.initialAccessTokens.listInitialAccessTokens()).length, before);
    });

    it('revokes a token: it registers nothing more, and the event names the admin', async () => {
      const created = await admin.submit(await admin.get('/admin/iat'), { description: 'to revoke' });
      const secret = secretOf(created.body)!;
      const { id } = (await server.storage.initialAccessTokens.findInitialAccessToken(digestSecret(secret)))!;
      const list = await admin.get('/admin/iat');
      assert.match(list.body, new RegExp(`action="/admin/iat/${id}/revoke"`));
      const revoked = await admin.post(`/admin/iat/${id}/revoke`, { csrf: csrfOf(list) });
      assert.equal(revoked.statusCode, 303);
      const after = await admin.follow(revoked);
      assert.match(after.body, new RegExp(`role="status">Initial access token ${id} was revoked`));
      assert.match(after.body, new RegExp(`<td class="id">${id}</td>[\\s\\S]*?<td data-testid="iat-status">revoked</td>`));
      assert.ok((await server.storage.initialAccessTokens.findInitialAccessToken(digestSecret(secret)))?.revokedAt);
      // The registration endpoint may hold the token's row for a second; the use itself is refused at once.
      assert.equal((await registerWith(secret)).statusCode, 401);
      const twice = await admin.post(`/admin/iat/${id}/revoke`, { csrf: csrfOf(list) });
      assert.match((await admin.follow(twice)).body, /already revoked, or does not exist/);
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'iat.revoked', limit: 5 }),
        (events) => events.length === 1,
        'one iat.revoked event',
      );
      assert.equal(event!.actor, 'admin:root');
      assert.equal(event!.data['iat_id'], id);
    });
  });
});
