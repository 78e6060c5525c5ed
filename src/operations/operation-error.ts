/**
 * Why an operation was refused; `switch (error.code)` narrows. Each caller renders it its own way, from one
 * table each: the dashboard as a status and a notice on the page, the CLI as one line and an exit status.
 *
 * - `invalid_input`: the operator can correct what they typed (bad metadata, an unknown policy, a short password).
 * - `not_found`: what it names does not exist (any more): an unknown client, user or token.
 * - `conflict`: the database's state forbids it (a username that is taken).
 * - `refused`: allowed to nobody in this role (an administrator removing their own account).
 */
export type OperationErrorCode = 'invalid_input' | 'not_found' | 'conflict' | 'refused';

/** An operation refused for a reason the operator can read: the message is written for them, one sentence. */
export class OperationError extends Error {
  constructor(
    readonly code: OperationErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'OperationError';
  }
}
