// A security review of the upstream sign-in (PRODUCT.md §9): what an attacker who holds accounts at an upstream
// provider, or who took one over, could do, and the configuration that would let them.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { parseIdentityProviders } from '../../src/config/identity.js';
import type { UpstreamProfile } from '../../src/identity/upstream-client.js';
import { createUser } from '../../src/users/users.js';
import { hostProvider } from '../../src/users/host-accounts.js';
import { linkUpstream, signInUpstream, type UpstreamAccountsContext } from '../../src/users/upstream-accounts.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';
import { linkedIdentity, sessionBrowser } from '../support/upstream-users.js';

function csrfOf(page: LightMyRequestResponse): string {
  const token = /<input type="hidden" name="csrf" value="([^"]+)">/.exec(page.body)?.[1];
  assert.ok(token, 'the page has a CSRF field');
  return token;
}

/** A second browser holding a copy of `browser`'s cookies (a stolen or left-behind session). */
function copyOf(server: TestServer, browser: TestBrowser): TestBrowser {
  const copy = new TestBrowser(server.app);
  for (const [name, value] of browser.cookies) copy.cookies.set(name, value);
  return copy;
}

function profile(extra: Partial<UpstreamProfile>): UpstreamProfile {
  return { provider: 'corp', subject: randomUUID(), email: null, emailVerified: false, name: null, username: null, groups: [], claims: {}, ...extra };
}

