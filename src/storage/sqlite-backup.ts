import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { isSealed } from './key-encryption.js';

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

/** A backup that could not be made; the message says why, in one line. */
export class BackupFailure extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupFailure';
  }
}

/** Copies the SQLite database at `source` to `target` (which must not exist) and reads back what the copy holds. */
export async function backUpSqlite(source: string, target: string): Promise<BackupSummary> {
  if (!existsSync(source)) throw new BackupFailure(`there is no database at ${source}`);
  if (existsSync(target)) throw new BackupFailure(`${target} exists: back up to a new file (the copy never overwrites one)`);
  if (!existsSync(dirname(resolve(target)))) throw new BackupFailure(`the folder of ${target} does not exist`);
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
    if (error instanceof BackupFailure) throw error;
    throw new BackupFailure(`the backup failed: ${error instanceof Error ? error.message : String(error)}`);
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
    if (check !== 'ok') throw new BackupFailure(`the copy failed SQLite's check: ${String(check)}`);
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
