import assert from 'node:assert/strict';
import { fdatasync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { promisify } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { StorageUnavailableError } from '../../src/ports/storage.js';
import { guardSqlite, sqliteKysely } from '../../src/storage/sqlite.js';
import { createWalSync } from '../../src/storage/sqlite-wal-sync.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-wal-sync-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/**
 * A real fdatasync held at a gate: each sync waits until the test opens it, so the test sees who is answered
 * before and after which sync.
 */
function gatedSync() {
  const realSync = promisify(fdatasync);
  const started: { open: () => void }[] = [];
  let syncs = 0;
  return {
    started,
    get syncs() {
      return syncs;
    },
    syncFile: async (fd: number) => {
      syncs++;
      await new Promise<void>((open) => started.push({ open }));
      await realSync(fd);
    },
  };
}

/** A SQLite file in WAL mode at NORMAL, as openSqliteStorage opens it, with a Kysely whose commits wait for `walSync`. */
function database(syncFile: (fd: number) => Promise<void>) {
  const file = join(dir, `db-${++files}.sqlite`);
  const connection = new BetterSqlite3(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.exec('create table t (id integer primary key, v text)');
  const walSync = createWalSync(`${file}-wal`, { syncFile });
  const db = sqliteKysely(connection, { walSync });
  return { connection, db, walSync };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('SQLite commits synced off the event loop (synchronous = full)', () => {
  it('answers a write only after a sync that started after its commit, and lets reads through meanwhile', async () => {
    const gate = gatedSync();
    const { connection, db, walSync } = database(gate.syncFile);
    let written = false;
    const write = sql`insert into t (v) values ('a')`.execute(db).then(() => (written = true));
    while (gate.started.length === 0) await settle();
    assert.equal(written, false, 'the write is not answered while its sync is held');
    // The connection is free during the sync: a read (and the row it reads, committed) goes through.
    const { rows } = await sql<{ n: number }>`select count(*) as n from t`.execute(db);
    assert.deepEqual(rows, [{ n: 1 }]);
    assert.equal(written, false);
    gate.started[0]!.open();
    await write;
    assert.equal(written, true);
    assert.equal(gate.syncs, 1, 'a read costs no sync');
    await db.destroy();
    await walSync.close();
    connection.close();
  });

  it('answers the commits made during a sync together, by the one sync that starts after it', async () => {
    const gate = gatedSync();
    const { db, walSync } = database(gate.syncFile);
    const answered: string[] = [];
    const insert = (v: string) => sql`insert into t (v) values (${v})`.execute(db).then(() => answered.push(v));
    const first = insert('a');
    while (gate.started.length === 0) await settle();
    // Three more commits while the first sync is held: they are not covered by it.
    const later = [insert('b'), insert('c'), insert('d')];
    for (let i = 0; i < 5; i++) await settle();
    assert.equal(gate.started.length, 1, 'one sync runs at a time');
    gate.started[0]!.open();
    await first;
    for (let i = 0; i < 5; i++) await settle();
    assert.deepEqual(answered, ['a'], 'the commits made during the first sync wait for the next one');
    while (gate.started.length < 2) await settle();
    gate.started[1]!.open();
    await Promise.all(later);
    assert.deepEqual(answered.sort(), ['a', 'b', 'c', 'd']);
    assert.equal(gate.syncs, 2, 'four commits, two syncs');
    await db.destroy();
    await walSync.close();
  });

  it('syncs a transaction once, at its end, and a transaction that only reads not at all', async () => {
    const gate = gatedSync();
    const { db, walSync } = database(async (fd) => {
      gate.started.push({ open: () => undefined });
      await promisify(fdatasync)(fd);
    });
    await db.transaction().execute(async (trx) => {
      await sql`insert into t (v) values ('x')`.execute(trx);
      await sql`insert into t (v) values ('y')`.execute(trx);
    });
    assert.equal(gate.started.length, 1);
    await db.transaction().execute(async (trx) => sql`select * from t`.execute(trx));
    await sql`select * from t`.execute(db);
    assert.equal(gate.started.length, 1, 'reads cost no sync');
    await db.destroy();
    await walSync.close();
  });

  it('fails the commit as unavailable (503) when the WAL cannot be synced, and says so', async () => {
    const walSync = createWalSync(join(dir, 'no-such-dir', 'db-wal'));
    const failure = await guardSqlite(() => walSync.afterCommit()).then(() => undefined, (error: unknown) => error);
    assert.ok(failure instanceof StorageUnavailableError, String(failure));
    assert.match(String((failure.cause as Error).message), /could not be synced/);
    await walSync.close();
  });
});