describe('identity.providers: the id "host"', () => {
  it('is refused: it is where a host app\'s users are linked, and a provider\'s subjects would sign in as them', () => {
    assert.throws(
      () => parseIdentityProviders([{ id: hostProvider, issuer: 'https://idp.example.com', clientId: 'latchkey', clientSecret: 'a-secret' }]),
      /identity\.providers\[0\]\.id "host" is reserved/,
    );
    // The others still work.
    assert.equal(parseIdentityProviders([{ id: 'hosted', issuer: 'https://idp.example.com', clientId: 'latchkey', clientSecret: 'a-secret' }])[0]?.id, 'hosted');
  });
});

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('upstream sign-in under attack', () => {
    let server: TestServer;
    let accounts: UpstreamAccountsContext;

    before(async () => {
      server = await startTestServer({ database: kind });
      accounts = {
        users: server.storage.users,
        identities: server.storage.identities,
        clock: { now: () => Date.now() },
        random: { uuid: randomUUID, token: (bytes) => randomBytes(bytes).toString('base64url'), timeOrderedUuid: () => randomUUID() },
        rules: { allow: { anyone: true }, admins: {} },
      };
    });
    after(() => server.close());

    it('never makes an unverified, email-shaped preferred_username a username: it would pass for that address', async () => {
      // Mallory typed the boss's address as her username at the provider, which has not verified any address of hers.
      const mallory = await signInUpstream(profile({ email: 'boss@example.com', emailVerified: false, username: 'boss@example.com' }), accounts);
      assert.ok('user' in mallory && mallory.created);
      assert.notEqual(mallory.user.username, 'boss@example.com');
      assert.doesNotMatch(mallory.user.username, /@/, 'no address-like username from unverified claims');
      assert.equal(mallory.user.email, null);
      // The boss, whose address the provider verified, gets it.
      const boss = await signInUpstream(profile({ email: 'boss@example.com', emailVerified: true, username: 'boss' }), accounts);
      assert.ok('user' in boss && boss.created);
      assert.equal(boss.user.username, 'boss@example.com');
      // A plain login (a GitHub login, a preferred_username without "@") is still a fine username.
      const grace = await signInUpstream(profile({ username: 'Grace-Hopper' }), accounts);
      assert.ok('user' in grace && grace.created);
      assert.equal(grace.user.username, 'grace-hopper');
    });

    it('linking an identity the admin rule does not name leaves an administrator one (only a sign-in can demote)', async () => {
      const rules = { allow: { anyone: true }, admins: { emails: ['ada@example.com'] } };
      const ada = await signInUpstream(profile({ email: 'ada@example.com', emailVerified: true }), { ...accounts, rules });
      assert.ok('user' in ada && ada.user.isAdmin, 'named by the rule');
      const linked = await linkUpstream(ada.user, profile({ provider: 'github', username: 'ada-codes' }), { ...accounts, rules });
      assert.ok('user' in linked);
      assert.equal(linked.user.isAdmin, true);
      assert.equal((await server.storage.users.findUserById(ada.user.id))?.isAdmin, true, 'still an administrator');
    });

    it('unlinking an identity at /account signs out whoever is signed in through it; this browser stays signed in', async () => {
      const alice = { username: `alice-${kind.name}`, password: 'correct horse battery' };
      const user = await createUser(server.storage.users, alice, { now: Date.now(), newId: randomUUID });
      const taken = linkedIdentity(user.id, 'github');
      await server.storage.identities.linkIdentity(taken);
      await server.storage.identities.linkIdentity(linkedIdentity(user.id, 'google'));
      const browser = await signedInBrowser(server.app, alice);
      // Whoever took over her GitHub account and signed in with it holds a session of hers.
      const intruder = copyOf(server, browser);
      assert.equal((await intruder.get('/account')).statusCode, 200);

      const answer = await browser.post(`/account/identities/${taken.id}/unlink`, { csrf: csrfOf(await browser.get('/account')) });
      assert.equal(answer.statusCode, 303);
      assert.equal(answer.headers.location, '/account?notice=unlinked');
      assert.equal((await browser.get('/account')).statusCode, 200, 'she stays signed in');
      const after = await intruder.get('/account');
      assert.equal(after.statusCode, 303, 'the other session ended');
      assert.match(String(after.headers.location), /^\/signin\?/);
    });

    it("an administrator's unlink signs out the user's sessions (an upstream account that changed hands)", async () => {
      const root = { username: `root-${kind.name}`, password: 'root root root root' };
      await createUser(server.storage.users, { ...root, isAdmin: true }, { now: Date.now(), newId: randomUUID });
      const admin = await signedInBrowser(server.app, root, '/admin');
      const fernId = randomUUID();
      const identity = linkedIdentity(fernId, 'google');
      const fernName = `fern-${kind.name}`;
      assert.equal(
        await server.storage.identities.createUserWithIdentity({ id: fernId, username: fernName, passwordHash: null, name: null, email: null, isAdmin: false, createdAt: Date.now() }, identity),
        'created',
      );
      const newHolder = await sessionBrowser(server, { id: fernId, sessionEpoch: 0 });
      assert.equal((await newHolder.get('/account')).statusCode, 200);

      const answer = await admin.post(`/admin/users/${fernName}/identities/${identity.id}/unlink`, { csrf: csrfOf(await admin.get('/admin/users')) });
      assert.equal(answer.statusCode, 303, answer.body);
      assert.deepEqual(await server.storage.identities.listIdentities(fernId), []);
      assert.equal((await newHolder.get('/account')).statusCode, 303, 'signed out');
      assert.equal((await admin.get('/admin/users')).statusCode, 200, 'the administrator stays signed in');
    });

    it("an administrator's unlink of their own identity keeps their own session", async () => {
      const root = { username: `boss-${kind.name}`, password: 'boss boss boss boss' };
      const user = await createUser(server.storage.users, { ...root, isAdmin: true }, { now: Date.now(), newId: randomUUID });
      const identity = linkedIdentity(user.id, 'gitlab');
      await server.storage.identities.linkIdentity(identity);
      const admin = await signedInBrowser(server.app, root, '/admin');
      const elsewhere = copyOf(server, admin);
      const answer = await admin.post(`/admin/users/${root.username}/identities/${identity.id}/unlink`, { csrf: csrfOf(await admin.get('/admin/users')) });
      assert.equal(answer.statusCode, 303, answer.body);
      assert.equal((await admin.get('/admin/users')).statusCode, 200);
      assert.notEqual((await elsewhere.get('/admin/users')).statusCode, 200);
    });
  });
});
