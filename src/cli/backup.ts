import type { Command } from 'commander';
import { BackupFailure, backUpDatabase, type BackupSummary } from '../compose.js';
import { CliFailure, reportRefusals } from './command-support.js';
import type { ConfigCli } from './config-cli.js';

/**
 * `latchkey backup FILE`: a consistent copy of the SQLite database, taken while the server runs, with SQLite's
 * online backup (a file copy of a database in WAL mode can miss or tear the latest commits). The copy is written
 * next to FILE and renamed once checked, so FILE is either absent or complete. PostgreSQL is refused with a
 * pointer to pg_dump. Exit status: 0 done, 1 the copy failed or FILE exists, 2 nothing to back up this way.
 */
export function registerBackupCommand(program: Command, context: ConfigCli): void {
  context
    .withConfigFlags(
      program
        .command('backup')
        .argument('<file>', 'the new file to write the copy to (it must not exist)')
        .description('copy the SQLite database to FILE while the server runs (SQLite online backup), and say what the copy holds'),
      ['database'],
    )
    .option('--json', 'print JSON instead of a summary')
    .action((file: string, flags: Record<string, unknown>) =>
      reportRefusals(async () => {
        const backup = await backUpDatabase(context.configFrom(flags), file);
        if (backup.kind === 'postgres') {
          throw new CliFailure('backup copies SQLite databases; for PostgreSQL use pg_dump (pg_dump --format=custom --file=latchkey.dump "$DATABASE_URL"), see docs/deploy.md', 2);
        }
        if (backup.kind === 'memory') throw new CliFailure('the database is in memory (sqlite::memory:): there is no file to back up', 2);
        process.stdout.write(flags['json'] ? `${JSON.stringify(backup.summary, null, 2)}\n` : describe(backup.source, backup.summary));
      }, (error) => (error instanceof BackupFailure ? new CliFailure(error.message, 1) : undefined)),
    );
}

/** Whether the copy lets its reader sign tokens: plaintext private keys do, encrypted ones need the key-encryption key. */
function keysNote({ signingKeys, encryptedSigningKeys }: BackupSummary): string {
  if (encryptedSigningKeys === signingKeys) return '(private keys encrypted: restoring needs the key-encryption key, which is not in the copy)';
  const plaintext = signingKeys - encryptedSigningKeys;
  return `(${plaintext === signingKeys ? 'private keys' : `${plaintext} private key${plaintext === 1 ? '' : 's'}`} in plaintext: keep the copy as safe as the database, or set secrets.keyEncryptionKey)`;
}

function describe(source: string, summary: BackupSummary): string {
  return [
    `Backed up ${source} to ${summary.file} (${Math.ceil(summary.bytes / 1024)} KiB), one consistent state of the database:`,
    `  clients         ${summary.clients}`,
    `  users           ${summary.users}`,
    `  signing keys    ${summary.signingKeys}${summary.signingKeys > 0 ? ` ${keysNote(summary)}` : ''}`,
    `  last migration  ${summary.lastMigration ?? 'none (an empty database)'}`,
    `Restore: stop the server, copy ${summary.file} over ${source} and remove ${source}-wal and ${source}-shm if present (docs/deploy.md).`,
    '',
  ].join('\n');
}
