import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql, type Driver, type SqliteStatement } from 'kysely';
import type { Logger } from 'pino';
import type { KeyEncryption } from './key-encryption.js';
import { InitialAccessTokenUnusableError, type InitialAccessTokenUse } from '../ports/initial-access-tokens.js';
import { StorageUnavailableError, type Storage } from '../ports/storage.js';
import type { ClientRecord } from '../ports/clients.js';
import { createClientRepository, spendInitialAccessToken, tokenUses, toRow, type ClientRow, type PendingClientRow } from './sql/client-repository.js';
import { createServerSecretRepository, createSigningKeyRepository } from './sql/key-repository.js';
import { createConsentRepository, createRevokedAccessTokenRepository } from './sql/consent-repository.js';
import { createCodeRepository, createGrantRepository } from './sql/grant-repository.js';
import { migrateToLatest } from './sql/migrate.js';
import { createUserRepository } from './sql/user-repository.js';
import { createReplayRepository } from './sql/replay-repository.js';
import { createTransactionBatcher } from './sql/transaction-batcher.js';
import { createPushedRequestRepository } from './sql/pushed-request-repository.js';
import { createIdentityRepository } from './sql/identity-repository.js';
import { addCounts, createAuditRepository, type AuditCountRow, type AuditRow, type AuditWriter } from './sql/audit-repository.js';
import { createCleanupRepository } from './sql/cleanup-repository.js';
import { mergeStatement, searchIndexMergePages } from './sql/search-index-merges.js';
import { advanceSearchShards, searchShards, shardOf } from './sql/search-index-shards.js';
import { createInitialAccessTokenRepository } from './sql/initial-access-token-repository.js';
import type { Database } from './sql/schema.js';
import { trackWriteHealth } from './write-health.js';
import { createWalSync, type WalSync } from './sqlite-wal-sync.js';
import { startCheckpointer, type Checkpointer } from './sqlite-checkpointer.js';

export interface SqliteOptions {
  /** A file path, or `:memory:`. */
  file: string;
  /**
   * `full`: durable against power loss (each caller is answered once its commit is synced, off the event loop:
   * see {@link createWalSync}); `normal`: against a crash of the process only (WAL).
   */
  synchronous: 'full' | 'normal';
  /** Seals the private signing keys and the server secrets. */
  encryption: KeyEncryption;
  /** Told when the permissions of an existing database file were tightened. */
  logger?: Pick<Logger, 'warn'> | undefined;
}

/**
 * The connection's page cache: SQLite's own default, 2 MiB (negative: KiB). better-sqlite3 builds SQLite with 16 MiB
 * (`SQLITE_DEFAULT_CACHE_SIZE=-16000`), which a busy server fills within seconds: 14 MiB more resident memory, for
 * pages the operating system's file cache holds anyway (a page missed here costs a read from it, microseconds).
 * Measured: peak RSS 15 MiB lower under registration load; registration, refresh and code-exchange req/s and CPU per
 * request unchanged within the noise.
 * @see https://www.sqlite.org/pragma.html#pragma_cache_size
 */
const pageCacheSize = -2000;

/**
 * SQLite storage: one file in WAL mode, one connection. Writes are group-committed, so one fsync covers
 * every registration that arrived while the previous one ran; the fsync itself runs off the event loop
 * (see {@link createWalSync}).
 */
