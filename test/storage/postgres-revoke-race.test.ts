import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { createUser } from '../../src/users/users.js';
import { postgresKind, postgresUrl, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

/**
 * A race only PostgreSQL can have (SQLite runs one writer at a time): a user cuts an app off while the app is
 * redeeming a code. The redemption is held open mid-transaction with a raw connection, exactly where
 * `redeemCode` would be, and the revocation must still leave no live grant behind.
 */
describe('PostgreSQL: revoking a connected app during a code redemption', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let database: TestDatabase;
  let storage: Storage;
  const now = Date.UTC(2026, 0, 1);

  before(async () => {
    database = await postgresKind.create({ migrated: true });
    storage = await openStorage(loadConfig({ env: {}, overrides: { 'database.url': database.url } }).database);
    await storage.migrate();
    await createUser(storage.users, { username: 'bob', password: 'correct horse battery' }, { now, newId: () => 'user-bob' });
    await storage.clients.insertClient(sampleClient({ clientId: 'client-x' }));
  });
  after(async () => {
    await storage.close();
    await database.cleanup();
  });

  it('revokes the grant of a redemption that commits while the revocation waits', async () => {
    await storage.consents.saveConsent('user-bob', 'client-x', { scope: 'mcp', resources: {}, clientFingerprint: '' }, now);
    await storage.codes.insertCode({ codeDigest: 'code-1', clientId: 'client-x', userId: 'user-bob', redirectUri: 'https://a.example/cb', codeChallenge: 'c', scope: 'mcp', resource: null, nonce: null, authTime: now, expiresAt: now + 60_000 });
    const redemption = new pg.Client({ connectionString: database.url });
    await redemption.connect();
    try {
      // What redeemCode does, up to its commit: the code is taken and the grant with its refresh token written.
      await redemption.query('BEGIN');
      const taken = await redemption.query(`UPDATE authorization_codes SET used_ms = $1, grant_id = 'grant-new' WHERE code_digest = 'code-1' AND used_ms IS NULL`, [now]);
      assert.equal(taken.rowCount, 1);
      await redemption.query(`INSERT INTO grants (id, client_id, user_id, scope, resource, auth_time_ms, created_ms, revoked_ms) VALUES ('grant-new', 'client-x', 'user-bob', 'mcp', NULL, $1, $1, NULL)`, [now]);
      await redemption.query(`INSERT INTO refresh_tokens (token_digest, grant_id, scope, created_ms, expires_ms, used_ms) VALUES ('rt-1', 'grant-new', 'mcp', $1, $2, NULL)`, [now, now + 86_400_000]);

      const revoking = storage.consents.revokeConnectedApp('user-bob', 'client-x', now + 1);
      await new Promise((resolve) => setTimeout(resolve, 300));
      await redemption.query('COMMIT');
      assert.deepEqual(await revoking, { grantsRevoked: 1 }, 'the grant the redemption created is revoked too');
    } finally {
      await redemption.end();
    }
    assert.equal((await storage.grants.findGrant('grant-new'))?.revokedAt, now + 1);
    assert.equal(await storage.consents.findConsent('user-bob', 'client-x'), undefined);
  });
});
