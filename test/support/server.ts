import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { createServices, type ServiceOverrides, type Services } from '../../src/compose.js';
import { buildApp } from '../../src/http/app.js';
import type { Clock, RandomSource } from '../../src/ports/clock.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { sqliteKind, type DatabaseKind } from './databases.js';

export interface TestServer {
  app: FastifyInstance;
  config: Config;
  storage: Storage;
  /** The database URL, to inspect what was stored. */
  databaseUrl: string;
  close(): Promise<void>;
}

export interface TestServerOptions {
  /** Configuration values by option key (`registration.profile`), over the defaults. */
  overrides?: Record<string, unknown>;
  database?: DatabaseKind;
  clock?: Clock;
  random?: RandomSource;
  /** Where the app logs; by default nowhere. */
  logger?: Logger;
  /** A CA to trust for metadata documents and client `jwks_uri` (a test document server's certificate). */
  cimdFetchOptions?: { ca?: string };
}

/**
 * A Latchkey app on a fresh database, for `inject()` tests (call `app.listen` for a real port). Rate limits
 * are off unless the overrides turn them on; logs are silent.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await (options.database ?? sqliteKind).create({ migrated: true });
  const config = loadConfig({
    env: {},
    overrides: {
      'database.url': database.url,
      'registration.rateLimit.enabled': false,
      'token.rateLimit.enabled': false,
      'authorize.rateLimit.enabled': false,
      ...options.overrides,
    },
  });
  const storage = await openStorage(config.database, { secrets: config.secrets });
  await storage.migrate();
  const { app, services } = await buildTestApp(config, storage, options);
  return {
    app,
    config,
    // The server's own view of the storage (its client lookups cached, and forgotten on its own changes), so
    // that a test changing a client acts as the server itself would, not as another instance.
    storage: services.storage,
    databaseUrl: database.url,
    async close() {
      await app.close();
      await services.close();
      await storage.close();
      await database.cleanup();
    },
  };
}

/**
 * The standalone app over services built from `config` by the composition root, on `storage` (opened and
 * migrated by the caller, who closes it after `services.close()`). Logs are silent unless `overrides.logger`.
 */
export async function buildTestApp(
  config: Config,
  storage: Storage,
  overrides: Omit<ServiceOverrides, 'storage'> = {},
): Promise<{ app: FastifyInstance; services: Services }> {
  const services = await createServices(config, { logger: pino({ level: 'silent' }), ...stripUndefined(overrides), storage });
  try {
    const app = await buildApp(services);
    // Closing the app closes the services (not the storage): tests read the audit trail's events after `app.close()`.
    app.addHook('onClose', () => services.close());
    await app.ready();
    return { app, services };
  } catch (error) {
    await services.close();
    throw error;
  }
}

function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
