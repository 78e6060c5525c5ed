import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { spawnSync } from 'node:child_process';
import { latchkeyCommand } from './process.js';

/**
 * Runs the `latchkey` command ({@link latchkeyCommand}), with a clean environment (only PATH and `env`), and returns
 * its exit status and output. `input` is piped to standard input, which is then never a terminal.
 */
export function runLatchkey(args: string[], options: { env?: Record<string, string>; input?: string } = {}) {
  const result = spawnSync(process.execPath, [...latchkeyCommand, ...args], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', ...options.env },
    input: options.input ?? '',
    timeout: 30_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * Creates (and migrates) the SQLite database a CLI test then runs commands against, as a first start of the server
 * would: the commands that read the database refuse a file that does not exist.
 */
export function createDatabase(database: string): Promise<void> {
  return withDatabase(database, async () => {});
}

/** Opens the SQLite database a CLI test runs the command against (migrated), for `work`, then closes it. */
export async function withDatabase<R>(database: string, work: (storage: Storage) => Promise<R>): Promise<R> {
  const storage = await openStorage({ url: database, sqliteSynchronous: 'full', poolSize: 1 });
  try {
    await storage.migrate();
    return await work(storage);
  } finally {
    await storage.close();
  }
}
