import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { closeAppAndServices, createServices } from './compose.js';
import type { Config } from './config/defaults.js';
import { buildApp } from './http/app.js';
import { createLogger } from './observability/logger.js';
import type { Storage } from './ports/storage.js';
import { announceFirstAdmin, ensureFirstAdmin } from './users/first-admin.js';

export interface RunningServer {
  app: FastifyInstance;
  storage: Storage;
  /** The address the server listens on, e.g. `http://127.0.0.1:8080`. */
  address: string;
  /** Stops accepting connections, finishes in-flight requests, flushes writes and closes the database. */
  close(): Promise<void>;
}

/**
 * The standalone server: services from the composition root (`compose.ts`), the first administrator on a fresh
 * database, the app, listening, and the cleanup schedule. It only runs: nothing is built here.
 */
export async function startServer(config: Config, logger: Logger = createLogger(config.logLevel)): Promise<RunningServer> {
  const services = await createServices(config, { logger });
  try {
    const admin = await ensureFirstAdmin(services.storage.users, services.clock.now(), services.config.identity);
    // The password is shown once, on a terminal only: never in a log.
    if (admin) announceFirstAdmin(admin, process.stderr, services.logger);
    const app = await buildApp(services);
    const address = await app.listen({ host: config.host, port: config.port }).catch(async (error: unknown) => {
      await app.close();
      throw error;
    });
    services.logger.info(
      { address, issuer: config.issuer, database: services.storage.dialect, profile: config.registration.profile },
      'Latchkey is listening',
    );
    services.cleanup.start();
    let closing: Promise<void> | undefined;
    return {
      app,
      storage: services.storage,
      address,
      close: () => (closing ??= closeAppAndServices(app, services)),
    };
  } catch (error) {
    await services.close().catch(() => {});
    throw error;
  }
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
