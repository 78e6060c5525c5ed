import pino from "pino";
import { createClientResolver } from "./protocol/cimd/client-resolver.js";
import { createClientKeyResolver } from "./protocol/client-keys.js";
import { startCleanupSchedule } from "./cleanup/cleanup-schedule.js";
import { createUsageTracker } from "./cleanup/usage-tracker.js";
import { sweepRetention } from "./cleanup/retention.js";
import { ConfigError } from "./config/load.js";
import { createKeyManager } from "./keys/key-manager.js";
import { createStatementKeyResolver } from "./keys/statement-keys.js";
import { createEnterpriseKeyResolver } from "./keys/enterprise-keys.js";
import { createTokenSigner } from "./keys/token-signer.js";
import { createDpopNonces } from "./protocol/dpop/dpop-nonces.js";
import { createTokenVerifier } from "./keys/token-verifier.js";
import { createSessions } from "./http/session.js";
import { createAuditTrail } from "./observability/audit-trail.js";
import { createLogger, withRedaction } from "./observability/logger.js";
import { createMetrics } from "./observability/metrics.js";
import { cleanUpClients } from "./cleanup/clean-up-clients.js";
import { createRateLimiters } from "./rate-limit/limiters.js";
import { createLoginThrottle } from "./rate-limit/login-throttle.js";
import { cacheInitialAccessTokenLookups } from "./protocol/registration/initial-access-token-cache.js";
import { hasKeyEncryptionKey, keyEncryptionFrom } from "./storage/key-encryption.js";
import { openStorage, parseDatabaseUrl } from "./storage/open-storage.js";
import { backUpSqlite } from "./storage/sqlite-backup.js";
import { cacheClientLookups } from "./storage/client-cache.js";
import { fetchDocument } from "./outbound/fetch-document.js";
import { createUpstreamClients } from "./identity/create-upstream-clients.js";
import { systemClock, systemRandom } from "./system.js";
async function createServices(config, overrides = {}) {
  const logger = overrides.logger ? withRedaction(overrides.logger) : createLogger(config.logLevel);
  const clock = overrides.clock ?? systemClock;
  const random = overrides.random ?? systemRandom;
  announceUnsafeDefaults(config, logger);
  if (!config.identity.localPasswords && config.identity.providers.length === 0 && !overrides.host) {
    throw new ConfigError("Invalid configuration: identity.localPasswords is false and identity.providers is empty, so nobody could sign in: configure a provider, or turn local passwords back on");
  }
  const opened = overrides.storage ?? await openMigratedStorage(config, logger);
  const closeStorage = overrides.storage ? async () => {
  } : () => opened.close();
  const clients = cacheClientLookups(opened.clients, clock);
  const storage = {
    ...opened,
    clients,
    cleanup: {
      ...opened.cleanup,
      async deleteUnusedClients(criteria, limit) {
        const deleted = await opened.cleanup.deleteUnusedClients(criteria, limit);
        for (const { clientId } of deleted) clients.forget(clientId);
        return deleted;
      }
    }
  };
  const closers = [closeStorage];
  try {
    const keys = createKeyManager({ store: storage.signingKeys, clock, config: config.keys });
    await keys.ensureKey();
    const cookieSecret = await storage.secrets.getOrCreateSecret("cookie-signing", () => random.token(32), clock.now());
    const metrics = config.metrics.enabled ? overrides.metrics ?? createMetrics() : void 0;
    const trail = overrides.audit ?? createAuditTrail({ store: storage.auditEvents, logger, clock, random });
    if (!overrides.audit) closers.unshift(() => trail.close());
    const audit = metrics ? metrics.countingAuditTrail(trail) : trail;
    const limiters = createRateLimiters(config, logger);
    closers.unshift(() => limiters.close());
    await limiters.ready();
    const counted = (limiter, name) => metrics ? metrics.countingLimiter(limiter, name) : limiter;
    const throttle = createLoginThrottle({ maxFailures: config.login.maxFailures, windowSeconds: config.login.windowSeconds }, limiters.loginCounters);
    const usage = createUsageTracker(storage.clients, clock, { logger });
    closers.unshift(() => usage.drain());
    let schedule;
    closers.unshift(async () => schedule?.stop());
    let closing;
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
        registration: counted(overrides.limiters?.registration ?? limiters.registration, "registration"),
        token: counted(overrides.limiters?.token ?? limiters.token, "token"),
        authorize: counted(overrides.limiters?.authorize ?? limiters.authorize, "authorize"),
        gatewayUser: counted(overrides.limiters?.gatewayUser ?? limiters.gatewayUser, "gateway-user"),
        gatewayClient: counted(overrides.limiters?.gatewayClient ?? limiters.gatewayClient, "gateway-client")
      },
      gatewaySecret: cookieSecret,
      loginThrottle: metrics ? metrics.countingThrottle(throttle) : throttle,
      sessions: createSessions(config.issuer, config.login.sessionTtlSeconds, () => clock.now(), cookieSecret),
      dpopNonces: createDpopNonces(cookieSecret),
      clientResolver: createClientResolver({
        fetchDocument,
        clients: storage.clients,
        config,
        clock,
        logger,
        ...overrides.cimdFetchOptions ? { fetchOptions: overrides.cimdFetchOptions } : {}
      }),
      clientKeys: createClientKeyResolver({
        fetchDocument,
        config,
        clock,
        logger,
        ...overrides.cimdFetchOptions ? { fetchOptions: overrides.cimdFetchOptions } : {}
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
          const intervalMs = config.cleanup.interval * 1e3;
          schedule = startCleanupSchedule({
            run: async () => {
              const observer = metrics?.sweeps;
              const summary = await cleanUpClients({ cleanup: storage.cleanup, config, clock, audit, ...observer && { observer } });
              await sweepRetention(storage, config, clock.now(), observer);
              return summary;
            },
            intervalMs,
            // Servers restarted more often than the interval (every deploy) must still clean up.
            firstRunAfterMs: Math.min(intervalMs, 6e4),
            logger
          });
        }
      },
      close: () => closing ??= closeInOrder(closers)
    };
  } catch (error) {
    await closeInOrder(closers).catch(() => {
    });
    throw error;
  }
}
async function closeAppAndServices(app, services) {
  await closeInOrder([async () => void await app.close(), () => services.close()]);
}
async function closeInOrder(closers) {
  let failure;
  for (const close of closers) {
    try {
      await close();
    } catch (error) {
      failure ??= error;
    }
  }
  if (failure !== void 0) throw failure;
}
async function openMigratedStorage(config, logger = quietLogger(), { seal = true } = {}) {
  const storage = await openStorage(config.database, { secrets: config.secrets, logger });
  try {
    await storage.migrate();
    if (seal) await sealPlaintextSecrets(config, storage, logger);
  } catch (error) {
    await storage.close().catch(() => {
    });
    throw error;
  }
  return storage;
}
async function migrateDatabase(config) {
  const storage = await openStorage(config.database);
  try {
    await storage.migrate();
    return storage.dialect;
  } finally {
    await storage.close();
  }
}
import { listPendingMigrations } from "./storage/pending-migrations.js";
import { BackupFailure } from "./storage/sqlite-backup.js";
async function backUpDatabase(config, target) {
  const location = parseDatabaseUrl(config.database.url);
  if (location.dialect === "postgres") return { kind: "postgres" };
  if (location.file === ":memory:") return { kind: "memory" };
  return { kind: "sqlite", source: location.file, summary: await backUpSqlite(location.file, target) };
}
function openUnmigratedStorage(config, logger = quietLogger()) {
  return openStorage(config.database, { secrets: config.secrets, logger });
}
function createCommandAuditTrail(storage, logger = quietLogger()) {
  return createAuditTrail({ store: storage.auditEvents, logger, clock: systemClock, random: systemRandom });
}
const commandContext = { clock: systemClock, random: systemRandom };
function createCommandKeyManager(config, storage) {
  return createKeyManager({ store: storage.signingKeys, clock: systemClock, config: config.keys });
}
function quietLogger() {
  return createLogger("warn", pino.destination({ fd: 2, sync: true }));
}
async function sealPlaintextSecrets(config, storage, logger) {
  const signingKeys = await storage.signingKeys.sealPrivateKeys("plaintext");
  const secrets = await storage.secrets.sealSecrets("plaintext");
  if (signingKeys.sealed + secrets.sealed > 0) {
    logger.info(
      { signingKeys: signingKeys.sealed, secrets: secrets.sealed, kekId: keyEncryptionFrom(config.secrets).currentKeyId },
      "Encrypted the private signing keys and server secrets that were stored in plaintext"
    );
  }
}
function announceUnsafeDefaults(config, logger) {
  if (new URL(config.issuer).protocol === "http:") {
    logger.warn({ issuer: config.issuer }, "The issuer is http: fine for development, unsafe in production (set issuer to an https URL)");
  }
  const inMemory = config.database.url.startsWith("sqlite::memory:");
  if (inMemory) logger.warn("The database is in memory: everything is lost when the server stops");
  if (!hasKeyEncryptionKey(config.secrets) && !inMemory) {
    logger.warn(
      "The private signing keys and the server secrets are stored unencrypted in the database: whoever reads it, or a backup, can mint tokens and forge sessions. Set LATCHKEY_KEY_ENCRYPTION_KEY to the output of `openssl rand -base64 32` (see docs/secrets.md)"
    );
  }
  if (!config.registration.rateLimit.enabled) logger.warn("Registration is not rate-limited");
  if (config.trustProxy === true) {
    logger.warn("trustProxy is true: the client address is the left-most X-Forwarded-For entry, which clients write themselves (set trustProxy to the addresses of your proxies instead)");
  }
  if (config.metrics.enabled && config.metrics.bearerToken === null && !isLoopback(config.host)) {
    logger.warn(
      { path: config.metrics.path, host: config.host },
      "The metrics are served without a token on a non-loopback address: block the path at the proxy, or set metrics.bearerToken"
    );
  }
}
function isLoopback(host) {
  return host === "localhost" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}
export {
  BackupFailure,
  backUpDatabase,
  closeAppAndServices,
  commandContext,
  createCommandAuditTrail,
  createCommandKeyManager,
  createServices,
  listPendingMigrations,
  migrateDatabase,
  openMigratedStorage,
  openUnmigratedStorage
};
//# sourceMappingURL=compose.js.map
