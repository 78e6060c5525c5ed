import type { FastifyInstance } from 'fastify';
import pino, { type Logger } from 'pino';
import type { Config } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
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
}

/**
 * A Latchkey app on a fresh database, for `inject()` tests (call `app.listen` for a real port). Rate limits
 * are off unless the overrides turn them on; logs are silent.
 */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = await (options.database ?? sqliteKind).create();
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
  const app = await buildApp({
    config,
    storage,
    logger: options.logger ?? pino({ level: 'silent' }),
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  await app.ready();
  return {
    app,
    config,
    storage,
    databaseUrl: database.url,
    async close() {
      await app.close();
      await storage.close();
      await database.cleanup();
    },
  };
}
