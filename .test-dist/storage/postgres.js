import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import { InitialAccessTokenUnusableError } from "../ports/initial-access-tokens.js";
import { StorageUnavailableError } from "../ports/storage.js";
import { createClientRepository } from "./sql/client-repository.js";
import { createServerSecretRepository, createSigningKeyRepository } from "./sql/key-repository.js";
import { createConsentRepository, createRevokedAccessTokenRepository } from "./sql/consent-repository.js";
import { createCodeRepository, createGrantRepository } from "./sql/grant-repository.js";
import { migrateToLatest } from "./sql/migrate.js";
import { createTransactionBatcher } from "./sql/transaction-batcher.js";
import { createUserRepository } from "./sql/user-repository.js";
import { createReplayRepository } from "./sql/replay-repository.js";
import { createPushedRequestRepository } from "./sql/pushed-request-repository.js";
import { createIdentityRepository } from "./sql/identity-repository.js";
import { createAuditRepository } from "./sql/audit-repository.js";
import { createCleanupRepository } from "./sql/cleanup-repository.js";
import { createInitialAccessTokenRepository } from "./sql/initial-access-token-repository.js";
import { trackWriteHealth } from "./write-health.js";
import { SecretsAtRestError } from "./key-encryption.js";
const int8 = 20;
const types = {
  getTypeParser: ((oid, format) => oid === int8 ? (value) => Number(value) : pg.types.getTypeParser(oid, format))
};
function openPostgresStorage(options) {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: 5e3,
    types
  });
  pool.on("error", () => {
  });
  pool.on("connect", (client) => client.on("error", () => {
  }));
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const health = trackWriteHealth(guardPostgres, async () => void await sql`select txid_current()`.execute(db));
  const guard = health.guard;
  const clients = createClientRepository(db, { maxInFlight: Math.max(1, options.poolSize - 2), guard });
  const tokenWrites = createTransactionBatcher(db, guard, { maxBatch: 16, maxInFlight: Math.max(1, options.poolSize - 2) });
  const grants = createGrantRepository(db, guard, tokenWrites);
  return {
    dialect: "postgres",
    clients,
    users: createUserRepository(db, guard, "postgres"),
    identities: createIdentityRepository(db, guard, "postgres"),
    replays: createReplayRepository(db, guard, tokenWrites),
    pushedRequests: createPushedRequestRepository(db, guard),
    signingKeys: createSigningKeyRepository(db, guard, options.encryption),
    secrets: createServerSecretRepository(db, guard, options.encryption),
    codes: createCodeRepository(db, guard),
    grants,
    consents: createConsentRepository(db, guard),
    revokedAccessTokens: createRevokedAccessTokenRepository(db, guard),
    initialAccessTokens: createInitialAccessTokenRepository(db, guard),
    auditEvents: createAuditRepository(db, guard),
    cleanup: createCleanupRepository(db, guard),
    migrate: () => migrateToLatest(db, "postgres"),
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
    }
  };
}
function isUnavailable(error) {
  if (error instanceof InitialAccessTokenUnusableError || error instanceof SecretsAtRestError) return false;
  const code = error.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return /^(08|53|57)/.test(code);
  return true;
}
async function guardPostgres(work) {
  try {
    return await work();
  } catch (error) {
    if (isUnavailable(error)) throw new StorageUnavailableError("PostgreSQL is unavailable", { cause: error });
    throw error;
  }
}
export {
  openPostgresStorage
};
//# sourceMappingURL=postgres.js.map
