import type { Logger } from 'pino';
import pino from 'pino';
import { createClientResolver } from './protocol/cimd/client-resolver.js';
import { createClientKeyResolver, type ClientKeyResolver } from './protocol/client-keys.js';
import { startCleanupSchedule, type CleanupSchedule } from './cleanup/cleanup-schedule.js';
import { createUsageTracker, type UsageTracker } from './cleanup/usage-tracker.js';
import { sweepRetention } from './cleanup/retention.js';
import type { Config } from './config/defaults.js';
import { ConfigError } from './config/load.js';
import { createKeyManager, type KeyManager } from './keys/key-manager.js';
import { createStatementKeyResolver, type StatementKeyResolver } from './keys/statement-keys.js';
import { createEnterpriseKeyResolver, type EnterpriseKeyResolver } from './keys/enterprise-keys.js';
import { createTokenSigner } from './keys/token-signer.js';
import { createDpopNonces, type DpopNonces } from './protocol/dpop/dpop-nonces.js';
import { refreshTokenSeal, type RefreshTokenSeal } from './protocol/token/refresh-token-key.js';
import { createTokenVerifier } from './keys/token-verifier.js';
import { createSessions, type Sessions } from './http/session.js';
import { createAuditTrail, type BackgroundAuditTrail } from './observability/audit-trail.js';
import { createLogger, withRedaction } from './observability/logger.js';
import { createMetrics, type Metrics } from './observability/metrics.js';
import { cleanUpClients } from './cleanup/clean-up-clients.js';
import type { AuditTrail } from './ports/audit-trail.js';
import type { Clock, RandomSource } from './ports/clock.js';
import type { TokenSigner, TokenVerifier } from './ports/token-signing.js';
import type { RateLimiter } from './rate-limit/limiter.js';
import type { LimiterName } from './observability/metrics.js';
import { createRateLimiters } from './rate-limit/limiters.js';
import { createLoginThrottle, type LoginThrottle } from './rate-limit/login-throttle.js';
import { cacheInitialAccessTokenLookups } from './protocol/registration/initial-access-token-cache.js';
import { hasKeyEncryptionKey, keyEncryptionFrom } from './storage/key-encryption.js';
import { openStorage, parseDatabaseUrl } from './storage/open-storage.js';
import { backUpSqlite, type BackupSummary } from './storage/sqlite-backup.js';
import { cacheClientLookups } from './storage/client-cache.js';
import { fetchDocument } from './outbound/fetch-document.js';
import type { ClientStore } from './ports/clients.js';
import type { HostAuthentication } from './http/host-sign-in.js';
import { createUpstreamClients } from './identity/create-upstream-clients.js';
import type { UpstreamClient } from './identity/upstream-client.js';
import type { Storage } from './ports/storage.js';
import { systemClock, systemRandom } from './system.js';

/**
 * The composition root: every service Latchkey runs on is built here, from configuration, and nowhere else.
 * The standalone server (`main.ts`), the library (`createLatchkey`), the Fastify app and every CLI command get
 * their services from this file and only mount or run them. Adapters (SQLite, PostgreSQL, Redis, the outbound
 * fetcher) and the real clock and random source are imported here only (a lint rule keeps it so).
 */

/** What a host or a test may supply instead of what configuration describes. */
export interface ServiceOverrides {
  /** Where Latchkey logs; redacted like its own. By default JSON lines on stdout at `logLevel`. */
  logger?: Logger;
  clock?: Clock;
  random?: RandomSource;
  /**
   * Storage opened (and migrated) by the caller, who closes it: `Services.close()` leaves it open. By default
   * the database of `database.url`, opened, migrated and closed with the services.
   */
  storage?: Storage;
  /** Where audit events go; by default the `audit_events` table (in the background) and the log. */
  audit?: AuditTrail;
  /** The metrics to count into, when `metrics.enabled`; by default a fresh set. */
  metrics?: Metrics;
  /** Per-address limits instead of those `registration.rateLimit`, `token.rateLimit`, `authorize.rateLimit` and `redis.url` describe. */
  limiters?: Partial<Record<'registration' | 'token' | 'authorize' | 'gatewayUser' | 'gatewayClient', RateLimiter>>;
  /** How Client ID Metadata Documents (and clients' `jwks_uri`) are fetched: a CA to trust, for tests and hosts with a private CA. */
  cimdFetchOptions?: { ca?: string };
  /** A host app's own sign-in (library mode), instead of Latchkey's sign-in pages. */
  host?: HostAuthentication;
}

