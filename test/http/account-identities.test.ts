import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { UserRecord } from '../../src/ports/users.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { linkedIdentity, sessionBrowser } from '../support/upstream-users.js';
import { signedInBrowser } from '../support/sign-in.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { eventually } from './admin-fixtures.js';

const alice = { username: 'alice', password: 'correct horse battery' };
const bob = { username: 'bob', password: 'bob bob bob bob' };

/** The CSRF token in a page's forms. */
function csrfOf(page: LightMyRequestResponse): string {
  const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page.body)?.[1];
  assert.ok(token, 'the page has a CSRF field');
  return token;
}

/** The identity rows of the account page, by identity id. */
function identityRows(page: LightMyRequestResponse): Map<string, string> {
  return new Map(
    [...page.body.matchAll(/<section class="identity" data-testid="identity-row" data-identity-id="([^"]+)">[\s\S]*?<\/section>/g)].map((m) => [m[1]!, m[0]]),
  );
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('account: linked identities (/account)', () => {
    let server: TestServer;
    let aliceUser: UserRecord;
    let bobUser: UserRecord;

    before(async () => {
      server = await startTestServer({ database: kind });
      aliceUser = await createUser(server.storage.users, alice, { now: Date.now(), newId: randomUUID });
      bobUser = await createUser(server.storage.users, bob, { now: Date.now(), newId: randomUUID });
    });
    after(() => server.close());

    it("shows the user's own identities with the provider's text as text, and a change-password form for a user with a password", async () => {
      const mine = linkedIdentity(aliceUser.id, 'github', {
        email: '<script>alert(1)</script>@example.com',
        displayName: '<img src=x onerror=alert(2)>',
        lastSignedInAt: Date.UTC(2026, 1, 3, 4, 5),
      });
      const bobs = linkedIdentity(bobUser.id, 'google', { displayName: 'Bob at Google' });
      assert.equal(await server.storage.identities.linkIdentity(mine), true);
      assert.equal(await server.storage.identities.linkIdentity(bobs), true);
      const browser = await signedInBrowser(server.app, alice);
      const page = await browser.get('/account');
      assert.equal(page.statusCode, 200);
      const rows = identityRows(page);
      assert.deepEqual([...rows.keys()], [mine.id], "only alice's identity, never bob's");
      const row = rows.get(mine.id)!;
      assert.match(row, /data-testid="identity-provider">github<\/h3>/, 'an unconfigured provider is shown by its id');
      assert.ok(row.includes('&#60;img src=x onerror=alert(2)&#62; <span class="muted">(&#60;script&#62;alert(1)&#60;/script&#62;@example.com)</span>'));
      assert.doesNotMatch(page.body, /<script>|<img src=x/);
      assert.match(row, /data-testid="linked-at"><time datetime="2026-01-02T03:04:00.000Z">2026-01-02 03:04 UTC<\/time>/);
      assert.match(row, /data-testid="identity-last-used"><time datetime="2026-02-03T04:05:00.000Z">/);
      assert.ok(row.includes(`action="/account/identities/${mine.id}/unlink"`), 'alice has a password, so her only identity may go');
      assert.doesNotMatch(page.body, /Bob at Google/);
      assert.match(page.body, /<form method="post" action="\/account\/password" data-testid="change-password">/);
      await server.storage.identities.unlinkIdentity(aliceUser.id, mine.id);
      await server.storage.identities.unlinkIdentity(bobUser.id, bobs.id);
    });

    it('unlinks one of the user\'s identities: it is gone, audited with its provider, and the page says so', async () => {
      const identity = linkedIdentity(aliceUser.id, 'gitlab');
      await server.storage.identities.linkIdentity(identity);
      const browser = await signedInBrowser(server.app, alice);
      const csrf = csrfOf(await browser.get('/account'));
      const answer = await browser.post(`/account/identities/${identity.id}/unlink`, { csrf });
      assert.equal(answer.statusCode, 303);
      assert.equal(answer.headers.location, '/account?notice=unlinked');
      assert.equal(answer.headers['cache-control'], 'no-store');
      assert.deepEqual(await server.storage.identities.listIdentities(aliceUser.id), []);
      assert.match((await browser.follow(answer)).body, /role="status" data-testid="notice">Unlinked: that account no longer signs you in here\./);
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'user.identity_unlinked', limit: 10 }),
        (events) => events.some((e) => e.userId === aliceUser.id),
        'a user.identity_unlinked event',
      );
      assert.deepEqual({ userId: event!.userId, actor: event!.actor, data: event!.data }, { userId: aliceUser.id, actor: null, data: { provider: 'gitlab' } });
    });

    it("refuses to unlink another user's identity by its id: nothing changes", async () => {
      const bobs = linkedIdentity(bobUser.id, 'google');
      await server.storage.identities.linkIdentity(bobs);
      const browser = await signedInBrowser(server.app, alice);
      const csrf = csrfOf(await browser.get('/account'));
      const answer = await browser.post(`/account/identities/${bobs.id}/unlink`, { csrf });
      assert.equal(answer.statusCode, 303);
      assert.equal(answer.headers.location, '/account?notice=not_linked');
      assert.deepEqual((await server.storage.identities.listIdentities(bobUser.id)).map((i) => i.id), [bobs.id], "bob's identity stays");
      await server.storage.identities.unlinkIdentity(bobUser.id, bobs.id);
    });

    it('refuses to unlink the last way to sign in of a user without a password, and allows it once another is linked', async () => {
      const first = linkedIdentity('', 'google', { email: 'carol@example.com' });
      const carolId = randomUUID();
      const created = await server.storage.identities.createUserWithIdentity(
        { id: carolId, username: 'carol', passwordHash: null, name: null, email: 'carol@example.com', isAdmin: false, createdAt: Date.now() },
        { ...first, userId: carolId },
      );
      assert.equal(created, 'created');
      const carol = (await server.storage.users.findUserById(carolId))!;
      const browser = await sessionBrowser(server, carol);
      const page = await browser.get('/account');
      assert.equal(page.statusCode, 200, 'carol is signed in');
      assert.match(identityRows(page).get(first.id)!, /data-testid="unlink-refused">This is your only way to sign in/);
      assert.doesNotMatch(page.body, /data-testid="change-password"/, 'no password to change');
      const csrf = csrfOf(page);
      const refused = await browser.post(`/account/identities/${first.id}/unlink`, { csrf });
      assert.equal(refused.headers.location, '/account?notice=last_sign_in_method');
      assert.match((await browser.follow(refused)).body, /class="error" role="alert" data-testid="notice">Not unlinked: it is your only way to sign in/);
      assert.equal((await server.storage.identities.listIdentities(carolId)).length, 1, 'still linked');

      const second = linkedIdentity(carolId, 'github');
      await server.storage.identities.linkIdentity(second);
      const unlinked = await browser.post(`/account/identities/${first.id}/unlink`, { csrf });
      assert.equal(unlinked.headers.location, '/account?notice=unlinked');
      assert.deepEqual((await server.storage.identities.listIdentities(carolId)).map((i) => i.id), [second.id]);
      const again = await browser.post(`/account/identities/${second.id}/unlink`, { csrf });
      assert.equal(again.headers.location, '/account?notice=last_sign_in_method', 'now the other one is the last');
    });

    it('changes nothing without the CSRF token (400 page), and sends a browser that is not signed in to sign in', async () => {
      const identity = linkedIdentity(aliceUser.id, 'okta');
      await server.storage.identities.linkIdentity(identity);
      const browser = await signedInBrowser(server.app, alice);
      await browser.get('/account');
      for (const csrf of [undefined, 'A'.repeat(43)]) {
        const fields = csrf ? { csrf } : {};
        const unlink = await browser.post(`/account/identities/${identity.id}/unlink`, fields);
        assert.equal(unlink.statusCode, 400);
        assert.match(unlink.body, /Nothing was changed/);
        const change = await browser.post('/account/password', { ...fields, current_password: alice.password, new_password: 'a new one, long', new_password_repeat: 'a new one, long' });
        assert.equal(change.statusCode, 400);
      }
      assert.equal((await server.storage.identities.listIdentities(aliceUser.id)).length, 1);
      assert.equal((await browser.get('/account')).statusCode, 200, 'the password is unchanged: the session still holds');
      const stranger = new TestBrowser(server.app);
      const answer = await stranger.post(`/account/identities/${identity.id}/unlink`, { csrf: 'x' });
      assert.equal(answer.statusCode, 303);
      assert.match(String(answer.headers.location), /^\/signin\?return_to=%2Faccount$/);
      assert.equal((await server.storage.identities.listIdentities(aliceUser.id)).length, 1);
      await server.storage.identities.unlinkIdentity(aliceUser.id, identity.id);
    });
  });

  describe('account: changing one\'s password (/account/password)', () => {
    let server: TestServer;
    const dave = { username: 'dave', password: 'dave dave dave dave' };

    before(async () => {
      server = await startTestServer({ database: kind, overrides: { 'login.maxFailures': 2 } });
      await createUser(server.storage.users, dave, { now: Date.now(), newId: randomUUID });
    });
    after(() => server.close());

    const change = async (browser: TestBrowser, fields: { current_password: string; new_password: string; new_password_repeat?: string }) => {
      const csrf = csrfOf(await browser.get('/account'));
      return browser.post('/account/password', { csrf, new_password_repeat: fields.new_password, ...fields });
    };

    it('refuses two different new passwords and a weak one, without checking the current password', async () => {
      const browser = await signedInBrowser(server.app, dave);
      const mismatch = await change(browser, { current_password: 'wrong, but not checked', new_password: 'one new password', new_password_repeat: 'another one' });
      assert.equal(mismatch.statusCode, 400);
      assert.match(mismatch.body, /data-testid="password-error">The two new passwords differ/);
      const weak = await change(browser, { current_password: dave.password, new_password: 'short' });
      assert.equal(weak.statusCode, 400);
      assert.match(weak.body, /data-testid="password-error">The password is too short/);
      assert.doesNotMatch(weak.body, /dave dave dave dave/, 'no password is echoed');
      await signedInBrowser(server.app, dave);
      assert.equal((await browser.get('/account')).statusCode, 200, 'nothing changed: the session holds');
    });

    it('refuses a wrong current password (401), counted by the sign-in throttle (then 429), audited as a failed sign-in', async () => {
      const erin = { username: 'erin', password: 'erin erin erin erin' };
      const user = await createUser(server.storage.users, erin, { now: Date.now(), newId: randomUUID });
      const browser = await signedInBrowser(server.app, erin);
      for (let i = 0; i < 2; i += 1) {
        const wrong = await change(browser, { current_password: 'not the password', new_password: 'a brand new passphrase' });
        assert.equal(wrong.statusCode, 401);
        assert.match(wrong.body, /data-testid="password-error">Your current password is not right\. Nothing was changed\./);
      }
      const throttled = await change(browser, { current_password: erin.password, new_password: 'a brand new passphrase' });
      assert.equal(throttled.statusCode, 429, 'the right password is not even checked once throttled');
      const signIn = new TestBrowser(server.app);
      assert.equal((await signIn.submit(await signIn.get('/signin'), erin)).statusCode, 429, 'the same counter as the sign-in form');
      assert.equal((await browser.get('/account')).statusCode, 200, 'nothing changed: the session holds');
      const events = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'user.sign_in_failed', limit: 10 }),
        (found) => found.filter((e) => e.userId === user.id).length === 2,
        'two failed sign-ins of erin',
      );
      assert.ok(!JSON.stringify(events).includes('not the password'), 'never the password');
    });

    it('changes the password: other sessions end, this browser stays signed in, the new password signs in, the old does not', async () => {
      const browser = await signedInBrowser(server.app, dave);
      const elsewhere = await signedInBrowser(server.app, dave);
      const copied = `latchkey-session=${browser.cookies.get('latchkey-session')}`;
      const withCopy = () => server.app.inject({ method: 'GET', url: '/account', headers: { cookie: copied } });
      assert.equal((await withCopy()).statusCode, 200);
      const user = (await server.storage.users.findUserByUsername('dave'))!;

      const answer = await change(browser, { current_password: dave.password, new_password: 'a brand new passphrase' });
      assert.equal(answer.statusCode, 303, answer.body);
      assert.equal(answer.headers.location, '/account?notice=password_changed');
      assert.notEqual(`latchkey-session=${browser.cookies.get('latchkey-session')}`, copied, 'a fresh session cookie');
      const page = await browser.follow(answer);
      assert.equal(page.statusCode, 200, 'this browser stays signed in');
      assert.match(page.body, /data-testid="notice">Your password is changed/);
      assert.equal((await withCopy()).statusCode, 303, 'a copy of the old cookie no longer works');
      assert.equal((await elsewhere.get('/account')).statusCode, 303, 'another browser is signed out');

      const old = new TestBrowser(server.app);
      assert.equal((await old.submit(await old.get('/signin'), dave)).statusCode, 401, 'the old password no longer signs in');
      await signedInBrowser(server.app, { username: 'dave', password: 'a brand new passphrase' });
      const [event] = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'user.password_changed', limit: 10 }),
        (events) => events.length === 1,
        'a user.password_changed event',
      );
      assert.equal(event!.userId, user.id);
      assert.ok(!JSON.stringify(event).includes('passphrase'), 'never the password');
    });
  });
});