export function openSqliteStorage(options: SqliteOptions): Storage {
  const onDisk = options.file !== ':memory:';
  if (onDisk) restrictFiles(options.file, options.logger);
  const database = new BetterSqlite3(options.file);
  database.pragma('journal_mode = WAL');
  // Durable commits keep SQLite at NORMAL: the WAL sync that FULL would run inside COMMIT, on the event loop,
  // is run by walSync in the thread pool instead, before anyone is answered.
  database.pragma('synchronous = NORMAL');
  database.pragma('busy_timeout = 5000');
  database.pragma('foreign_keys = ON');
  database.pragma(`cache_size = ${pageCacheSize}`);
  const walSync = onDisk && options.synchronous === 'full' ? createWalSync(`${options.file}-wal`) : undefined;
  const writes: WriteTracker = { pending: false };
  let checkpointer: Checkpointer | undefined;
  const db = sqliteKysely(database, { walSync, writes, onWrite: () => checkpointer?.noteWrite() });
  if (onDisk) {
    // Checkpoints run in a worker thread, not inside the commit that crosses 1,000 pages (see startCheckpointer).
    database.pragma('wal_autocheckpoint = 0');
    checkpointer = startCheckpointer(options.file, {
      hold: (work) => db.connection().execute(work),
      onFailure: () => db.connection().execute(async () => void database.pragma('wal_autocheckpoint = 1000')),
      logger: options.logger,
    });
  }
  const health = trackWriteHealth(guardSqlite, () => probeSqliteWrite(db));
  // Every query goes through the tracked guard, so that a failing write is remembered for /readyz.
  const guard = health.guard;
  // Two batches in flight: one being synced (walSync) while the next commits; the connection itself takes one
  // at a time. Without a sync to wait for (NORMAL, :memory:) the second finds the first done.
  const maxInFlight = walSync ? 2 : 1;
  const clients = createClientRepository(db, {
    maxInFlight,
    guard,
    insertRows: preparedInsert(database, db, writes, options.logger),
  });
  // Token requests' writes (code redemption, refresh rotation) share commits, as registrations do (by default).
  const tokenWrites = createTransactionBatcher(db, guard, { maxBatch: 200, maxInFlight });
  const grants = createGrantRepository(db, guard, tokenWrites);
  return {
    dialect: 'sqlite',
    clients,
    users: createUserRepository(db, guard, 'sqlite'),
    identities: createIdentityRepository(db, guard, 'sqlite'),
    replays: createReplayRepository(db, guard, tokenWrites),
    pushedRequests: createPushedRequestRepository(db, guard),
    signingKeys: createSigningKeyRepository(db, guard, options.encryption),
    secrets: createServerSecretRepository(db, guard, options.encryption),
    codes: createCodeRepository(db, guard),
    grants,
    consents: createConsentRepository(db, guard),
    revokedAccessTokens: createRevokedAccessTokenRepository(db, guard),
    initialAccessTokens: createInitialAccessTokenRepository(db, guard),
    auditEvents: createAuditRepository(db, guard, preparedAuditInsert(database, db, writes)),
    cleanup: createCleanupRepository(db, guard),
    migrate: () => migrateToLatest(db, 'sqlite'),
    writable: () => health.writable(),
    ping: async () => {
      try {
        await sql`select 1`.execute(db);
        return true;
      } catch {
        return false;
      }
    },
    close: async () => {
      await clients.drain();
      await grants.drain();
      // The worker's connection closes first, so that the main one, the last, checkpoints and removes the WAL.
      await checkpointer?.close();
      await db.destroy();
      // Only now that no connection of this process holds SQLite's locks on the WAL index (see pendingFrames).
      checkpointer?.closeFiles();
      await walSync?.close();
    },
  };
}

/**
 * The database holds password hashes, token digests, the cookie secret and the private signing keys (sealed
 * only when a key-encryption key is set): only the server's own user may read it. A new directory is created
 * 0700 and a new file 0600, before SQLite opens it; SQLite gives the `-wal` and `-shm` files it creates the
 * main file's permissions. Existing files that others may read are tightened to the owner's bits, and said.
 */
