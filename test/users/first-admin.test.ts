import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { announceFirstAdmin, ensureFirstAdmin } from '../../src/users/first-admin.js';
import { capturingLogger } from '../support/log-capture.js';
import { authenticate } from '../../src/users/users.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('first-run administrator', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ database: kind })));
    after(() => server.close());

    it('creates an administrator with a random password on an empty database, once, even when instances race', async () => {
      const results = await Promise.all([ensureFirstAdmin(server.storage.users, 1, { localPasswords: true }), ensureFirstAdmin(server.storage.users, 1, { localPasswords: true })]);
      const created = results.filter((r) => r !== undefined);
      assert.equal(created.length, 1);
      const { username, password } = created[0]!;
      assert.equal(username, 'admin');
      assert.ok(password.length >= 24);
      const user = await authenticate(server.storage.users, username, password);
      assert.equal(user?.isAdmin, true);
      assert.equal(await ensureFirstAdmin(server.storage.users, 2, { localPasswords: true }), undefined, 'not again once there are users');
      assert.equal((await server.storage.users.listUsers()).length, 1);
    });
  });

  describe('first-run administrator with local passwords off', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ database: kind })));
    after(() => server.close());

    it('creates nobody: a password nobody may use would be a dead account, and identity.admins names the first administrator', async () => {
      assert.equal(await ensureFirstAdmin(server.storage.users, 1, { localPasswords: false }), undefined);
      assert.deepEqual(await server.storage.users.listUsers(), []);
    });
  });
});

describe('first-run administrator announcement', () => {
  const admin = { username: 'admin', password: 'Zq3-random-first-password-xyz' };
  const stream = (isTTY: boolean) => {
    const written: string[] = [];
    return { written, isTTY, write: (text: string) => written.push(text) };
  };

  it('prints the password on a terminal, and logs nothing', () => {
    const stderr = stream(true);
    const log = capturingLogger('info');
    announceFirstAdmin(admin, stderr, log.logger);
    assert.match(stderr.written.join(''), /created the administrator "admin" with the password Zq3-random-first-password-xyz/);
    assert.deepEqual(log.lines, []);
  });

  it('on a stderr that is not a terminal, prints and logs (warn) how to set a password, never the password', () => {
    for (const isTTY of [false, undefined]) {
      const stderr = { ...stream(false), isTTY };
      const log = capturingLogger('info');
      announceFirstAdmin(admin, stderr, log.logger);
      const printed = stderr.written.join('');
      assert.match(printed, /Set one with: npx latchkey users set-password admin/);
      assert.ok(!printed.includes(admin.password), 'the password is not printed');
      assert.equal(log.lines.length, 1);
      assert.equal(log.lines[0]!.level, 40);
      assert.match(String(log.lines[0]!.msg), /latchkey users set-password admin/);
      assert.ok(!JSON.stringify(log.lines).includes(admin.password), 'the password is not logged');
    }
  });
});
