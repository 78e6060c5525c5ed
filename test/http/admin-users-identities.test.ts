import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { UserRecord } from '../../src/ports/users.js';
import type { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { linkedIdentity, sessionBrowser } from '../support/upstream-users.js';
import { adminSetup, csrfOf, eventually } from './admin-fixtures.js';

/** The users table's row of `username`. */
function rowOf(page: LightMyRequestResponse, username: string): string {
  const row = [...page.body.matchAll(/<tr data-testid="user-row">[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(`<th scope="row">${username}</th>`));
  assert.ok(row, `a row for ${username}`);
  return row;
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('admin dashboard: users\' linked identities', () => {
    let server: TestServer;
    let admin: TestBrowser;
    let alice: UserRecord;

    before(async () => {
      server = await startTestServer({ database: kind });
      admin = await adminSetup(server);
      alice = (await server.storage.users.findUserByUsername('alice'))!;
    });
    after(() => server.close());

    it('shows each user\'s identities (provider, name and email as text) and whether they have a password', async () => {
      const github = linkedIdentity(alice.id, 'github', { displayName: '<b>alice</b>', email: 'alice+<script>@example.com' });
      await server.storage.identities.linkIdentity(github);
      const fernId = randomUUID();
      const fernIdentity = linkedIdentity(fernId, 'google', { email: 'fern@example.com' });
      assert.equal(
        await server.storage.identities.createUserWithIdentity(
          { id: fernId, username: 'fern', passwordHash: null, name: null, email: null, isAdmin: false, createdAt: Date.now() },
          fernIdentity,
        ),
        'created',
      );
      const page = await admin.get('/admin/users');
      assert.equal(page.statusCode, 200);
      const aliceRow = rowOf(page, 'alice');
      assert.match(aliceRow, /data-testid="has-password">yes</);
      assert.ok(aliceRow.includes(`data-identity-id="${github.id}"><strong>github</strong> &#60;b&#62;alice&#60;/b&#62; · alice+&#60;script&#62;@example.com`));
      assert.ok(aliceRow.includes(`action="/admin/users/alice/identities/${github.id}/unlink"`));
      const fernRow = rowOf(page, 'fern');
      assert.match(fernRow, /data-testid="has-password">no</);
      assert.match(fernRow, /<strong>google<\/strong> fern@example\.com/);
      assert.ok(fernRow.includes(`action="/admin/users/fern/identities/${fernIdentity.id}/unlink"`), "an administrator may unlink another user's last identity");
      assert.match(rowOf(page, 'root'), /<span class="muted">none<\/span>/);
      assert.doesNotMatch(page.body, /<script>|<b>alice/);
      await server.storage.identities.unlinkIdentity(alice.id, github.id);
    });

    it('unlinks an identity of a user, audited with the administrator as actor', async () => {
      const identity = linkedIdentity(alice.id, 'gitlab');
      await server.storage.identities.linkIdentity(identity);
      const csrf = csrfOf(await admin.get('/admin/users'));
      const answer = await admin.post(`/admin/users/alice/identities/${identity.id}/unlink`, { csrf });
      assert.equal(answer.statusCode, 303);
      assert.match((await admin.follow(answer)).body, /role="status">Unlinked the gitlab account of alice: it no longer signs them in\./);
      assert.deepEqual(await server.storage.identities.listIdentities(alice.id), []);
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'user.identity_unlinked', limit: 5 }),
        (events) => events.length === 1,
        'a user.identity_unlinked event',
      );
      assert.deepEqual({ actor: event!.actor, userId: event!.userId, data: event!.data }, { actor: 'admin:root', userId: alice.id, data: { provider: 'gitlab' } });
    });

    it("refuses an identity of another user than the one named, and a form without the CSRF token: nothing changes", async () => {
      const bobId = randomUUID();
      const bobs = linkedIdentity(bobId, 'google');
      await server.storage.identities.createUserWithIdentity(
        { id: bobId, username: 'bob', passwordHash: null, name: null, email: null, isAdmin: false, createdAt: Date.now() },
        bobs,
      );
      const csrf = csrfOf(await admin.get('/admin/users'));
      const mismatched = await admin.post(`/admin/users/alice/identities/${bobs.id}/unlink`, { csrf });
      assert.equal(mismatched.statusCode, 404);
      assert.match(mismatched.body, /That identity is not linked to a user named &#34;alice&#34;/);
      const forged = await admin.post(`/admin/users/bob/identities/${bobs.id}/unlink`, {});
      assert.equal(forged.statusCode, 400);
      assert.deepEqual((await server.storage.identities.listIdentities(bobId)).map((i) => i.id), [bobs.id]);
    });

    it("refuses an administrator's own last way to sign in, and shows no button for it", async () => {
      const gwenId = randomUUID();
      const only = linkedIdentity(gwenId, 'entra');
      await server.storage.identities.createUserWithIdentity(
        { id: gwenId, username: 'gwen', passwordHash: null, name: null, email: null, isAdmin: true, createdAt: Date.now() },
        only,
      );
      const gwen = await sessionBrowser(server, (await server.storage.users.findUserById(gwenId))!);
      const page = await gwen.get('/admin/users');
      assert.equal(page.statusCode, 200, 'gwen is on the dashboard');
      assert.ok(!rowOf(page, 'gwen').includes('/unlink"'), 'no unlink button on her own last identity');
      const refused = await gwen.post(`/admin/users/gwen/identities/${only.id}/unlink`, { csrf: csrfOf(page) });
      assert.equal(refused.statusCode, 400);
      assert.match(refused.body, /You cannot unlink your own last way to sign in/);
      assert.equal((await server.storage.identities.listIdentities(gwenId)).length, 1);
    });
  });
});
