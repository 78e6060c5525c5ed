import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql, type Kysely } from 'kysely';
import type { Database } from '../../src/storage/sql/schema.js';
import { checkpointPolicy, checkpointTrace, heldPassDue, pendingFrames, startCheckpointer, type Checkpointer } from '../../src/storage/sqlite-checkpointer.js';
import { openSqliteStorage, sqliteKysely } from '../../src/storage/sqlite.js';
import { createKeyEncryption } from '../../src/storage/key-encryption.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-checkpointer-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const MiB = 1024 * 1024;
const size = (file: string) => (existsSync(file) ? statSync(file).size : 0);

/** A SQLite file as openSqliteStorage opens it (WAL, NORMAL, automatic checkpoints off), with a checkpointer. */
function database(options: { driver?: string; frames?: number; maxDelayMs?: number; timeoutMs?: number } = {}) {
  const file = join(dir, `db-${++files}.sqlite`);
  const connection = new BetterSqlite3(file);
  connection.pragma('journal_mode = WAL');
  connection.pragma('synchronous = NORMAL');
  connection.pragma('wal_autocheckpoint = 0');
  connection.exec('create table t (id integer primary key, v blob)');
  const warnings: string[] = [];
  const late: { checkpointer?: Checkpointer } = {};
  const db: Kysely<Database> = sqliteKysely(connection, { onWrite: () => late.checkpointer?.noteWrite() });
  const checkpointer = startCheckpointer(file, {
    hold: (work) => db.connection().execute(work),
    onFailure: () => db.connection().execute(async () => void connection.pragma('wal_autocheckpoint = 1000')),
    logger: { warn: (_fields: object, message: string) => void warnings.push(message) } as never,
    policy: { frames: options.frames ?? 500, writes: 20, maxDelayMs: options.maxDelayMs ?? 50, timeoutMs: options.timeoutMs ?? 30_000, walFrames: 1500 },
    ...(options.driver ? { driver: options.driver } : {}),
  });
  late.checkpointer = checkpointer;
  return { file, connection, db, checkpointer, warnings };
}

