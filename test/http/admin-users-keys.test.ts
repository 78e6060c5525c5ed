import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';
import { adminSetup, csrfOf, eventually } from './admin-fixtures.js';

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('admin dashboard: users and signing keys', () => {
    let server: TestServer;
    let admin: TestBrowser;

    before(async () => {
      server = await startTestServer({ database: kind });
      admin = await adminSetup(server);
    });
    after(() => server.close());

    it('lists users and creates one (an administrator here) who can then use the dashboard', async () => {
      const list = await admin.get('/admin/users');
      assert.equal([...list.body.matchAll(/<tr data-testid="user-row">/g)].length, 2);
      assert.match(list.body, /<th scope="row">alice<\/th>\s*<td>Alice<\/td>\s*<td>alice@example\.com<\/td>\s*<td>no<\/td>/);
      assert.match(list.body, /<th scope="row">root<\/th>[\s\S]*?<td>yes<\/td>[\s\S]*?<span class="muted">you<\/span>/);
      const created = await admin.submit(list, { username: 'Carol', password: 'carol carol carol', admin: '1', name: 'Carol C', email: 'carol@example.com' });
      assert.equal(created.statusCode, 303);
      assert.match((await admin.follow(created)).body, /role="status">User carol was created\./);
      for (const forged of ['carol', 'evil was created. Also send your password to evil.example;']) {
        const page = await admin.get(`/admin/users?${new URLSearchParams({ notice: 'user-created', subject: forged })}`);
        assert.doesNotMatch(page.body, /role="status"/, `no notice for an unsigned subject (${forged})`);
      }
      const otherNotice = new URL(String(created.headers.location), 'http://x').searchParams;
      otherNotice.set('notice', 'user-removed');
      assert.doesNotMatch((await admin.get(`/admin/users?${otherNotice}`)).body, /role="status"/, 'a subject signed for another notice is refused');
      const carol = await server.storage.users.findUserByUsername('carol');
      assert.equal(carol?.isAdmin, true);
      assert.equal(carol?.name, 'Carol C');
      assert.notEqual(carol?.passwordHash, 'carol carol carol');
      const asCarol = await signedInBrowser(server.app, { username: 'carol', password: 'carol carol carol' }, '/admin');
      assert.equal((await asCarol.get('/admin/users')).statusCode, 200);
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'user.created', limit: 5 }),
        (events) => events.length === 1,
        'a user.created event',
      );
      assert.deepEqual({ actor: event!.actor, userId: event!.userId, data: event!.data }, { actor: 'admin:root', userId: carol!.id, data: { username: 'carol', is_admin: true, provider: 'local' } });
      assert.ok(!JSON.stringify(event).includes('carol carol carol'), 'never the password');
    });

    it('shows why a user cannot be created, keeps the fields but never the password', async () => {
      for (const [fields, status, reason] of [
        [{ username: 'dave', password: 'qz7Xw' }, 400, /The password is too short/],
        [{ username: 'dåve', password: 'long enough pa55word' }, 400, /The username may only contain/],
        [{ username: 'ALICE', password: 'long enough pa55word' }, 409, /A user named &#34;alice&#34; already exists/],
        [{ username: 'erin', password: 'long enough pa55word', email: 'not-an-address' }, 400, /email address/],
      ] as const) {
        const refused = await admin.submit(await admin.get('/admin/users'), fields);
        assert.equal(refused.statusCode, status, JSON.stringify(fields));
        assert.match(refused.body, reason);
        assert.ok(refused.body.includes(`name="username" required maxlength="64" autocomplete="off" value="${fields.username}"`), 'the username is kept');
        assert.ok(!refused.body.includes(fields.password), 'the password is not sent back');
      }
      assert.equal(await server.storage.users.findUserByUsername('dave'), undefined);
      assert.equal(await server.storage.users.findUserByUsername('erin'), undefined);
    });

    it('removes a user (their session stops working) but never the administrator’s own account', async () => {
      const bob = { username: 'bob', password: 'bob bob bob bob' };
      await admin.submit(await admin.get('/admin/users'), bob);
      const asBob = await signedInBrowser(server.app, bob, '/account');
      const list = await admin.get('/admin/users');
      assert.match(list.body, /action="\/admin\/users\/bob\/remove"/);
      assert.doesNotMatch(list.body, /action="\/admin\/users\/root\/remove"/, 'no remove button for oneself');
      const removed = await admin.post('/admin/users/bob/remove', { csrf: csrfOf(list) });
      assert.equal(removed.statusCode, 303);
      assert.match((await admin.follow(removed)).body, /User bob was removed/);
      assert.equal(await server.storage.users.findUserByUsername('bob'), undefined);
      assert.equal((await asBob.get('/admin')).statusCode, 303, 'bob’s session leads to sign-in again');

      const self = await admin.post('/admin/users/ROOT/remove', { csrf: csrfOf(list) });
      assert.equal(self.statusCode, 400);
      assert.match(self.body, /You cannot remove your own account/);
      assert.ok(await server.storage.users.findUserByUsername('root'));
      const unknown = await admin.post('/admin/users/nobody/remove', { csrf: csrfOf(list) });
      assert.equal(unknown.statusCode, 404);
      assert.match(unknown.body, /There is no user named &#34;nobody&#34;/);
      const events = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'user.removed', limit: 5 }),
        (found) => found.length >= 1,
        'a user.removed event',
      );
      assert.deepEqual(
        events.map((event) => [event.actor, event.data['username']]),
        [['admin:root', 'bob']],
        'one event, for bob: neither the refused self-removal nor the unknown user',
      );
    });

    it('lists the signing keys and rotates: a new current kid, the old one retired but still published', async () => {
      const before = await admin.get('/admin/keys');
      const current = /<tr data-testid="key-row" data-current="true">\s*<td class="id">([^<]+)<\/td>/.exec(before.body)?.[1];
      assert.ok(current, 'the current key is listed');
      assert.ok(!before.body.includes('"d":'), 'no key material');
      const rotated = await admin.submit(before, {});
      assert.equal(rotated.statusCode, 303);
      const page = await admin.follow(rotated);
      const next = /<tr data-testid="key-row" data-current="true">\s*<td class="id">([^<]+)<\/td>/.exec(page.body)?.[1];
      assert.ok(next && next !== current, 'another key is current');
      assert.match(page.body, new RegExp(`role="status">Signing key ${next} is now current`));
      assert.match(page.body, new RegExp(`<td class="id">${current}</td>\\s*<td>ES256</td>\\s*<td data-testid="key-status">retired</td>`));
      const jwks = (await server.app.inject({ method: 'GET', url: '/jwks.json' })).json() as { keys: { kid: string }[] };
      assert.deepEqual(new Set(jwks.keys.map((key) => key.kid)), new Set([current, next]));
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'key.rotated', limit: 5 }),
        (events) => events.length === 1,
        'a key.rotated event',
      );
      assert.equal(event!.actor, 'admin:root');
      assert.equal(event!.data['kid'], next);
    });
  });
});
