import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { StorageUnavailableError } from '../../src/ports/storage.js';
import { guardSqlite, probeSqliteWrite, sqliteKysely } from '../../src/storage/sqlite.js';
import { trackWriteHealth } from '../../src/storage/write-health.js';

/**
 * A full database, with SQLite's `max_page_count` as the stand-in for a full disk: both make a write fail with
 * SQLITE_FULL, after which SQLite rolls the transaction back by itself (the real disk is in test/http/disk-full).
 */
describe('SQLite: a write that finds the database full', () => {
  function fullDatabase() {
    const database = new BetterSqlite3(':memory:');
    const db = sqliteKysely(database);
    database.exec('create table filler (id integer primary key, v blob)');
    database.pragma('max_page_count = 30');
    return { database, db };
  }

  it('rejects with SQLITE_FULL as StorageUnavailableError (503), not "cannot rollback" (500), and leaves nothing half-written', async () => {
    const { database, db } = fullDatabase();
    const write = () =>
      guardSqlite(() =>
        db.transaction().execute(async (trx) => {
          for (let i = 0; i < 100; i++) await sql`insert into filler (v) values (${Buffer.alloc(4000)})`.execute(trx);
        }),
      );
    const error = await write().then(() => undefined, (rejection: unknown) => rejection);
    assert.ok(error instanceof StorageUnavailableError, `got ${String(error)}`);
    assert.equal((error.cause as { code?: string }).code, 'SQLITE_FULL');
    assert.equal(database.inTransaction, false, 'SQLite rolled back by itself');
    assert.deepEqual(database.prepare('select count(*) as n from filler').get(), { n: 0 }, 'nothing of the transaction was kept');
    database.pragma('max_page_count = 100000');
    await write();
    assert.deepEqual(database.prepare('select count(*) as n from filler').get(), { n: 100 }, 'the connection works once there is room');
    await db.destroy();
  });

  it('probes writes for readiness with a real commit', async () => {
    const { db } = fullDatabase();
    await probeSqliteWrite(db);
    await sql`pragma user_version = 7`.execute(db);
    await probeSqliteWrite(db);
    const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(db);
    assert.equal(rows[0]?.user_version, 7, 'the probe writes the value back unchanged');
    await db.destroy();
  });
});

describe('write health (for /readyz)', () => {
  it('is writable until a guarded call fails as unavailable, then only once a probe write succeeds', async () => {
    let probeWorks = false;
    const health = trackWriteHealth(guardSqlite, async () => {
      if (!probeWorks) throw Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' });
    });
    assert.equal(await health.writable(), true);
    await assert.rejects(health.guard(async () => Promise.reject(new Error('a bug, not an outage'))), /a bug/);
    assert.equal(await health.writable(), true, 'other errors do not make the database unwritable');
    await assert.rejects(health.guard(async () => Promise.reject(Object.assign(new Error('full'), { code: 'SQLITE_FULL' }))), StorageUnavailableError);
    assert.equal(await health.writable(), false);
    assert.equal(await health.writable(), false, 'still failing: each check probes again');
    probeWorks = true;
    assert.equal(await health.writable(), true, 'ready again once a write works, without any traffic');
    assert.equal(await health.guard(async () => 'ok'), 'ok');
  });
});
