import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { LinkedIdentity } from '../../src/ports/identities.js';
import type { Storage } from '../../src/ports/storage.js';
import type { UserRecord } from '../../src/ports/users.js';
import { authenticate, createUser } from '../../src/users/users.js';
import type { DatabaseKind } from '../support/databases.js';
import { unique, withFreshStorage } from '../support/storage.js';

/** The fastest of `runs` timings of `work`, in milliseconds. */
async function fastest(runs: number, work: () => Promise<unknown>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

/**
 * Upstream identities linked to users: (provider, subject) names one user, decided by the unique index under
 * concurrency; creating a user with their first identity is all or nothing; and users without a local password.
 */
export function storageIdentitiesContract(kind: DatabaseKind): void {
  let storage: Storage;
  withFreshStorage(kind, (opened) => {
    storage = opened;
  });

  const newUser = (overrides: Partial<UserRecord> = {}): Omit<UserRecord, 'sessionEpoch'> => ({
    id: unique('user'),
    username: unique('name'),
    passwordHash: null,
    name: null,
    email: null,
    isAdmin: false,
    createdAt: 1_767_225_600_000,
    ...overrides,
  });
  async function user(overrides: Partial<UserRecord> = {}): Promise<string> {
    const record = newUser(overrides);
    assert.equal(await storage.users.createUser(record), true);
    return record.id;
  }
  const identity = (userId: string, overrides: Partial<LinkedIdentity> = {}): LinkedIdentity => ({
    id: unique('identity'),
    userId,
    provider: 'google',
    subject: unique('sub'),
    email: 'person@example.com',
    displayName: 'Person ✓',
    createdAt: 1_767_225_600_000,
    lastSignedInAt: null,
    ...overrides,
  });

  it('links an identity and finds it unchanged by (provider, subject), and nothing for another pair', async () => {
    const linked = identity(await user(), { lastSignedInAt: 1_767_225_700_000 });
    assert.equal(await storage.identities.linkIdentity(linked), true);
    assert.deepEqual(await storage.identities.findIdentity(linked.provider, linked.subject), linked);
    assert.equal(await storage.identities.findIdentity('github', linked.subject), undefined, 'the same subject at another provider is another identity');
    assert.equal(await storage.identities.findIdentity(linked.provider, 'no-such-subject'), undefined);
  });

  it('refuses to link a (provider, subject) linked already, to anyone, and changes nothing', async () => {
    const first = identity(await user());
    assert.equal(await storage.identities.linkIdentity(first), true);
    const other = await user();
    assert.equal(await storage.identities.linkIdentity(identity(other, { provider: first.provider, subject: first.subject })), false);
    assert.equal(await storage.identities.linkIdentity({ ...first, id: unique('identity') }), false, 'nor twice to the same user');
    assert.deepEqual(await storage.identities.findIdentity(first.provider, first.subject), first);
    assert.deepEqual(await storage.identities.listIdentities(other), []);
  });

  it('lets exactly one of two concurrent links of one (provider, subject) win', async () => {
    const [alice, bob] = [await user(), await user()];
    const subject = unique('sub');
    const a = identity(alice, { subject });
    const b = identity(bob, { subject });
    const results = await Promise.all([storage.identities.linkIdentity(a), storage.identities.linkIdentity(b)]);
    assert.deepEqual([...results].sort(), [false, true]);
    const winner = results[0] ? a : b;
    assert.deepEqual(await storage.identities.findIdentity('google', subject), winner);
    assert.equal((await storage.identities.listIdentities(alice)).length + (await storage.identities.listIdentities(bob)).length, 1);
  });

  it('refuses to link an identity to a user that does not exist', async () => {
    const orphan = identity(unique('no-such-user'));
    await assert.rejects(storage.identities.linkIdentity(orphan));
    assert.equal(await storage.identities.findIdentity(orphan.provider, orphan.subject), undefined);
  });

  it("lists a user's identities by provider, then by when they were linked", async () => {
    const userId = await user();
    const later = identity(userId, { provider: 'google', createdAt: 3000 });
    const earlier = identity(userId, { provider: 'google', createdAt: 2000 });
    const github = identity(userId, { provider: 'github', createdAt: 5000, email: null, displayName: null });
    const host = identity(userId, { provider: 'host', createdAt: 1000 });
    for (const each of [later, host, github, earlier]) assert.equal(await storage.identities.linkIdentity(each), true);
    await storage.identities.linkIdentity(identity(await user()));
    assert.deepEqual(await storage.identities.listIdentities(userId), [github, earlier, later, host]);
    assert.deepEqual(await storage.identities.listIdentities(unique('no-such-user')), []);
  });

  it('lists the identities of many users at once, grouped by user, leaving out users without any', async () => {
    const [alice, bob, carol] = [await user(), await user(), await user()];
    const aliceGithub = identity(alice, { provider: 'github', createdAt: 9000 });
    const aliceGoogle = identity(alice, { provider: 'google', createdAt: 1000 });
    const bobGoogle = identity(bob);
    for (const each of [aliceGoogle, bobGoogle, aliceGithub]) await storage.identities.linkIdentity(each);
    // More ids than one statement takes (a dashboard of many users), with the users of interest past the first batch.
    const ids = [...Array.from({ length: 1200 }, () => unique('no-such-user')), carol, bob, alice, bob];
    const grouped = await storage.identities.listIdentitiesOf(ids);
    assert.deepEqual([...grouped.keys()].sort(), [alice, bob].sort());
    assert.deepEqual(grouped.get(alice), [aliceGithub, aliceGoogle]);
    assert.deepEqual(grouped.get(bob), [bobGoogle], 'a user listed twice is answered once');
    assert.equal(grouped.has(carol), false);
    assert.equal((await storage.identities.listIdentitiesOf([])).size, 0);
  });

  it("unlinks only the user's own identity, once; the pair can then be linked again", async () => {
    const [owner, stranger] = [await user(), await user()];
    const linked = identity(owner);
    await storage.identities.linkIdentity(linked);
    assert.equal(await storage.identities.unlinkIdentity(stranger, linked.id), false, "another user cannot unlink it");
    assert.deepEqual(await storage.identities.findIdentity(linked.provider, linked.subject), linked);
    assert.equal(await storage.identities.unlinkIdentity(owner, linked.id), true);
    assert.equal(await storage.identities.findIdentity(linked.provider, linked.subject), undefined);
    assert.equal(await storage.identities.unlinkIdentity(owner, linked.id), false);
    assert.equal(await storage.identities.linkIdentity(identity(stranger, { provider: linked.provider, subject: linked.subject })), true);
  });

  it('records a sign-in: the profile as sent now (null included) and when, on that identity only', async () => {
    const userId = await user();
    const signedIn = identity(userId);
    const untouched = identity(userId, { provider: 'github' });
    await storage.identities.linkIdentity(signedIn);
    await storage.identities.linkIdentity(untouched);
    await storage.identities.recordSignIn(signedIn.id, 1_767_300_000_000, { email: 'new@example.com', displayName: 'New Name' });
    assert.deepEqual(await storage.identities.findIdentity(signedIn.provider, signedIn.subject), {
      ...signedIn,
      email: 'new@example.com',
      displayName: 'New Name',
      lastSignedInAt: 1_767_300_000_000,
    });
    await storage.identities.recordSignIn(signedIn.id, 1_767_400_000_000, { email: null, displayName: null });
    assert.deepEqual(await storage.identities.findIdentity(signedIn.provider, signedIn.subject), {
      ...signedIn,
      email: null,
      displayName: null,
      lastSignedInAt: 1_767_400_000_000,
    });
    assert.deepEqual(await storage.identities.findIdentity(untouched.provider, untouched.subject), untouched);
  });

  it('creates a user with their first identity: both are stored', async () => {
    const record = newUser({ name: 'Dana', email: 'dana@example.com', isAdmin: true });
    const first = identity(record.id);
    assert.equal(await storage.identities.createUserWithIdentity(record, first), 'created');
    assert.deepEqual(await storage.users.findUserById(record.id), { ...record, sessionEpoch: 0 });
    assert.deepEqual(await storage.identities.findIdentity(first.provider, first.subject), first);
  });

  it('answers concurrent reads of users by id each with its own user (one query per batch on PostgreSQL), unknown ids with nothing', async () => {
    const records = [newUser({ name: 'Eve', email: 'eve@example.com' }), newUser({ name: 'Finn', email: null }), newUser({ name: 'Gus', email: 'gus@example.com', isAdmin: true })];
    for (const record of records) assert.equal(await storage.identities.createUserWithIdentity(record, identity(record.id)), 'created');
    const ids = [records[0]!.id, 'no-such-user', records[1]!.id, records[0]!.id, records[2]!.id, `${records[2]!.id}x`];
    const found = await Promise.all(ids.map((id) => storage.users.findUserById(id)));
    assert.deepEqual(found, [
      { ...records[0]!, sessionEpoch: 0 },
      undefined,
      { ...records[1]!, sessionEpoch: 0 },
      { ...records[0]!, sessionEpoch: 0 },
      { ...records[2]!, sessionEpoch: 0 },
      undefined,
    ]);
  });

  it('stores no identity when the username is taken (username_taken)', async () => {
    const existing = newUser();
    await storage.users.createUser(existing);
    const record = newUser({ username: existing.username });
    const refused = identity(record.id);
    assert.equal(await storage.identities.createUserWithIdentity(record, refused), 'username_taken');
    assert.equal(await storage.identities.findIdentity(refused.provider, refused.subject), undefined);
    assert.equal(await storage.users.findUserById(record.id), undefined);
    assert.deepEqual(await storage.identities.listIdentities(existing.id), []);
  });

  it('stores no user when the identity is linked already (identity_taken), and the username stays free', async () => {
    const owner = await user();
    const taken = identity(owner);
    await storage.identities.linkIdentity(taken);
    const record = newUser();
    assert.equal(await storage.identities.createUserWithIdentity(record, identity(record.id, { subject: taken.subject })), 'identity_taken');
    assert.equal(await storage.users.findUserById(record.id), undefined);
    assert.equal(await storage.users.findUserByUsername(record.username), undefined);
    assert.deepEqual(await storage.identities.findIdentity(taken.provider, taken.subject), taken);
    assert.equal(await storage.users.createUser(newUser({ username: record.username })), true, 'nothing of the refused user remains');
  });

  it('answers identity_taken rather than username_taken when both are taken', async () => {
    const existing = newUser();
    const linked = identity(existing.id);
    assert.equal(await storage.identities.createUserWithIdentity(existing, linked), 'created');
    const again = newUser({ username: existing.username });
    assert.equal(await storage.identities.createUserWithIdentity(again, identity(again.id, { subject: linked.subject })), 'identity_taken');
  });

  it('lets exactly one of two concurrent first sign-ins of one person create the user', async () => {
    const subject = unique('sub');
    const sameName = unique('name');
    for (const usernames of [[unique('name'), unique('name')], [sameName, sameName]]) {
      const subjectHere = `${subject}-${usernames[0] === usernames[1] ? 'same' : 'different'}`;
      const records = usernames.map((username) => newUser({ username }));
      const results = await Promise.all(records.map((record) => storage.identities.createUserWithIdentity(record, identity(record.id, { subject: subjectHere }))));
      assert.deepEqual([...results].sort(), ['created', 'identity_taken'], `usernames ${usernames[0] === usernames[1] ? 'equal' : 'distinct'}`);
      const winner = records[results.indexOf('created')]!;
      const loser = records[results.indexOf('identity_taken')]!;
      assert.equal((await storage.identities.findIdentity('google', subjectHere))?.userId, winner.id);
      assert.equal(await storage.users.findUserById(loser.id), undefined);
    }
  });

  it('lets exactly one of two concurrent creations of one username win; the loser leaves no identity', async () => {
    const username = unique('name');
    const records = [newUser({ username }), newUser({ username })];
    const identities = records.map((record) => identity(record.id));
    const results = await Promise.all(records.map((record, i) => storage.identities.createUserWithIdentity(record, identities[i]!)));
    assert.deepEqual([...results].sort(), ['created', 'username_taken']);
    const loser = results.indexOf('username_taken');
    assert.equal(await storage.identities.findIdentity('google', identities[loser]!.subject), undefined);
    assert.equal((await storage.users.findUserByUsername(username))?.id, records[1 - loser]!.id);
  });

  it('refuses an identity that does not belong to the user being created, storing nothing', async () => {
    const record = newUser();
    const stray = identity(unique('user'));
    await assert.rejects(storage.identities.createUserWithIdentity(record, stray));
    assert.equal(await storage.users.findUserById(record.id), undefined);
    assert.equal(await storage.identities.findIdentity(stray.provider, stray.subject), undefined);
  });

  it("deletes a user's identities with the user", async () => {
    const record = newUser();
    const first = identity(record.id);
    const second = identity(record.id, { provider: 'github' });
    await storage.identities.createUserWithIdentity(record, first);
    await storage.identities.linkIdentity(second);
    assert.equal(await storage.users.deleteUser(record.username), true);
    assert.equal(await storage.identities.findIdentity(first.provider, first.subject), undefined);
    assert.equal(await storage.identities.findIdentity(second.provider, second.subject), undefined);
    assert.deepEqual(await storage.identities.listIdentities(record.id), []);
  });

  it('keeps a user without a local password as null, whom no password signs in, until one is set', async () => {
    const record = newUser();
    await storage.users.createUser(record);
    assert.equal((await storage.users.findUserByUsername(record.username))?.passwordHash, null);
    assert.equal((await storage.users.findUserById(record.id))?.passwordHash, null);
    assert.equal((await storage.users.listUsers()).find((u) => u.id === record.id)?.passwordHash, null);
    for (const password of ['', 'any password at all']) assert.equal(await authenticate(storage.users, record.username, password), undefined);
    await storage.users.setPasswordHash(record.username, 'scrypt$set');
    assert.equal((await storage.users.findUserById(record.id))?.passwordHash, 'scrypt$set');
  });

  it('makes a user an administrator and back, that user only', async () => {
    const [one, other] = [newUser(), newUser()];
    await storage.users.createUser(one);
    await storage.users.createUser(other);
    await storage.users.setAdmin(one.id, true);
    assert.equal((await storage.users.findUserById(one.id))?.isAdmin, true);
    assert.equal((await storage.users.findUserById(other.id))?.isAdmin, false);
    await storage.users.setAdmin(one.id, false);
    assert.equal((await storage.users.findUserById(one.id))?.isAdmin, false);
  });

  it('spends a password check on a user without a password, so timing does not tell them from one with a password', async () => {
    const known = await createUser(storage.users, { username: unique('name'), password: 'a real password' }, { now: 1, newId: () => unique('user') });
    const passwordless = newUser();
    await storage.users.createUser(passwordless);
    const withPassword = await fastest(3, () => authenticate(storage.users, known.username, 'wrong password'));
    const without = await fastest(3, () => authenticate(storage.users, passwordless.username, 'wrong password'));
    // Without the dummy check a user without a password costs one lookup (~1 ms) against one scrypt (~100 ms).
    assert.ok(without > withPassword / 3, `without a password: ${without.toFixed(1)} ms, with one: ${withPassword.toFixed(1)} ms`);
  });
}
