import type { Config } from '../config/defaults.js';
import { OperationError, type OperationErrorCode } from '../operations/operation-error.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import type { Storage } from '../ports/storage.js';
import { commandContext } from '../compose.js';
import { CliFailure, withAuditTrail, withStorage, type MissingDatabase } from './command-support.js';

/** The exit status of each refusal: 1 for the database's state, 2 for input the operator can correct. */
const exitCodes: Record<OperationErrorCode, 1 | 2> = {
  invalid_input: 2,
  not_found: 1,
  conflict: 1,
  refused: 2,
};

/** What the operations of `src/operations/` take, for one command: the configured storage's ports, an audit trail, the real clock and random source. */
export interface OperatorPorts {
  config: Config;
  storage: Storage;
  clients: Storage['clients'];
  users: Storage['users'];
  initialAccessTokens: Storage['initialAccessTokens'];
  audit: AuditTrail;
  clock: Clock;
  random: RandomSource;
}

/**
 * Runs `work` with the ports of the configured storage (opened, migrated, closed) and an audit trail whose events
 * are all written before it returns. A SQLite file that does not exist is refused, unless `ifMissing` is `create`.
 */
export function withOperatorPorts<R>(config: Config, work: (ports: OperatorPorts) => Promise<R>, ifMissing: MissingDatabase = 'refuse'): Promise<R> {
  return withStorage(config, (storage) =>
    withAuditTrail(storage, (audit) =>
      work({
        config,
        storage,
        clients: storage.clients,
        users: storage.users,
        initialAccessTokens: storage.initialAccessTokens,
        audit,
        clock: commandContext.clock,
        random: commandContext.random,
      }),
    ),
    ifMissing,
  );
}

/** An operation's refusal as one line and its exit status (for `reportRefusals`); anything else goes on. */
export function operationRefusal(error: unknown): CliFailure | undefined {
  return error instanceof OperationError ? new CliFailure(error.message, exitCodes[error.code]) : undefined;
}
