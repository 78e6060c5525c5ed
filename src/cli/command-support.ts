import { InvalidArgumentError } from 'commander';
import { createCommandAuditTrail, openMigratedStorage } from '../compose.js';
import type { Config } from '../config/defaults.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Storage } from '../ports/storage.js';

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

/** Opens and migrates the configured storage, runs `work`, and closes the storage whatever happens. */
export async function withStorage<R>(config: Config, work: (storage: Storage) => Promise<R>): Promise<R> {
  const storage = await openMigratedStorage(config);
  try {
    return await work(storage);
  } finally {
    await storage.close();
  }
}

/**
 * Runs a command's work: a {@link CliFailure}, or an error that `refusal` turns into one, becomes one line on
 * stderr and its exit status; anything else (a configuration error, an unreachable database) goes on to
 * `main.ts`'s handler.
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
