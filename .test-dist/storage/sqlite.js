import { chmodSync, closeSync, existsSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, SqliteDialect, sql } from "kysely";
import { InitialAccessTokenUnusableError } from "../ports/initial-access-tokens.js";
import { StorageUnavailableError } from "../ports/storage.js";
import { createClientRepository, spendInitialAccessToken, tokenUses, toRow } from "./sql/client-repository.js";
import { createServerSecretRepository, createSigningKeyRepository } from "./sql/key-repository.js";
import { createConsentRepository, createRevokedAccessTokenRepository } from "./sql/consent-repository.js";
import { createCodeRepository, createGrantRepository } from "./sql/grant-repository.js";
import { migrateToLatest } from "./sql/migrate.js";
import { createUserRepository } from "./sql/user-repository.js";
import { createReplayRepository } from "./sql/replay-repository.js";
import { createTransactionBatcher } from "./sql/transaction-batcher.js";
import { createPushedRequestRepository } from "./sql/pushed-request-repository.js";
import { createIdentityRepository } from "./sql/identity-repository.js";
import { addCounts, createAuditRepository } from "./sql/audit-repository.js";
import { createCleanupRepository } from "./sql/cleanup-repository.js";
import { createInitialAccessTokenRepository } from "./sql/initial-access-token-repository.js";
import { trackWriteHealth } from "./write-health.js";
import { createWalSync } from "./sqlite-wal-sync.js";
function openSqliteStorage(options) {
  const onDisk = options.file !== ":memory:";
  if (onDisk) restrictFiles(options.file, options.logger);
  const database = new BetterSqlite3(options.file);
  database.pragma("journal_mode = WAL");
  database.pragma("synchronous = NORMAL");
  database.pragma("busy_timeout = 5000");
  database.pragma("foreign_keys = ON");
  const walSync = onDisk && options.synchronous === "full" ? createWalSync(`${options.file}-wal`) : void 0;
  const writes = { pending: false };
  const db = sqliteKysely(database, { walSync, writes });
  const health = trackWriteHealth(guardSqlite, () => probeSqliteWrite(db));
  const guard = health.guard;
  const maxInFlight = walSync ? 2 : 1;
  const clients = createClientRepository(db, {
    maxInFlight,
    guard,
    insertRows: preparedInsert(database, db, writes)
  });
  const tokenWrites = createTransactionBatcher(db, guard, { maxBatch: 200, maxInFlight });
  const grants = createGrantRepository(db, guard, tokenWrites);
  return {
    dialect: "sqlite",
    clients,
    users: createUserRepository(db, guard, "sqlite"),
    identities: createIdentityRepository(db, guard, "sqlite"),
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
    migrate: () => migrateToLatest(db, "sqlite"),
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
      await db.destroy();
      await walSync?.close();
    }
  };
}
function restrictFiles(file, logger) {
  const directory = dirname(file);
  if (!existsSync(directory)) mkdirSync(directory, { recursive: true, mode: 448 });
  try {
    closeSync(openSync(file, "wx", 384));
  } catch (error) {
    if (error.code !== "EEXIST") throw error;
  }
  if (process.platform === "win32") return;
  for (const path of [file, `${file}-wal`, `${file}-shm`]) {
    let mode;
    try {
      mode = statSync(path).mode & 511;
    } catch {
      continue;
    }
    if ((mode & 63) === 0) continue;
    chmodSync(path, mode & 448);
    logger?.warn(
      { file: path, was: mode.toString(8).padStart(4, "0"), now: (mode & 448).toString(8).padStart(4, "0") },
      "The database file was readable by other users; its permissions are now restricted to its owner"
    );
  }
}
function preparedInsert(database, db, writes) {
  const template = toRow({
    clientId: "",
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 0,
    metadata: {},
    registrationSource: "dynamic",
    updatedAt: 0,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null
  });
  const columns = Object.keys(template);
  let insertAll;
  return async (items) => {
    if (!insertAll) {
      const insert = database.prepare(db.insertInto("clients").values(template).compile().sql);
      const spend = preparedSpend(database, db);
      insertAll = database.transaction((batch) => {
        for (const use of tokenUses(batch)) {
          if (spend(use) !== 1) throw new InitialAccessTokenUnusableError();
        }
        for (const { row } of batch) insert.run(columns.map((column) => row[column]));
      });
    }
    const run = insertAll;
    await db.connection().execute(async () => {
      writes.pending = true;
      run(items);
    });
  };
}
function preparedSpend(database, db) {
  const markers = { tokenDigest: "\0token-digest", now: -1.5, count: -2.5 };
  const compiled = spendInitialAccessToken(db, { tokenDigest: markers.tokenDigest, now: markers.now }, markers.count).compile();
  const pick = compiled.parameters.map((parameter) => {
    if (parameter === markers.tokenDigest) return (use) => use.tokenDigest;
    if (parameter === markers.now) return (use) => use.now;
    if (parameter === markers.count) return (use) => use.count;
    throw new Error(`unexpected parameter in the initial access token update: ${String(parameter)}`);
  });
  const statement = database.prepare(compiled.sql);
  return (use) => statement.run(pick.map((get) => get(use))).changes;
}
function preparedAuditInsert(database, db, writes) {
  let insertAll;
  return async (rows, counts) => {
    if (!insertAll) {
      const template = { id: "", at_ms: 0, type: "client.registered", client_id: null, user_id: null, actor: null, ip: null, data: "" };
      const columns = Object.keys(template);
      const insert = database.prepare(db.insertInto("audit_events").values(template).compile().sql);
      const add = database.prepare(addCounts(db, [{ key: "", hour_ms: 0, count: 0 }]).compile().sql);
      insertAll = database.transaction((batch, batchCounts) => {
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
const statementCacheSize = 256;
function withStatementCache(database, writes) {
  const statements = /* @__PURE__ */ new Map();
  return {
    close: () => database.close(),
    prepare(sql2) {
      let statement = statements.get(sql2);
      if (!statement) {
        if (statements.size >= statementCacheSize) statements.clear();
        statement = trackWrites(database.prepare(sql2), writes);
        statements.set(sql2, statement);
      }
      return statement;
    }
  };
}
function trackWrites(statement, writes) {
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
    }
  };
}
function sqliteKysely(database, options = {}) {
  const { walSync, writes = { pending: false } } = options;
  class DurableSqliteDialect extends SqliteDialect {
    createDriver() {
      const driver = super.createDriver();
      const rollback = driver.rollbackTransaction.bind(driver);
      driver.rollbackTransaction = async (connection) => {
        if (database.inTransaction) await rollback(connection);
      };
      if (walSync) {
        const release = driver.releaseConnection.bind(driver);
        driver.releaseConnection = async (connection) => {
          const wrote = writes.pending;
          writes.pending = false;
          await release(connection);
          if (wrote) await walSync.afterCommit();
        };
      }
      return driver;
    }
  }
  return new Kysely({ dialect: new DurableSqliteDialect({ database: withStatementCache(database, writes) }) });
}
async function probeSqliteWrite(db) {
  const { rows } = await sql`pragma user_version`.execute(db);
  await sql.raw(`pragma user_version = ${Math.trunc(Number(rows[0]?.user_version ?? 0))}`).execute(db);
}
const unavailableCodes = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|PROTOCOL|NOMEM)/;
async function guardSqlite(work) {
  try {
    return await work();
  } catch (error) {
    const code = error.code;
    if (typeof code === "string" && unavailableCodes.test(code)) {
      throw new StorageUnavailableError(`SQLite is unavailable (${code})`, { cause: error });
    }
    throw error;
  }
}
export {
  guardSqlite,
  openSqliteStorage,
  probeSqliteWrite,
  sqliteKysely
};
//# sourceMappingURL=sqlite.js.map