/** Waits, up to 10 s, until `done()`. */
async function until(done: () => boolean) {
  const deadline = Date.now() + 10_000;
  while (!done() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
}

/**
 * `count` transactions of 100 KiB each, a few at a time, as a busy server's storage calls come: each few from an
 * event of their own (a request read from a socket), so that the worker's answers are heard in between.
 */
async function writeMuch(db: Kysely<Database>, count: number) {
  const row = () => sql`insert into t (v) values (randomblob(102400))`.execute(db);
  for (let n = 0; n < count; n += 4) {
    await Promise.all([row(), row(), row(), row()]);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('SQLite checkpoints in a worker thread', () => {
  it('copies the WAL into the database while the server writes, and keeps the WAL from growing without end', async () => {
    const { file, connection, db, checkpointer } = database();
    // The frames each pass found waiting as it started, with the main connection free or held.
    const passes: { phase: string; frames?: number }[] = [];
    const listen = (message: unknown) => void passes.push(message as { phase: string; frames?: number });
    checkpointTrace.subscribe(listen);
    // Writes go on while the worker starts (under the test's TypeScript loader, for up to a second); once it has:
    await writeMuch(db, 4);
    await until(() => checkpointer.stats.checkpoints > 0);
    await writeMuch(db, 400); // 40 MiB written
    await checkpointer.close();
    checkpointTrace.unsubscribe(listen);
    assert.ok(checkpointer.stats.checkpoints >= 3, `checkpoints: ${checkpointer.stats.checkpoints}`);
    // Frames are copied with the connection free, then held for what was written during the free passes (how many
    // of each depends on how fast this machine writes and copies: no ratio is asserted).
    const waiting = (phase: string) => passes.filter((pass) => pass.phase === phase).reduce((sum, pass) => sum + (pass.frames ?? 0), 0);
    assert.ok(waiting('free') > 0, 'copied with the main connection free');
    assert.ok(waiting('held') > 0, 'the WAL is started over after a held pass');
    assert.ok(checkpointer.stats.framesCopied * 4096 >= 30 * MiB, `frames copied: ${checkpointer.stats.framesCopied}`);
    // Without checkpoints (automatic ones are off) everything would still be in the WAL, and the file empty.
    assert.ok(size(file) >= 30 * MiB, `database file: ${size(file)}`);
    // What the WAL holds at the end is what was written since the last checkpoint started it over: a few MiB
    // mostly, 12.4 once under the whole suite's load. Without checkpoints it would hold all 40.
    assert.ok(size(`${file}-wal`) <= 24 * MiB, `the WAL starts over after each checkpoint (it is ${size(`${file}-wal`)} bytes)`);
    assert.equal((connection.prepare('select count(*) as n from t').get() as { n: number }).n, 404);
    await db.destroy();
    assert.equal(existsSync(`${file}-wal`), false, 'the main connection, closed last, removed the WAL');
  });

  it('holds the connection for what the free passes left only when it is little, or when the WAL has grown large', () => {
    const policy = { heldFrames: 200, walFrames: 8000 };
    assert.equal(heldPassDue(0, 0, policy), false, 'nothing left');
    assert.equal(heldPassDue(150, 3000, policy), true, 'a short hold starts the WAL over');
    assert.equal(heldPassDue(900, 3000, policy), false, 'a long hold is left to a later checkpoint while the WAL is small');
    assert.equal(heldPassDue(900, 8000, policy), true, 'not once the WAL has grown to its bound');
    assert.equal(heldPassDue(undefined, undefined, policy), true, 'the WAL index unread: held, as before');
    assert.equal(heldPassDue(900, undefined, policy), true);
    assert.ok(checkpointPolicy.walFrames > checkpointPolicy.frames, 'the WAL may outgrow one checkpoint’s frames before a hold');
  });

  it('checkpoints a few writes after a delay, not only after many', async () => {
    const { db, checkpointer } = database({ frames: 100_000, maxDelayMs: 20 });
    await writeMuch(db, 4);
    const deadline = Date.now() + 5000;
    while (checkpointer.stats.checkpoints === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    assert.equal(checkpointer.stats.checkpoints, 1);
    assert.ok(checkpointer.stats.framesCopied >= 4 * 25, `frames copied: ${checkpointer.stats.framesCopied}`);
    await checkpointer.close();
    await db.destroy();
  });

  it('puts checkpoints back on the main connection, and says so, when the worker cannot run', async () => {
    const { file, connection, db, checkpointer, warnings } = database({ driver: join(dir, 'no-such-driver.js') });
    await writeMuch(db, 400);
    await until(() => checkpointer.stats.failed);
    assert.equal(checkpointer.stats.failed, true);
    assert.deepEqual(warnings, ['SQLite checkpoints are back on the main thread: the checkpoint worker failed']);
    assert.equal(connection.pragma('wal_autocheckpoint', { simple: true }), 1000);
    // What was written while the worker was starting is in the WAL; from now on SQLite's own checkpoints start it
    // over: 10 MiB more written, and it grows by one transaction at most (the one whose commit checkpoints it).
    const before = size(`${file}-wal`);
    await writeMuch(db, 4);
    await writeMuch(db, 100);
    assert.ok(size(`${file}-wal`) <= Math.max(before, 12 * MiB) + MiB, `WAL: ${before} → ${size(`${file}-wal`)}`);
    assert.equal((connection.prepare('select count(*) as n from t').get() as { n: number }).n, 504);
    await checkpointer.close();
    await db.destroy();
  });

  it('gives up a worker whose checkpoint never answers, and frees the connection it held', async () => {
    // A driver whose checkpoint never returns: the worker thread is stuck in it.
    const driver = join(dir, 'stuck-driver.cjs');
    writeFileSync(driver, `module.exports = class { pragma(sql) { if (sql.startsWith('wal_checkpoint')) for (;;); } close() {} };`);
    const { file, connection, db, checkpointer, warnings } = database({ driver, timeoutMs: 300 });
    const started = Date.now();
    await writeMuch(db, 200);
    await until(() => checkpointer.stats.failed);
    assert.equal(checkpointer.stats.failed, true);
    assert.deepEqual(warnings, ['SQLite checkpoints are back on the main thread: the checkpoint worker failed']);
    assert.equal(connection.pragma('wal_autocheckpoint', { simple: true }), 1000);
    const before = size(`${file}-wal`);
    await writeMuch(db, 4);
    await writeMuch(db, 100);
    assert.ok(Date.now() - started < 20_000, 'the writes went on after the limit');
    assert.ok(size(`${file}-wal`) <= Math.max(before, 12 * MiB) + MiB, `WAL: ${before} → ${size(`${file}-wal`)}`);
    assert.equal((connection.prepare('select count(*) as n from t').get() as { n: number }).n, 304);
    await checkpointer.close();
    await db.destroy();
  });

  it('starts its worker before it holds the connection: storage calls do not wait for the thread to start', async () => {
    // A driver that takes a while to load (as a thread, the driver and the database may on a busy machine).
    const driver = join(dir, 'slow-driver.cjs');
    const real = createRequire(import.meta.url).resolve('better-sqlite3');
    writeFileSync(driver, `const until = Date.now() + 300; while (Date.now() < until); module.exports = require(${JSON.stringify(real)});`);
    const file = join(dir, `db-${++files}.sqlite`);
    const connection = new BetterSqlite3(file);
    connection.pragma('journal_mode = WAL');
    connection.pragma('wal_autocheckpoint = 0');
    connection.exec('create table t (id integer primary key, v blob)');
    const order: string[] = [];
    const late: { checkpointer?: Checkpointer } = {};
    const db: Kysely<Database> = sqliteKysely(connection, { onWrite: () => late.checkpointer?.noteWrite() });
    const checkpointer = startCheckpointer(file, {
      hold: (work) =>
        db.connection().execute(async () => {
          order.push('checkpoint');
          await work();
        }),
      onFailure: async () => undefined,
      driver,
      policy: { frames: 10, writes: 1, maxDelayMs: 50, timeoutMs: 30_000 },
    });
    late.checkpointer = checkpointer;
    await sql`insert into t (v) values (randomblob(102400))`.execute(db); // 25 pages: a checkpoint is due
    // A request's storage call right after: before, the checkpoint had already taken the connection, and the
    // call waited for the worker to start as well as for the checkpoint.
    await sql`select 1`.execute(db);
    order.push('request');
    await checkpointer.close();
    // Nothing written after the first pass, which ran with the connection free: no held pass was needed.
    assert.deepEqual(order, ['request']);
    assert.equal(checkpointer.stats.checkpoints, 1);
    assert.equal(checkpointer.stats.failed, false);
    await db.destroy();
    checkpointer.closeFiles();
  });

  it('runs in the storage of a database file, whose close leaves no WAL behind', async () => {
    const file = join(dir, `storage-${++files}.sqlite`);
    const storage = openSqliteStorage({ file, synchronous: 'full', encryption: createKeyEncryption(undefined) });
    await storage.migrate();
    // The migrations' pages reach the database file within the checkpoint delay, with the storage open: SQLite's
    // own checkpoint (off) would have waited for 1,000 pages of WAL.
    const deadline = Date.now() + 5000;
    while (size(file) === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.ok(size(file) > 0, 'checkpointed while open');
    await storage.close();
    assert.equal(existsSync(`${file}-wal`), false);
  });

  /** The POSIX locks this process holds on `file` (Linux: /proc/locks lists them by pid and inode). */
  const locksHeld = (file: string) => {
    const inode = `:${statSync(file).ino} `;
    return readFileSync('/proc/locks', 'utf8')
      .split('\n')
      .filter((line) => line.includes(' POSIX ') && line.split(/\s+/).includes(String(process.pid)) && line.includes(inode)).length;
  };

  it('keeps its descriptor on the WAL index until the main connection is closed, so that SQLite keeps its locks on it', { skip: !existsSync('/proc/locks') && 'no /proc/locks here' }, async () => {
    const { file, db, checkpointer } = database();
    await writeMuch(db, 20); // the WAL index read after each write
    const shm = `${file}-shm`;
    assert.ok(locksHeld(shm) >= 1, 'the open connection holds a lock on the WAL index');
    await checkpointer.close();
    // Closing any descriptor of the file would drop every lock of the process on it, the main connection's too.
    assert.ok(locksHeld(shm) >= 1, 'the main connection still holds its lock on the WAL index');
    await db.destroy();
    checkpointer.closeFiles();
  });

  it('reads the frames waiting to be checkpointed from the WAL index, and nothing from a file that is not one', () => {
    const file = join(dir, `frames-${++files}.sqlite`);
    const connection = new BetterSqlite3(file);
    connection.pragma('journal_mode = WAL');
    connection.pragma('wal_autocheckpoint = 0');
    connection.exec('create table t (v blob)');
    const frames = pendingFrames(`${file}-shm`);
    try {
      const before = frames.read()!;
      connection.prepare('insert into t (v) values (randomblob(409600))').run(); // 100 pages of 4 KiB
      const after = frames.read()!;
      assert.ok(after - before >= 100 && after - before <= 110, `${before} → ${after}`);
      assert.equal(frames.total(), after, 'nothing copied yet: every frame of the WAL waits');
      connection.pragma('wal_checkpoint(PASSIVE)');
      assert.equal(frames.read(), 0);
      assert.equal(frames.total(), after, 'copied, still in the WAL until a write starts it over');
    } finally {
      frames.close();
      connection.close();
    }
    const notAnIndex = pendingFrames(file);
    assert.equal(notAnIndex.read(), undefined, 'the database file itself is no WAL index');
    assert.equal(notAnIndex.total(), undefined);
    notAnIndex.close();
    assert.equal(pendingFrames(join(dir, 'missing-shm')).read(), undefined);
  });

  it('never keeps the process alive by itself: a storage left open lets the process exit after a checkpoint', () => {
    const file = join(dir, `left-open-${++files}.sqlite`);
    const script = `
      const { openStorage } = await import(${JSON.stringify(new URL('../../src/storage/open-storage.ts', import.meta.url).href)});
      const storage = await openStorage({ url: 'sqlite:${file}', sqliteSynchronous: 'full', poolSize: 1 });
      await storage.migrate();
      await new Promise((resolve) => setTimeout(resolve, 1500)); // past the checkpoint delay: the worker has run
      console.log(JSON.stringify(process.getActiveResourcesInfo()));`;
    const started = Date.now();
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 20_000 });
    assert.equal(result.status, 0, result.stderr);
    // Only the child's own stdout and stderr pipes are left; before, the worker's port was there too.
    const resources = (JSON.parse(result.stdout.trim()) as string[]).filter((resource) => resource !== 'PipeWrap');
    assert.deepEqual(resources, [], 'nothing of the storage holds the event loop');
    assert.ok(Date.now() - started < 15_000);
    assert.ok(size(file) > 0, 'the checkpoint ran (the migrations reached the database file)');
  });
});