/** Every service of one Latchkey instance, built once. */
export interface Services {
  config: Config;
  logger: Logger;
  clock: Clock;
  random: RandomSource;
  storage: Storage;
  /** The signing keys; a first key exists. */
  keys: KeyManager;
  signer: TokenSigner;
  verifier: TokenVerifier;
  /** Registrations, token issues and cleanup deletions, into the table and the log (and counted, with metrics). */
  audit: AuditTrail;
  metrics: Metrics | undefined;
  /** Per-address limits, refusals counted in the metrics. */
  limiters: { registration: RateLimiter; token: RateLimiter; authorize: RateLimiter; gatewayUser: RateLimiter; gatewayClient: RateLimiter };
  /** The secret the gateway binds MCP session ids with (stored, shared by every instance on the database). */
  gatewaySecret: string;
  loginThrottle: LoginThrottle;
  /** Session and CSRF cookies, and the signed values the pages hand out. */
  sessions: Sessions;
  /** The server's DPoP nonces (RFC 9449 §8), keyed from the same stored secret as the cookies. */
  dpopNonces: DpopNonces;
  /** The MAC key of sealed refresh tokens (protocol/token/refresh-token-key.ts), a stored secret of its own. */
  refreshTokenSeal: RefreshTokenSeal;
  /** Client lookups by `client_id`: registered clients, and Client ID Metadata Documents fetched by URL. */
  clientResolver: Pick<ClientStore, 'findClient'>;
  /** The keys of `private_key_jwt` clients: their `jwks`, or their `jwks_uri` fetched and cached. */
  clientKeys: ClientKeyResolver;
  /** Initial access token lookups, cached briefly. */
  initialAccessTokens: ReturnType<typeof cacheInitialAccessTokenLookups>;
  /** The keys of trusted software statement issuers. */
  statementKeys: StatementKeyResolver;
  /** The keys of the enterprise identity providers (`identity.enterpriseProviders`), by provider id. */
  enterpriseKeys: EnterpriseKeyResolver;
  /** Records coarsely when a client was last used. */
  usage: UsageTracker;
  /** A host app's own sign-in (library mode), when it gave one. */
  host: HostAuthentication | undefined;
  /** The upstream identity providers' clients (`identity.providers`), by provider id. */
  upstream: ReadonlyMap<string, UpstreamClient>;
  /** The periodic cleanup of unused clients (`cleanup.enabled`), started by whoever serves requests. */
  cleanup: { start(): void };
  /**
   * Stops the cleanup, writes the last usage records and audit events, closes the rate limit store and the
   * storage (unless the caller supplied it). Call it after the HTTP server has stopped. Idempotent.
   */
  close(): Promise<void>;
}

