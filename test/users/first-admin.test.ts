import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ensureFirstAdmin } from '../../src/users/first-admin.js';
import { authenticate } from '../../src/users/users.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('first-run administrator', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ database: kind })));
    after(() => server.close());

    it('creates an administrator with a random password on an empty database, once, even when instances race', async () => {
      const results = await Promise.all([ensureFirstAdmin(server.storage.users, 1), ensureFirstAdmin(server.storage.users, 1)]);
      const created = results.filter((r) => r !== undefined);
      assert.equal(created.length, 1);
      const { username, password } = created[0]!;
      assert.equal(username, 'admin');
      assert.ok(password.length >= 24);
      const user = await authenticate(server.storage.users, username, password);
      assert.equal(user?.isAdmin, true);
      assert.equal(await ensureFirstAdmin(server.storage.users, 2), undefined, 'not again once there are users');
      assert.equal((await server.storage.users.listUsers()).length, 1);
    });
  });
});
