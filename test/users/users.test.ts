import assert from 'node:assert/strict';
import { randomBytes, randomUUID, scryptSync } from 'node:crypto';
import { before, describe, it } from 'node:test';
import type { Storage } from '../../src/ports/storage.js';
import { passwordNeedsRehash, verifyPassword } from '../../src/users/password.js';
import { UserError, authenticate, createUser, removeUser, setUserPassword, type UserErrorCode } from '../../src/users/users.js';
import { forEachDatabase } from '../support/databases.js';
import { withFreshStorage } from '../support/storage.js';

const now = Date.UTC(2026, 0, 1);
const deps = { now, newId: randomUUID };

/** Asserts that `promise` rejects with a {@link UserError} of `code`. */
async function rejectsWith(promise: Promise<unknown>, code: UserErrorCode, message?: RegExp): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (message) assert.match(error.message, message);
    return true;
  });
}

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

forEachDatabase(describe, (kind) => {
  let storage: Storage;
  withFreshStorage(kind, (opened) => {
    storage = opened;
  });

  describe('createUser', () => {
    it('stores the user under a lower-case username with a scrypt hash, never the password', async () => {
      const created = await createUser(
        storage.users,
        { username: 'Alice.Admin@Example', password: 'correct horse battery', isAdmin: true, name: ' Alice ', email: 'alice@example.com' },
        { now, newId: () => 'user-alice' },
      );
      const stored = await storage.users.findUserByUsername('alice.admin@example');
      assert.deepEqual(stored, created);
      assert.deepEqual({ ...stored, passwordHash: undefined }, {
        id: 'user-alice',
        username: 'alice.admin@example',
        passwordHash: undefined,
        name: 'Alice',
        email: 'alice@example.com',
        isAdmin: true,
        createdAt: now,
        sessionEpoch: 0,
      });
      const hash = stored?.passwordHash ?? '';
      assert.match(hash, /^scrypt\$32768\$8\$1\$/);
      assert.doesNotMatch(hash, /correct horse/);
      assert.equal(await verifyPassword('correct horse battery', hash), true);
    });

    it('makes a user without profile fields a non-admin with null name and email', async () => {
      const user = await createUser(storage.users, { username: 'plain', password: 'plain password', name: '   ' }, deps);
      assert.equal(user.isAdmin, false);
      assert.equal(user.name, null);
      assert.equal(user.email, null);
    });

    it('refuses a username that is taken, whatever its case (username_taken)', async () => {
      await createUser(storage.users, { username: 'bob', password: 'bob password' }, deps);
      await rejectsWith(createUser(storage.users, { username: 'BOB', password: 'other password' }, deps), 'username_taken', /"bob" already exists/);
      assert.equal((await storage.users.listUsers()).filter((u) => u.username === 'bob').length, 1);
    });

    it('lets exactly one of two concurrent creations of one username succeed', async () => {
      const results = await Promise.allSettled([
        createUser(storage.users, { username: 'racer', password: 'first password' }, deps),
        createUser(storage.users, { username: 'Racer', password: 'second password' }, deps),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const rejected = results.find((r) => r.status === 'rejected');
      assert.ok(rejected?.status === 'rejected' && rejected.reason instanceof UserError && rejected.reason.code === 'username_taken');
    });

    for (const [what, username] of [
      ['an empty username', ''],
      ['a username of 65 characters', 'a'.repeat(65)],
      ['a username with a space', 'a b'],
      ['a username with a non-ASCII look-alike letter', '\u0430lice'],
      ['a username with the throttle key separator', 'a|b'],
    ] as const) {
      it(`refuses ${what} (invalid_username) and stores nothing`, async () => {
        const before = (await storage.users.listUsers()).length;
        await rejectsWith(createUser(storage.users, { username, password: 'long enough password' }, deps), 'invalid_username');
        assert.equal((await storage.users.listUsers()).length, before);
      });
    }

    it('accepts a username of 64 characters', async () => {
      const user = await createUser(storage.users, { username: 'x'.repeat(64), password: 'long enough password' }, deps);
      assert.equal(user.username.length, 64);
    });

    it('refuses a short password (invalid_password) and stores nothing', async () => {
      await rejectsWith(createUser(storage.users, { username: 'shorty', password: 'short' }, deps), 'invalid_password', /at least 8/);
      assert.equal(await storage.users.findUserByUsername('shorty'), undefined);
    });

    it('refuses a malformed email address (invalid_profile)', async () => {
      await rejectsWith(createUser(storage.users, { username: 'mailer', password: 'long enough password', email: 'not an email' }, deps), 'invalid_profile');
      assert.equal(await storage.users.findUserByUsername('mailer'), undefined);
    });
  });

  describe('authenticate', () => {
    before(async () => {
      await createUser(storage.users, { username: 'carol', password: 'carol password' }, deps);
    });

    it('returns the user for the right password', async () => {
      const user = await authenticate(storage.users, 'carol', 'carol password');
      assert.equal(user?.username, 'carol');
    });

    it('finds the user whatever the case of the username typed', async () => {
      assert.equal((await authenticate(storage.users, 'CaRoL', 'carol password'))?.username, 'carol');
    });

    it('returns undefined for a wrong password', async () => {
      assert.equal(await authenticate(storage.users, 'carol', 'Carol password'), undefined);
    });

    it('returns undefined for an unknown or malformed username', async () => {
      assert.equal(await authenticate(storage.users, 'nobody', 'carol password'), undefined);
      assert.equal(await authenticate(storage.users, 'no body', 'carol password'), undefined);
    });

    it('spends a password check on an unknown username, so timing does not reveal which users exist', async () => {
      const known = await fastest(3, () => authenticate(storage.users, 'carol', 'wrong password'));
      const unknown = await fastest(3, () => authenticate(storage.users, 'nobody-at-all', 'wrong password'));
      // Without the dummy check an unknown user costs one lookup (~1 ms) against one scrypt (~100 ms).
      assert.ok(unknown > known / 3, `unknown user: ${unknown.toFixed(1)} ms, known user: ${known.toFixed(1)} ms`);
    });

    it('replaces a hash with old scrypt parameters by a current one when the password is right', async () => {
      const salt = randomBytes(16);
      const legacy = `scrypt$16384$8$1$${salt.toString('base64url')}$${scryptSync('legacy password', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
      await storage.users.createUser({ id: randomUUID(), username: 'legacy', passwordHash: legacy, name: null, email: null, isAdmin: false, createdAt: now });

      assert.equal(await authenticate(storage.users, 'legacy', 'wrong password'), undefined);
      assert.equal((await storage.users.findUserByUsername('legacy'))?.passwordHash, legacy, 'a wrong password changes nothing');

      const user = await authenticate(storage.users, 'legacy', 'legacy password');
      const stored = (await storage.users.findUserByUsername('legacy'))?.passwordHash ?? '';
      assert.notEqual(stored, legacy);
      assert.equal(passwordNeedsRehash(stored), false);
      assert.equal(user?.passwordHash, stored);
      assert.equal((await authenticate(storage.users, 'legacy', 'legacy password'))?.username, 'legacy');
    });
  });

  describe('setUserPassword and removeUser', () => {
    it('replaces the password: the new one signs in, the old one no longer does', async () => {
      await createUser(storage.users, { username: 'dave', password: 'old password' }, deps);
      await setUserPassword(storage.users, 'Dave', 'new password');
      assert.equal(await authenticate(storage.users, 'dave', 'old password'), undefined);
      assert.equal((await authenticate(storage.users, 'dave', 'new password'))?.username, 'dave');
    });

    it('refuses a short new password (invalid_password) and keeps the old one', async () => {
      await createUser(storage.users, { username: 'erin', password: 'erin password' }, deps);
      await rejectsWith(setUserPassword(storage.users, 'erin', 'short'), 'invalid_password');
      assert.equal((await authenticate(storage.users, 'erin', 'erin password'))?.username, 'erin');
    });

    it('refuses to set the password of an unknown user (unknown_user)', async () => {
      await rejectsWith(setUserPassword(storage.users, 'ghost', 'ghost password'), 'unknown_user', /"ghost"/);
    });

    it('removes a user, who can then no longer sign in', async () => {
      await createUser(storage.users, { username: 'frank', password: 'frank password' }, deps);
      await removeUser(storage.users, 'FRANK');
      assert.equal(await storage.users.findUserByUsername('frank'), undefined);
      assert.equal(await authenticate(storage.users, 'frank', 'frank password'), undefined);
    });

    it('refuses to remove an unknown user (unknown_user)', async () => {
      await rejectsWith(removeUser(storage.users, 'ghost'), 'unknown_user');
    });
  });
});
