import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliActor } from '../../src/operations/actor.js';
import { addUser, checkNewUsername, checkUserExists, removeUser, resetPassword } from '../../src/operations/users.js';
import { verifyPassword } from '../../src/users/password.js';
import { authenticate } from '../../src/users/users.js';
import { sampleClient } from '../storage/contract.js';
import { admin, operationFixture, refusal } from '../support/operations.js';

describe('operations: users', () => {
  const fixture = operationFixture();
  const ports = () => ({ users: fixture.storage.users, clock: fixture.clock, random: fixture.random, audit: fixture.audit });

  it('adds a user (username in lower case, password as a scrypt hash) and records user.created by the actor', async () => {
    const user = await addUser({ username: 'Carol', password: 'carol carol carol', isAdmin: true, name: ' Carol ', email: 'carol@example.com' }, ports(), admin);
    assert.equal(user.username, 'carol');
    assert.equal(user.name, 'Carol');
    assert.equal(user.createdAt, fixture.clock.now());
    const stored = await fixture.storage.users.findUserByUsername('carol');
    assert.deepEqual(stored, user);
    assert.equal(await verifyPassword('carol carol carol', stored?.passwordHash ?? ''), true);

    const events = (await fixture.recorded('user.created')).filter((event) => event.userId === user.id);
    assert.deepEqual(
      events.map((event) => ({ actor: event.actor, ip: event.ip, data: event.data })),
      [{ actor: 'admin:root', ip: '192.0.2.1', data: { username: 'carol', is_admin: true, provider: 'local' } }],
    );
    assert.ok(!JSON.stringify(events).includes('carol carol carol'), 'never the password');
  });

  it('refuses a bad username, password or email (invalid_input) and a taken name in any case (conflict), recording nothing', async () => {
    const before = (await fixture.recorded('user.created')).length;
    for (const [input, code, message] of [
      [{ username: 'bob smith', password: 'long enough password' }, 'invalid_input', /may only contain/],
      [{ username: 'bob', password: 'short' }, 'invalid_input', /at least 8 characters/],
      [{ username: 'bob', password: 'long enough password', email: 'not-an-address' }, 'invalid_input', /not valid/],
      [{ username: 'CAROL', password: 'long enough password' }, 'conflict', /"carol" already exists/],
    ] as const) {
      const error = await refusal(addUser(input, ports(), cliActor), code);
      assert.match(error.message, message);
    }
    assert.equal(await fixture.storage.users.findUserByUsername('bob'), undefined);
    assert.equal((await fixture.recorded('user.created')).length, before);
  });

  it('checks a new username before a password is asked for', async () => {
    await checkNewUsername('Dave', ports());
    await refusal(checkNewUsername('Carol', ports()), 'conflict');
    await refusal(checkNewUsername('', ports()), 'invalid_input');
  });

  it('resets a password (the old one stops working) and refuses an unknown user or a short password', async () => {
    await addUser({ username: 'erin', password: 'erin first password' }, ports(), cliActor);
    await resetPassword('ERIN', 'erin second password', ports(), cliActor);
    assert.ok(await authenticate(fixture.storage.users, 'erin', 'erin second password'));
    const [changed] = await fixture.recorded('user.password_changed');
    assert.deepEqual({ actor: changed?.actor, data: changed?.data }, { actor: 'cli', data: { username: 'erin' } });
    assert.equal(await authenticate(fixture.storage.users, 'erin', 'erin first password'), undefined);
    await refusal(resetPassword('nobody', 'some long password', ports(), cliActor), 'not_found');
    await refusal(resetPassword('erin', 'short', ports(), cliActor), 'invalid_input');
    await refusal(checkUserExists('nobody', ports()), 'not_found');
    assert.equal((await checkUserExists('Erin', ports())).username, 'erin');
  });

  it('removes a user with their grants and records user.removed with their id', async () => {
    const frank = await addUser({ username: 'frank', password: 'frank frank frank' }, ports(), cliActor);
    const client = sampleClient();
    await fixture.storage.clients.insertClient(client);
    await fixture.storage.grants.createGrant(
      { id: 'grant-frank', clientId: client.clientId, userId: frank.id, scope: 'mcp:tools', resource: null, authTime: 0, createdAt: 0, revokedAt: null },
      { tokenDigest: 'refresh-digest-frank', grantId: 'grant-frank', scope: 'mcp:tools', createdAt: 0, expiresAt: fixture.clock.now() + 86_400_000 },
      null,
    );

    const removed = await removeUser('Frank', ports(), cliActor);
    assert.equal(removed.id, frank.id);
    assert.equal(await fixture.storage.users.findUserByUsername('frank'), undefined);
    assert.equal(await fixture.storage.grants.findGrant('grant-frank'), undefined, 'the grant went with the user');
    const events = (await fixture.recorded('user.removed')).filter((event) => event.userId === frank.id);
    assert.deepEqual(events.map((event) => [event.actor, event.ip, event.data]), [['cli', null, { username: 'frank' }]]);
  });

  it('refuses to let an administrator remove their own account (refused), and an unknown user (not_found), recording nothing', async () => {
    await addUser({ username: 'root', password: 'root root root root', isAdmin: true }, ports(), cliActor);
    const before = (await fixture.recorded('user.removed')).length;
    const self = await refusal(removeUser('ROOT', ports(), admin), 'refused');
    assert.match(self.message, /cannot remove your own account/);
    assert.ok(await fixture.storage.users.findUserByUsername('root'));
    const unknown = await refusal(removeUser('nobody', ports(), admin), 'not_found');
    assert.equal(unknown.message, 'There is no user named "nobody".');
    assert.equal((await fixture.recorded('user.removed')).length, before);

    // The command line has no account of its own: it may remove any user, the last administrator too.
    await removeUser('root', ports(), cliActor);
    assert.equal(await fixture.storage.users.findUserByUsername('root'), undefined);
  });
});