/** Builds every service that `config` describes, with `overrides` in their place. */
export async function createServices(config: Config, overrides: ServiceOverrides = {}): Promise<Services> {
  // A logger given by the host gets the same redaction as ours: secrets stay out of the log either way.
  const logger = overrides.logger ? withRedaction(overrides.logger) : createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? systemRandom;
  announceUnsafeDefaults(config, logger);
  if (!config.identity.localPasswords && config.identity.providers.length === 0 && !overrides.host) {
    throw new ConfigError('Invalid configuration: identity.localPasswords is false and identity.providers is empty, so nobody could sign in: configure a provider, or turn local passwords back on');
  }
  const opened = overrides.storage ?? (await openMigratedStorage(config, logger));
  const closeStorage = overrides.storage ? async () => {} : () => opened.close();
  // Client lookups (one per token request) are served from memory for a moment: see cacheClientLookups. The
  // clients this server's cleanup deletes are forgotten at once.
  const clients = cacheClientLookups(opened.clients, clock);
  const storage: Storage = {
    ...opened,
    clients,
    cleanup: {
      ...opened.cleanup,
      async deleteUnusedClients(criteria, limit, cursor) {
        const deleted = await opened.cleanup.deleteUnusedClients(criteria, limit, cursor);
        for (const { clientId } of deleted) clients.forget(clientId);
        return deleted;
      },
    },
  };
  const closers: Array<() => Promise<void>> = [closeStorage];
  try {
    const keys = createKeyManager({ store: storage.signingKeys, clock, config: config.keys });
    await keys.ensureKey();
    const cookieSecret = await storage.secrets.getOrCreateSecret('cookie-signing', () => random.token(32), clock.now());
    const sealSecret = await storage.secrets.getOrCreateSecret('refresh-token-seal', () => random.token(32), clock.now());
    const metrics = config.metrics.enabled ? (overrides.metrics ?? createMetrics()) : undefined;
    const trail = overrides.audit ?? createAuditTrail({ store: storage.auditEvents, logger, clock, random });
    if (!overrides.audit) closers.unshift(() => (trail as BackgroundAuditTrail).close());
    const audit = metrics ? metrics.countingAuditTrail(trail) : trail;

    // Waiting for the shared store lets the first requests count together; it never rejects.
    const limiters = createRateLimiters(config, logger);
    closers.unshift(() => limiters.close());
    await limiters.ready();
    const counted = (limiter: RateLimiter, name: LimiterName) =>
      metrics ? metrics.countingLimiter(limiter, name) : limiter;
    const throttle = createLoginThrottle({ maxFailures: config.login.maxFailures, windowSeconds: config.login.windowSeconds }, limiters.loginCounters);

    const usage = createUsageTracker(storage.clients, clock, { logger });
    closers.unshift(() => usage.drain());
    let schedule: CleanupSchedule | undefined;
    closers.unshift(async () => schedule?.stop());

    let closing: Promise<void> | undefined;
    return {
      config,
      logger,
      clock,
      random,
      storage,
      keys,
      signer: createTokenSigner(keys),
      verifier: createTokenVerifier(keys, config.issuer, clock),
      audit,
      metrics,
      limiters: {
        registration: counted(overrides.limiters?.registration ?? limiters.registration, 'registration'),
        token: counted(overrides.limiters?.token ?? limiters.token, 'token'),
        authorize: counted(overrides.limiters?.authorize ?? limiters.authorize, 'authorize'),
        gatewayUser: counted(overrides.limiters?.gatewayUser ?? limiters.gatewayUser, 'gateway-user'),
        gatewayClient: counted(overrides.limiters?.gatewayClient ?? limiters.gatewayClient, 'gateway-client'),
      },
      gatewaySecret: cookieSecret,
      loginThrottle: metrics ? metrics.countingThrottle(throttle) : throttle,
      sessions: createSessions(config.issuer, config.login.sessionTtlSeconds, () => clock.now(), cookieSecret),
      dpopNonces: createDpopNonces(cookieSecret),
      refreshTokenSeal: refreshTokenSeal(sealSecret),
      clientResolver: createClientResolver({
        fetchDocument,
        clients: storage.clients,
        config,
        clock,
        logger,
        ...(overrides.cimdFetchOptions ? { fetchOptions: overrides.cimdFetchOptions } : {}),
      }),
      clientKeys: createClientKeyResolver({
        fetchDocument,
        config,
        clock,
        logger,
        ...(overrides.cimdFetchOptions ? { fetchOptions: overrides.cimdFetchOptions } : {}),
      }),
      initialAccessTokens: cacheInitialAccessTokenLookups(storage.initialAccessTokens, clock),
      statementKeys: createStatementKeyResolver(config.registration.softwareStatement.issuers),
      enterpriseKeys: createEnterpriseKeyResolver(config.identity.enterpriseProviders),
      usage,
      upstream: createUpstreamClients(config.identity.providers),
      host: overrides.host,
      cleanup: {
        start() {
          if (schedule || closing || !config.cleanup.enabled) return;
          const intervalMs = config.cleanup.interval * 1000;
          schedule = startCleanupSchedule({
            run: async () => {
              const observer = metrics?.sweeps;
              const summary = await cleanUpClients({ cleanup: storage.cleanup, config, clock, audit, ...(observer && { observer }) });
              await sweepRetention(storage, config, clock.now(), observer);
              return summary;
            },
            intervalMs,
            // Servers restarted more often than the interval (every deploy) must still clean up.
            firstRunAfterMs: Math.min(intervalMs, 60_000),
            logger,
          });
        },
      },
      close: () => (closing ??= closeInOrder(closers)),
    };
  } catch (error) {
    await closeInOrder(closers).catch(() => {});
    throw error;
  }
}

/**
 * Closes `app`, then the services, even when closing the app failed (the database and the audit trail must still be
 * closed and written); rejects with the first failure.
 */
export async function closeAppAndServices(app: { close(): PromiseLike<unknown> }, services: Pick<Services, 'close'>): Promise<void> {
  await closeInOrder([async () => void (await app.close()), () => services.close()]);
}

/** Runs each closer in turn, even after one fails, and rejects with the first failure. */
async function closeInOrder(closers: Array<() => Promise<void>>): Promise<void> {
  let failure: unknown;
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== undefined) throw failure;
}

/**
 * The configured database, opened and migrated, its stored secrets checked against the key-encryption key
 * (and sealed with it where an earlier start stored them in plaintext), unless `seal` is false: the commands
 * leave that to the server's start and to `latchkey keys rewrap`, which reports what it sealed. Closed again if
 * any step fails.
 */
