import type { Command } from 'commander';
import { listPendingMigrations, migrateDatabase } from '../compose.js';
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
