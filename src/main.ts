import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/defaults.js';
import { startCleanupSchedule, type CleanupSchedule } from './cleanup/cleanup-schedule.js';
import { buildApp } from './http/app.js';
import { createAuditTrail } from './observability/audit-trail.js';
import { createLogger } from './observability/logger.js';
import { createMetrics } from './observability/metrics.js';
import { cleanUpClients } from './cleanup/clean-up-clients.js';
import { hasKeyEncryptionKey, keyEncryptionFrom } from './storage/key-encryption.js';
import { openStorage } from './storage/open-storage.js';
import type { AuditTrail } from './ports/audit-trail.js';
import type { Storage } from './ports/storage.js';
import { systemClock, systemRandom } from './system.js';
import { announceFirstAdmin, ensureFirstAdmin } from './users/first-admin.js';

export interface RunningServer {
  app: FastifyInstance;
  storage: Storage;
  /** The address the server listens on, e.g. `http://127.0.0.1:8080`. */
  address: string;
  /** Stops accepting connections, finishes in-flight requests, flushes writes and closes the database. */
  close(): Promise<void>;
}

/** The composition root: config → storage → migrations → app → listen. */
export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  announceUnsafeDefaults(config, logger);
  const storage = await openStorage(config.database, { secrets: config.secrets, logger });
  try {
    await storage.migrate();
    await sealPlaintextSecrets(config, storage, logger);
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  const admin = await ensureFirstAdmin(storage.users, Date.now());
  // The password is shown once, on a terminal only: never in a log.
  if (admin) announceFirstAdmin(admin, process.stderr, logger);
  // One audit trail for the routes and the cleanup job, closed after both have stopped.
  const audit = createAuditTrail({ store: storage.auditEvents, logger, clock: systemClock, random: systemRandom });
  // One set of metrics for the routes and the cleanup job (which counts its deletions through the trail).
  const metrics = config.metrics.enabled ? createMetrics() : undefined;
  const app = await buildApp({ config, storage, logger, audit, ...(metrics ? { metrics } : {}) });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address, issuer: config.issuer, database: storage.dialect, profile: config.registration.profile }, 'Latchkey is listening');
  const cleanup = startCleanup(config, storage, metrics ? metrics.countingAuditTrail(audit) : audit, logger);
  let closing: Promise<void> | undefined;
  return {
    app,
    storage,
    address,
    close: () =>
      (closing ??= app
        .close()
        .then(() => cleanup?.stop())
        .then(() => audit.close())
        .then(() => storage.close())),
  };
}

/**
 * The periodic cleanup of unused clients, when `cleanup.enabled`. Its first run comes a minute after the start
 * (or sooner, with a shorter interval), so that servers restarted more often than the interval still clean up.
 */
function startCleanup(config: Config, storage: Storage, audit: AuditTrail, logger: Logger): CleanupSchedule | undefined {
  if (!config.cleanup.enabled) return undefined;
  const intervalMs = config.cleanup.interval * 1000;
  return startCleanupSchedule({
    run: () => cleanUpClients({ cleanup: storage.cleanup, config, clock: systemClock, audit }),
    intervalMs,
    firstRunAfterMs: Math.min(intervalMs, 60_000),
    logger,
  });
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

/** Applies pending migrations and closes the database (`latchkey migrate`). */
export async function migrate(config: Config): Promise<string> {
  const storage = await openStorage(config.database);
  try {
    await storage.migrate();
    return storage.dialect;
  } finally {
    await storage.close();
  }
}

function announceUnsafeDefaults(config: Config, logger: Logger): void {
  if (new URL(config.issuer).protocol === 'http:') {
    logger.warn({ issuer: config.issuer }, 'The issuer is http: fine for development, unsafe in production (set issuer to an https URL)');
  }
  if (config.database.url.startsWith('sqlite::memory:')) {
    logger.warn('The database is in memory: everything is lost when the server stops');
  }
  if (!hasKeyEncryptionKey(config.secrets) && !config.database.url.startsWith('sqlite::memory:')) {
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

/** Runs until SIGTERM or SIGINT, then shuts down gracefully. */
export function closeOnSignals(server: RunningServer, logger: Logger): void {
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
