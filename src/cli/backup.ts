import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import type { Command } from 'commander';
import { isSealed } from '../storage/key-encryption.js';
import { parseDatabaseUrl } from '../storage/open-storage.js';
import { CliFailure, reportRefusals } from './command-support.js';
import type { ConfigCli } from './config-cli.js';

/** What a backup holds, read back from the copy itself. */
export interface BackupSummary {
  file: string;
  bytes: number;
  clients: number;
  users: number;
  signingKeys: number;
  /** Of the signing keys, how many have their private key stored encrypted under a key-encryption key. */
  encryptedSigningKeys: number;
  /** The last migration applied: a server of a version that knows it can open the copy. */
  lastMigration: string | null;
}

/** Pages copied per step after the first: all of them, so that one read transaction sees one state of the database. */
const allPages = 0x7fffffff;

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
        const location = parseDatabaseUrl(context.configFrom(flags).database.url);
        if (location.dialect === 'postgres') {
          throw new CliFailure('backup copies SQLite databases; for PostgreSQL use pg_dump (pg_dump --format=custom --file=latchkey.dump "$DATABASE_URL"), see docs/deploy.md', 2);
        }
        if (location.file === ':memory:') throw new CliFailure('the database is in memory (sqlite::memory:): there is no file to back up', 2);
        const summary = await backUpSqlite(location.file, file);
        process.stdout.write(flags['json'] ? `${JSON.stringify(summary, null, 2)}\n` : describe(location.file, summary));
      }),
    );
}

/** Copies the SQLite database at `source` to `target` (which must not exist) and reads back what the copy holds. */
export async function backUpSqlite(source: string, target: string): Promise<BackupSummary> {
  if (!existsSync(source)) throw new CliFailure(`there is no database at ${source}`, 1);
  if (existsSync(target)) throw new CliFailure(`${target} exists: back up to a new file (the copy never overwrites one)`, 1);
  if (!existsSync(dirname(resolve(target)))) throw new CliFailure(`the folder of ${target} does not exist`, 1);
  const partial = `${target}.partial-${process.pid}`;
  const database = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    database.pragma('busy_timeout = 5000');
    // The first step only starts the backup; the next copies every page within one read transaction, which
    // writers (WAL) do not wait for. Had a write come in between, SQLite would start over, again in one step.
    await database.backup(partial, { progress: () => allPages });
    const summary = inspectCopy(partial);
    renameSync(partial, target);
    return { file: target, bytes: statSync(target).size, ...summary };
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof CliFailure) throw error;
    throw new CliFailure(`the backup failed: ${error instanceof Error ? error.message : String(error)}`, 1);
  } finally {
    database.close();
  }
}

/**
 * Turns the copy into a single self-contained file (rollback journal, no -wal beside it: the server switches
 * back to WAL when it opens a restored copy), checks it, and counts what it holds.
 */
function inspectCopy(file: string): Omit<BackupSummary, 'file' | 'bytes'> {
  const copy = new BetterSqlite3(file, { fileMustExist: true });
  try {
    copy.pragma('journal_mode = DELETE');
    const check = copy.pragma('quick_check', { simple: true });
    if (check !== 'ok') throw new CliFailure(`the copy failed SQLite's check: ${String(check)}`, 1);
    const tables = new Set((copy.prepare(`select name from sqlite_master where type = 'table'`).pluck().all() as string[]));
    const count = (table: string) => (tables.has(table) ? (copy.prepare(`select count(*) from ${table}`).pluck().get() as number) : 0);
    const lastMigration = tables.has('kysely_migration')
      ? ((copy.prepare('select max(name) from kysely_migration').pluck().get() as string | null) ?? null)
      : null;
    const privateKeys = tables.has('signing_keys') ? (copy.prepare('select private_jwk from signing_keys').pluck().all() as string[]) : [];
    return {
      clients: count('clients'),
      users: count('users'),
      signingKeys: privateKeys.length,
      encryptedSigningKeys: privateKeys.filter(isSealedJwk).length,
      lastMigration,
    };
  } finally {
    copy.close();
  }
}

/** A stored private JWK that is sealed: `{"encrypted": "lk1.…"}` (see key-repository.ts), not the JWK itself. */
function isSealedJwk(stored: string): boolean {
  try {
    const value = JSON.parse(stored) as { encrypted?: unknown };
    return typeof value.encrypted === 'string' && isSealed(value.encrypted);
  } catch {
    return false;
  }
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
