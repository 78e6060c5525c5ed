import { existsSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import type { Command } from 'commander';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import type { Config } from '../config/defaults.js';
import { importOptional } from '../config/optional-package.js';
import { migrateDatabase } from '../compose.js';
import { parseDatabaseUrl } from '../storage/open-storage.js';
import { pendingMigrations } from '../storage/sql/migrate.js';
import type { Database } from '../storage/sql/schema.js';
import type { ConfigCli } from './config-cli.js';

/**
 * `latchkey migrate [--dry-run]`: applies the pending migrations (as `serve` does at start), or only lists them.
 * Either refuses a database that a newer Latchkey has migrated.
 */
export function registerMigrateCommand(program: Command, context: ConfigCli): void {
  context
    .withConfigFlags(program.command('migrate').description('apply pending database migrations and exit'), ['database'])
    .option('--dry-run', 'list the pending migrations without applying them (nothing is written)')
    .option('--json', 'with --dry-run: print JSON instead of a list')
    .action(async (flags: Record<string, unknown>) => {
      const config = context.configFrom(flags);
      if (!flags['dryRun']) {
        const dialect = await migrateDatabase(config);
        process.stdout.write(`The ${dialect} database is up to date.\n`);
        return;
      }
      const { dialect, pending } = await listPendingMigrations(config);
      if (flags['json']) {
        process.stdout.write(`${JSON.stringify({ dialect, pending }, null, 2)}\n`);
      } else if (pending.length === 0) {
        process.stdout.write(`No migration is pending: the ${dialect} database is up to date.\n`);
      } else {
        const count = `${pending.length} migration${pending.length === 1 ? '' : 's'}`;
        process.stdout.write(`${count} would be applied to the ${dialect} database (nothing was applied):\n${pending.map((name) => `  ${name}\n`).join('')}`);
      }
    });
}

/**
 * The migrations `latchkey migrate` would apply, read without writing anything: a SQLite file is opened read-only
 * (and one that does not exist yet is not created: every migration is pending), PostgreSQL through one connection.
 */
export async function listPendingMigrations(config: Config): Promise<{ dialect: 'sqlite' | 'postgres'; pending: string[] }> {
  const location = parseDatabaseUrl(config.database.url);
  let db: Kysely<Database>;
  if (location.dialect === 'postgres') {
    const { default: pg } = await importOptional('pg', () => import('pg'));
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location.connectionString, max: 1 }) }) });
  } else {
    const exists = location.file !== ':memory:' && existsSync(location.file);
    const database = exists ? new BetterSqlite3(location.file, { readonly: true, fileMustExist: true }) : new BetterSqlite3(':memory:');
    database.pragma('busy_timeout = 5000');
    db = new Kysely({ dialect: new SqliteDialect({ database }) });
  }
  try {
    return { dialect: location.dialect, pending: await pendingMigrations(db, location.dialect) };
  } finally {
    await db.destroy();
  }
}
