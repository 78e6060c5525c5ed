import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { InitialAccessTokenUnusableError } from '../ports/initial-access-tokens.js';
import { StorageUnavailableError, type Storage } from '../ports/storage.js';
import { createClientRepository } from './sql/client-repository.js';
import { createServerSecretRepository, createSigningKeyRepository } from './sql/key-repository.js';
import { createConsentRepository, createRevokedAccessTokenRepository } from './sql/consent-repository.js';
import { createCodeRepository, createGrantRepository } from './sql/grant-repository.js';
import { migrateToLatest } from './sql/migrate.js';
import { createTransactionBatcher } from './sql/transaction-batcher.js';
import { createUserRepository } from './sql/user-repository.js';
import { createReplayRepository } from './sql/replay-repository.js';
import { createPushedRequestRepository } from './sql/pushed-request-repository.js';
import { createIdentityRepository } from './sql/identity-repository.js';
import { createAuditRepository } from './sql/audit-repository.js';
import { createCleanupRepository } from './sql/cleanup-repository.js';
import { createInitialAccessTokenRepository } from './sql/initial-access-token-repository.js';
import type { Database } from './sql/schema.js';
import { trackWriteHealth } from './write-health.js';
import { SecretsAtRestError, type KeyEncryption } from './key-encryption.js';

export interface PostgresOptions {
  connectionString: string;
  poolSize: number;
  /** Seals the private signing keys and the server secrets. */
  encryption: KeyEncryption;
}

/** `bigint` columns hold times in seconds or milliseconds, well inside the safe integer range. */
const int8 = 20;
const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === int8 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * PostgreSQL storage: all state in the database, so any number of instances can share it. Inserts are
 * group-committed as multi-row statements, several batches in flight at once.
 */
export function openPostgresStorage(options: PostgresOptions): Storage {
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.poolSize,
    connectionTimeoutMillis: 5000,
    types,
  });
  // An idle client losing its connection (a database restart) must not crash the process.
  pool.on('error', () => {});
  // Nor may a checked-out client that loses it between queries (a database stopping under load): pg emits that
  // 'error' on the client, where the pool listens only while the client is idle. The next query on it fails
  // (and becomes a 503), and the pool discards it on release because it is no longer queryable.
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  // A transaction id is assigned and committed: a write to the WAL, refused on a read-only (standby) server.
  const health = trackWriteHealth(guardPostgres, async () => void (await sql`select txid_current()`.execute(db)));
  // Every query goes through the tracked guard, so that a failing write is remembered for /readyz.
  const guard = health.guard;
  const clients = createClientRepository(db, { maxInFlight: Math.max(1, options.poolSize - 2), guard });
  // Token requests' writes (code redemption, refresh rotation) share commits, as registrations do.
  const tokenWrites = createTransactionBatcher(db, guard, { maxBatch: 16, maxInFlight: Math.max(1, options.poolSize - 2) });
  // Code, refresh token and user lookups, code redemptions and common rotations: a batch is one statement,
  // several batches of each in flight.
  const tokenStatements = { maxBatch: 64, maxInFlight: Math.max(1, Math.floor(options.poolSize / 2) - 1) };
  const grants = createGrantRepository(db, guard, tokenWrites, tokenStatements);
  return {
    dialect: 'postgres',
    clients,
    users: createUserRepository(db, guard, 'postgres', tokenStatements),
    identities: createIdentityRepository(db, guard, 'postgres'),
    replays: createReplayRepository(db, guard, tokenWrites),
    pushedRequests: createPushedRequestRepository(db, guard),
    signingKeys: createSigningKeyRepository(db, guard, options.encryption),
    secrets: createServerSecretRepository(db, guard, options.encryption),
    codes: createCodeRepository(db, guard, tokenStatements),
    grants,
    consents: createConsentRepository(db, guard),
    revokedAccessTokens: createRevokedAccessTokenRepository(db, guard),
    initialAccessTokens: createInitialAccessTokenRepository(db, guard),
    auditEvents: createAuditRepository(db, guard),
    cleanup: createCleanupRepository(db, guard),
    migrate: () => migrateToLatest(db, 'postgres'),
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
    },
  };
}

/**
 * SQLSTATE classes that mean the database cannot serve now: 08 connection exception, 53 insufficient
 * resources, 57 operator intervention (shutdown, restart). An error without a SQLSTATE comes from the driver
 * or the network (refused, reset, timed out), which also means unavailable.
 */
function isUnavailable(error: unknown): boolean {
  if (error instanceof InitialAccessTokenUnusableError || error instanceof SecretsAtRestError) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return /^(08|53|57)/.test(code);
  return true;
}

async function guardPostgres<R>(work: () => Promise<R>): Promise<R> {
  try {
    return await work();
  } catch (error) {
    if (isUnavailable(error)) throw new StorageUnavailableError('PostgreSQL is unavailable', { cause: error });
    throw error;
  }
}
