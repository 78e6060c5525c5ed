/**
 * Who performs an operator operation: the `latchkey` command on the server's machine, or an administrator signed
 * in to the dashboard (from an address). The audit trail names them as it always has: `cli`, `admin:<username>`.
 */
export type Actor = { kind: 'cli' } | { kind: 'admin'; username: string; ip: string | null };

/** The `latchkey` command: whoever may run it on the server's machine owns the database already. */
export const cliActor: Actor = Object.freeze({ kind: 'cli' });

/** The audit entry's `actor` and `ip` for `actor`. */
export function auditedBy(actor: Actor): { actor: string; ip: string | null } {
  return actor.kind === 'cli' ? { actor: 'cli', ip: null } : { actor: `admin:${actor.username}`, ip: actor.ip };
}
