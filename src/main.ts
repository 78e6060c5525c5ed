import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from './config/defaults.js';
import { buildApp } from './http/app.js';
import { createLogger } from './observability/logger.js';
import { openStorage } from './storage/open-storage.js';
import type { Storage } from './storage/ports.js';
import { ensureFirstAdmin } from './users/first-admin.js';

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
  const storage = await openStorage(config.database);
  try {
    await storage.migrate();
  } catch (error) {
    await storage.close().catch(() => {});
    throw error;
  }
  const admin = await ensureFirstAdmin(storage.users, Date.now());
  if (admin) {
    // Shown once, on the terminal only: never in the logs.
    process.stderr.write(
      `\nFirst start: created the administrator "${admin.username}" with the password ${admin.password}\n` +
        `Change it with: npx latchkey users set-password ${admin.username}\n\n`,
    );
  }
  const app = await buildApp({ config, storage, logger });
  const address = await app.listen({ host: config.host, port: config.port });
  logger.info({ address, issuer: config.issuer, database: storage.dialect, profile: config.registration.profile }, 'Latchkey is listening');
  let closing: Promise<void> | undefined;
  return {
    app,
    storage,
    address,
    close: () => (closing ??= app.close().then(() => storage.close())),
  };
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
  if (!config.registration.rateLimit.enabled) logger.warn('Registration is not rate-limited');
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