function restrictFiles(file: string, logger: Pick<Logger, 'warn'> | undefined): void {
  const directory = dirname(file);
  if (!existsSync(directory)) mkdirSync(directory, { recursive: true, mode: 0o700 });
  try {
    closeSync(openSync(file, 'wx', 0o600));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  // Windows reports every file as readable by all and ignores chmod: nothing to tighten there.
  if (process.platform === 'win32') return;
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let mode: number;
    try {
      mode = statSync(path).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    chmodSync(path, mode & 0o700);
    logger?.warn(
      { file: path, was: mode.toString(8).padStart(4, '0'), now: (mode & 0o700).toString(8).padStart(4, '0') },
      'The database file was readable by other users; its permissions are now restricted to its owner',
    );
  }
}

/** The most rows one statement of {@link preparedInsert} inserts: one parameter per column, far below SQLite's limit of 32,766. */
const rowsPerInsert = 64;

/**
 * Group-committed inserts inside one transaction, as multi-row statements of up to {@link rowsPerInsert} rows,
 * each prepared once per row count (Kysely compiles its SQL) and kept. One statement per row cost twice the search
 * index's work: FTS5 writes what it has gathered as a segment of its own at every statement's savepoint, so the
 * triggers that index each row wrote a segment per registration, which the merges then had to fold together. A
 * batch of 20 rows, one statement each, cost 37 µs of CPU a row; one statement of 20, 22 µs (18 µs without the
 * index at all). The initial access tokens that registrations spend are counted in the same transaction, and the
 * search index's last shard, which new rows go to, merges its share for the batch (see `mergeSearchIndex`). When
 * the batch's rows have left the last shard's range, a new shard is opened for them after it, in a transaction of
 * its own (see `advanceSearchShards`; until then the last shard holds them).
 */
function preparedInsert(
  database: BetterSqlite3.Database,
  db: Kysely<Database>,
  writes: WriteTracker,
  logger: Pick<Logger, 'warn'> | undefined,
): (items: PendingClientRow[]) => Promise<void> {
  const template = toRow({
    clientId: '',
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 0,
    metadata: {} as ClientRecord['metadata'],
    registrationSource: 'dynamic',
    updatedAt: 0,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  });
  const columns = Object.keys(template) as (keyof ClientRow)[];
  // Prepared on first use: the tables exist only once migrations have run.
  let insertAll: ((items: PendingClientRow[]) => void) | undefined;
  let beyondLastShard: (() => boolean) | undefined;
  // The search index's shards (none before migration 0021: a test that stores rows as an older release did).
  let shards: readonly number[] = [];
  return async (items) => {
    if (!insertAll) {
      const inserts = new Map<number, BetterSqlite3.Statement>();
      const insertOf = (rows: number) =>
        inserts.get(rows) ?? inserts.set(rows, database.prepare(db.insertInto('clients').values(Array(rows).fill(template)).compile().sql)).get(rows)!;
      const spend = preparedSpend(database, db);
      shards = await searchShards(db);
      const merges = new Map<number, BetterSqlite3.Statement>();
      const mergeOf = (n: number) => merges.get(n) ?? merges.set(n, database.prepare(mergeStatement(n))).get(n)!;
      const largest = database.prepare('select max(rowid) as largest from clients').pluck();
      beyondLastShard = () => {
        const last = shards.at(-1);
        const rowid = largest.get() as number | null;
        return last !== undefined && rowid !== null && shardOf(rowid) > last;
      };
      insertAll = database.transaction((batch: PendingClientRow[]) => {
        for (const use of tokenUses(batch)) {
          if (spend(use) !== 1) throw new InitialAccessTokenUnusableError();
        }
        for (let start = 0; start < batch.length; start += rowsPerInsert) {
          const rows = batch.slice(start, start + rowsPerInsert);
          insertOf(rows.length).run(rows.flatMap(({ row }) => columns.map((column) => row[column])));
        }
        const last = shards.at(-1);
        if (last !== undefined) mergeOf(last).run(searchIndexMergePages(batch.length));
      });
    }
    // Through Kysely's connection lock: were a Kysely transaction open on this connection, better-sqlite3
    // would nest these inserts in it as a savepoint, and its rollback would lose registrations already answered.
    const run = insertAll;
    const beyond = beyondLastShard!;
    let advance = false;
    await db.connection().execute(async () => {
      writes.pending = true;
      run(items);
      advance = beyond();
    });
    if (advance) {
      // The registrations are committed: a failed advance must not fail them. The last shard holds any rowid
      // above its own, so searches stay right meanwhile, and the next batch tries again.
      const known = shards;
      try {
        shards = await db.transaction().execute((trx) => advanceSearchShards<Database>(trx, known));
      } catch (error) {
        logger?.warn({ err: error }, 'Could not open a new shard of the search index; the next registrations will try again');
        shards = await searchShards(db).catch(() => known);
      }
    }
  };
}

/**
 * {@link spendInitialAccessToken} as a prepared statement: compiled once by Kysely with marker values, whose
 * positions say where each argument goes. Answers how many rows it changed (1, or 0 when the token is unusable).
 */
function preparedSpend(database: BetterSqlite3.Database, db: Kysely<Database>): (use: InitialAccessTokenUse & { count: number }) => number {
  const markers = { tokenDigest: '\u0000token-digest', now: -1.5, count: -2.5 };
  const compiled = spendInitialAccessToken(db, { tokenDigest: markers.tokenDigest, now: markers.now }, markers.count).compile();
  const pick = compiled.parameters.map((parameter) => {
    if (parameter === markers.tokenDigest) return (use: InitialAccessTokenUse & { count: number }) => use.tokenDigest;
    if (parameter === markers.now) return (use: InitialAccessTokenUse & { count: number }) => use.now;
    if (parameter === markers.count) return (use: InitialAccessTokenUse & { count: number }) => use.count;
    throw new Error(`unexpected parameter in the initial access token update: ${String(parameter)}`);
  });
  const statement = database.prepare(compiled.sql);
  return (use) => statement.run(pick.map((get) => get(use))).changes;
}

/**
 * Audit events as one prepared insert run per row, and the batch's hourly counts as one prepared upsert run per
 * distinct counter, in one transaction, under Kysely's connection lock.
 */
function preparedAuditInsert(database: BetterSqlite3.Database, db: Kysely<Database>, writes: WriteTracker): AuditWriter {
  let insertAll: ((rows: AuditRow[], counts: AuditCountRow[]) => void) | undefined;
  return async (rows, counts) => {
    if (!insertAll) {
      const template: AuditRow = { id: '', at_ms: 0, type: 'client.registered', client_id: null, user_id: null, actor: null, ip: null, data: '' };
      const columns = Object.keys(template) as (keyof AuditRow)[];
      const insert = database.prepare(db.insertInto('audit_events').values(template).compile().sql);
      const add = database.prepare(addCounts(db, [{ key: '', hour_ms: 0, count: 0 }]).compile().sql);
      insertAll = database.transaction((batch: AuditRow[], batchCounts: AuditCountRow[]) => {
        for (const row of batch) insert.run(columns.map((column) => row[column]));
        for (const count of batchCounts) add.run(count.key, count.hour_ms, count.count);
      });
    }
    const run = insertAll;
    await db.connection().execute(async () => {
      writes.pending = true;
      run(rows, counts);
    });
  };
}

/** Distinct statements kept prepared; the hot queries number a few dozen, multi-row inserts add variants. */
const statementCacheSize = 256;

/**
 * Whether the connection's current holder has run a statement that may write. Kysely's driver lets one holder
 * at a time use the connection, so a flag is enough: set by each writing statement, read and cleared when the
 * holder releases the connection.
 */
export interface WriteTracker {
  pending: boolean;
}

/**
 * Kysely's SQLite driver prepares every statement anew on every query; preparing cost a fifth of a token
 * request. Queries are built from fixed shapes, so their SQL text repeats and the prepared statement can be
 * reused. (SQLite re-prepares a cached statement by itself if the schema changes.) Statements that may write
 * tell `writes` when they run. (COMMIT itself is "read-only" to SQLite: it is the statements before it that count.)
 */
function withStatementCache(database: BetterSqlite3.Database, writes: WriteTracker) {
  const statements = new Map<string, SqliteStatement>();
  return {
    close: () => database.close(),
    prepare(sql: string): SqliteStatement {
      let statement = statements.get(sql);
      if (!statement) {
        if (statements.size >= statementCacheSize) statements.clear();
        statement = trackWrites(database.prepare(sql), writes);
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

function trackWrites(statement: BetterSqlite3.Statement, writes: WriteTracker): SqliteStatement {
  if (statement.readonly) return statement;
  return {
    reader: statement.reader,
    all: (parameters) => {
      writes.pending = true;
      return statement.all(parameters);
    },
    run: (parameters) => {
      writes.pending = true;
      return statement.run(parameters);
    },
    iterate: (parameters) => {
      writes.pending = true;
      return statement.iterate(parameters);
    },
  };
}

/**
 * Kysely over a better-sqlite3 connection, with prepared statements cached, commits synced by `walSync` before
 * their callers go on (when given), `onWrite` told of every holder of the connection that wrote (the
 * checkpointer), and a rollback that is skipped when
 * SQLite has already rolled the transaction back by itself. It does so on some errors (SQLITE_FULL, IOERR,
 * NOMEM, BUSY), and Kysely's own ROLLBACK would then fail with "cannot rollback - no transaction is active",
 * replacing the error that says why (a full disk: 503, retry later) with one that says nothing (a 500).
 *
 * @see https://www.sqlite.org/lang_transaction.html ("Response To Errors Within A Transaction")
 */
export function sqliteKysely(
  database: BetterSqlite3.Database,
  options: { walSync?: WalSync | undefined; writes?: WriteTracker; onWrite?: () => void } = {},
): Kysely<Database> {
  const { walSync, writes = { pending: false }, onWrite } = options;
  class DurableSqliteDialect extends SqliteDialect {
    override createDriver(): Driver {
      const driver = super.createDriver();
      const rollback = driver.rollbackTransaction.bind(driver);
      driver.rollbackTransaction = async (connection) => {
        if (database.inTransaction) await rollback(connection);
      };
      if (walSync || onWrite) {
        // The connection is handed on first, then the holder that wrote waits for its sync: the next holder
        // commits while this one's commit is being synced.
        const release = driver.releaseConnection.bind(driver);
        driver.releaseConnection = async (connection) => {
          const wrote = writes.pending;
          writes.pending = false;
          await release(connection);
          if (!wrote) return;
          onWrite?.();
          await walSync?.afterCommit();
        };
      }
      return driver;
    }
  }
  return new Kysely<Database>({ dialect: new DurableSqliteDialect({ database: withStatementCache(database, writes) }) });
}

/**
 * A real, tiny write for readiness: the header's `user_version` written back unchanged is a commit like any other
 * (a WAL frame, an fsync), which fails with SQLITE_FULL or SQLITE_READONLY as the other writes do.
 */
export async function probeSqliteWrite(db: Kysely<Database>): Promise<void> {
  const { rows } = await sql<{ user_version: number }>`pragma user_version`.execute(db);
  await sql.raw(`pragma user_version = ${Math.trunc(Number(rows[0]?.user_version ?? 0))}`).execute(db);
}

/** SQLite result codes that mean the database cannot serve now (locked, disk full or failing), not a bad request. */
const unavailableCodes = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;

/** Turns SQLite's "cannot serve now" errors into {@link StorageUnavailableError}; anything else passes through. */
export async function guardSqlite<R>(work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && unavailableCodes.test(code)) {
      throw new StorageUnavailableError(`SQLite is unavailable (${code})`, { cause: error });
    }
    throw error;
  }
}