export async function openMigratedStorage(config: Config, logger: Logger = quietLogger(), { seal = true } = {}): Promise<Storage> {
  const storage = await openStorage(config.database, { secrets: config.secrets, logger });
  try {
    await storage.migrate();
    if (seal) await sealPlaintextSecrets(config, storage, logger);
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  return storage;
}

/**
 * Applies pending migrations and closes the database (`latchkey migrate`). The stored secrets are not read, so
 * this works without the key-encryption key.
 */
export async function migrateDatabase(config: Config): Promise<string> {
  const storage = await openStorage(config.database);
  try {
    await storage.migrate();
    return storage.dialect;
  } finally {
    await storage.close();
  }
}

/** The migrations `latchkey migrate` would apply, read without writing anything (`latchkey migrate --dry-run`). */
export { listPendingMigrations } from './storage/pending-migrations.js';
export { BackupFailure, type BackupSummary } from './storage/sqlite-backup.js';

/**
 * `latchkey backup`: a consistent copy of the SQLite database while the server runs. PostgreSQL and an in-memory
 * database have no file to copy this way: the caller says what to do instead.
 * @throws {BackupFailure} when the copy cannot be made or checked
 */
export async function backUpDatabase(
  config: Config,
  target: string,
): Promise<{ kind: 'postgres' } | { kind: 'memory' } | { kind: 'sqlite'; source: string; summary: BackupSummary }> {
  const location = parseDatabaseUrl(config.database.url);
  if (location.dialect === 'postgres') return { kind: 'postgres' };
  if (location.file === ':memory:') return { kind: 'memory' };
  return { kind: 'sqlite', source: location.file, summary: await backUpSqlite(location.file, target) };
}

/**
 * The database without migrating it, for commands that must not change it (`latchkey migrate --dry-run`,
 * `latchkey backup`). The caller closes it.
 */
export function openUnmigratedStorage(config: Config, logger: Logger = quietLogger()): Promise<Storage> {
  return openStorage(config.database, { secrets: config.secrets, logger });
}

/**
 * An audit trail for a command-line operation: into the database only (stdout is the command's output),
 * written before `close()` resolves.
 */
export function createCommandAuditTrail(storage: Storage, logger: Logger = quietLogger()): BackgroundAuditTrail {
  return createAuditTrail({ store: storage.auditEvents, logger, clock: systemClock, random: systemRandom });
}

/** The clock and random source of command-line operations (the real ones). */
export const commandContext = { clock: systemClock, random: systemRandom } as const;

/** The signing keys in `storage`, for the commands that list and rotate them (`latchkey keys`). */
export function createCommandKeyManager(config: Config, storage: Storage): KeyManager {
  return createKeyManager({ store: storage.signingKeys, clock: systemClock, config: config.keys });
}

/** Warnings only, as JSON lines on stderr: for commands, whose stdout is their output. */
function quietLogger(): Logger {
  return createLogger('warn', pino.destination({ fd: 2, sync: true }));
}

/**
 * Decrypts every stored private key and secret, so that a key-encryption key that does not open them stops the
 * start here, in one line, before a new signing key could be generated beside keys it cannot read; and, with a
 * key-encryption key, seals those stored in plaintext (by an earlier start without one).
 */
async function sealPlaintextSecrets(config: Config, storage: Storage, logger: Logger): Promise<void> {
  const signingKeys = await storage.signingKeys.sealPrivateKeys('plaintext');
  const secrets = await storage.secrets.sealSecrets('plaintext');
  if (signingKeys.sealed + secrets.sealed > 0) {
    logger.info(
      { signingKeys: signingKeys.sealed, secrets: secrets.sealed, kekId: keyEncryptionFrom(config.secrets).currentKeyId },
      'Encrypted the private signing keys and server secrets that were stored in plaintext',
    );
  }
}

/** Development defaults that are unsafe in production announce themselves at start. */
function announceUnsafeDefaults(config: Config, logger: Logger): void {
  if (new URL(config.issuer).protocol === 'http:') {
    logger.warn({ issuer: config.issuer }, 'The issuer is http: fine for development, unsafe in production (set issuer to an https URL)');
  }
  const inMemory = config.database.url.startsWith('sqlite::memory:');
  if (inMemory) logger.warn('The database is in memory: everything is lost when the server stops');
  if (!hasKeyEncryptionKey(config.secrets) && !inMemory) {
    logger.warn(
      'The private signing keys and the server secrets are stored unencrypted in the database: whoever reads it, or a backup, can mint tokens and forge sessions. Set LATCHKEY_KEY_ENCRYPTION_KEY to the output of `openssl rand -base64 32` (see docs/secrets.md)',
    );
  }
  if (!config.registration.rateLimit.enabled) logger.warn('Registration is not rate-limited');
  if (config.trustProxy === true) {
    logger.warn('trustProxy is true: the client address is the left-most X-Forwarded-For entry, which clients write themselves (set trustProxy to the addresses of your proxies instead)');
  }
  if (config.metrics.enabled && config.metrics.bearerToken === null && !isLoopback(config.host)) {
    logger.warn(
      { path: config.metrics.path, host: config.host },
      'The metrics are served without a token on a non-loopback address: block the path at the proxy, or set metrics.bearerToken',
    );
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}
