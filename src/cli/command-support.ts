import { InvalidArgumentError } from 'commander';
import pino from 'pino';
import type { Config } from '../config/defaults.js';
import { createAuditTrail } from '../observability/audit-trail.js';
import { createLogger } from '../observability/logger.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import { openStorage } from '../storage/open-storage.js';
import type { Storage } from '../ports/storage.js';
import { systemClock, systemRandom } from '../system.js';

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
  const storage = await openStorage(config.database, { secrets: config.secrets, logger: stderrLogger() });
  try {
    await storage.migrate();
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
  const logger = stderrLogger();
  const audit = createAuditTrail({ store: storage.auditEvents, logger, clock: systemClock, random: systemRandom });
  try {
    return await work(audit);
  } finally {
    await audit.close();
  }
}

/** Warnings of a command (JSON, as the server's), on stderr: stdout is the command's output. */
function stderrLogger() {
  return createLogger('warn', pino.destination({ fd: 2, sync: true }));
}

/** A commander argument parser for counts: 1, 2, 3… */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1) throw new InvalidArgumentError('expected a positive integer');
  return Number(value);
}
