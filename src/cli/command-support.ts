import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { InvalidArgumentError } from 'commander';
import { createCommandAuditTrail, openMigratedStorage } from '../compose.js';
import type { Config } from '../config/defaults.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Storage } from '../ports/storage.js';
import { explainFailure, sqliteFile } from './explain-failure.js';

/** What the `latchkey` commands share: refusals and exit statuses, storage, the audit trail, argument parsing. */

/**
 * A refusal the operator can act on: printed as one line (no stack trace) with exit status 1 (the operation
 * failed because of the database's state: an unknown user or client, a name taken) or 2 (bad usage or input).
 */
export class CliFailure extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/**
 * What a command does when its SQLite file does not exist: `refuse` (in one line: a command that reads the
 * database would otherwise answer from a new empty one, as if nothing had been registered, and leave it behind
 * where the server does not look), or `create` it and say so on stderr (`users add`, so that an operator can
 * create their own administrator before the first start).
 */
export type MissingDatabase = 'refuse' | 'create';

/**
 * Opens and migrates the configured storage, runs `work`, and closes the storage whatever happens. A failure to
 * open it that the operator can fix (see {@link explainFailure}) becomes a {@link CliFailure}.
 */
export async function withStorage<R>(config: Config, work: (storage: Storage) => Promise<R>, ifMissing: MissingDatabase = 'refuse'): Promise<R> {
  const missing = missingSqliteFile(config);
  if (missing !== undefined && ifMissing === 'refuse') {
    throw new CliFailure(`no database at ${missing}: start the server once (latchkey serve) or run latchkey migrate, or point --database (DATABASE_URL) at the server's file`, 1);
  }
  let storage: Storage;
  try {
    storage = await openMigratedStorage(config, undefined, { seal: false });
  } catch (error) {
    throw explained(error, config);
  }
  try {
    if (missing !== undefined) process.stderr.write(`latchkey: there was no database at ${missing}: created a new one (the server must use this file too)\n`);
    return await work(storage);
  } finally {
    await storage.close();
  }
}

/** The absolute path of the configured SQLite file when it does not exist yet. */
function missingSqliteFile(config: Config): string | undefined {
  const file = sqliteFile(config.database.url);
  return file === undefined || existsSync(resolve(file)) ? undefined : resolve(file);
}

/** `error` as a {@link CliFailure} when {@link explainFailure} can say what to do about it, else itself. */
export function explained(error: unknown, config: Config): unknown {
  const message = explainFailure(error, config);
  return message === undefined ? error : new CliFailure(message, 1);
}

/**
 * Runs a command's work: a {@link CliFailure}, or an error that `refusal` turns into one, becomes one line on
 * stderr and its exit status; anything else (a configuration error) goes on to `main.ts`'s handler.
 */
export async function reportRefusals(work: () => Promise<void>, refusal?: (error: unknown) => CliFailure | undefined): Promise<void> {
  try {
    await work();
  } catch (error) {
    const failure = error instanceof CliFailure ? error : refusal?.(error);
    if (!failure) throw error;
    process.stderr.write(`latchkey: ${failure.message}\n`);
    process.exitCode = failure.exitCode;
  }
}

/**
 * Runs `work` with an audit trail into `storage` (actor and events are the caller's), and writes every event
 * before returning. Events go to the database only; a failure to write them is worth a line on stderr.
 */
export async function withAuditTrail<R>(storage: Storage, work: (audit: AuditTrail) => Promise<R>): Promise<R> {
  const audit = createCommandAuditTrail(storage);
  try {
    return await work(audit);
  } finally {
    await audit.close();
  }
}

/** A commander argument parser for counts: 1, 2, 3… */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}
