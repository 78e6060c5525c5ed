import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import type { UserRecord, UserStore } from '../ports/users.js';
import { createUser, normalizeUsername, removeUser as deleteUser, setUserPassword, UserError, validateUsername, type NewUser, type UserErrorCode } from '../users/users.js';
import { auditedBy, type Actor } from './actor.js';
import { OperationError, type OperationErrorCode } from './operation-error.js';

/** How each refusal of `users/users.ts` reads to an operator. */
const refusals: Record<UserErrorCode, OperationErrorCode> = {
  invalid_username: 'invalid_input',
  invalid_password: 'invalid_input',
  invalid_profile: 'invalid_input',
  username_taken: 'conflict',
  unknown_user: 'not_found',
};

/**
 * An operator adds a local user (`latchkey users add`, the dashboard): validated and stored with a scrypt hash
 * of the password only ({@link createUser}). Recorded as `user.created` by the actor.
 *
 * @throws {OperationError} `invalid_input` (username, password, name or email), `conflict` (the username is taken)
 */
export async function addUser(
  input: NewUser,
  context: { users: UserStore; clock: Clock; random: RandomSource; audit: AuditTrail },
  actor: Actor,
): Promise<UserRecord> {
  const user = await refusing(() => createUser(context.users, input, { now: context.clock.now(), newId: () => context.random.uuid() }));
  context.audit.record({ type: 'user.created', userId: user.id, ...auditedBy(actor), data: { username: user.username, is_admin: user.isAdmin, provider: 'local' } });
  return user;
}

/**
 * Whether `username` could be added now, checked before asking for a password (the CLI asks twice, at a
 * terminal): {@link addUser} checks again, since the name may be taken meanwhile.
 *
 * @throws {OperationError} `invalid_input`, `conflict`
 */
export async function checkNewUsername(username: string, context: { users: Pick<UserStore, 'findUserByUsername'> }): Promise<void> {
  const problem = validateUsername(username);
  if (problem) throw new OperationError('invalid_input', problem);
  if (await context.users.findUserByUsername(normalizeUsername(username))) {
    throw new OperationError('conflict', `A user named ${JSON.stringify(normalizeUsername(username))} already exists.`);
  }
}

/**
 * An operator removes a local user (`latchkey users remove`, the dashboard), and with them, through the
 * schema, their consents, grants and refresh tokens. An administrator cannot remove their own account, so the
 * dashboard never locks its last user out by a click (the CLI can: it needs no account). Recorded as
 * `user.removed` by the actor.
 *
 * @throws {OperationError} `refused` (one's own account), `not_found`
 */
export async function removeUser(username: string, context: { users: UserStore; audit: AuditTrail }, actor: Actor): Promise<UserRecord> {
  const normalized = normalizeUsername(username);
  if (actor.kind === 'admin' && normalizeUsername(actor.username) === normalized) {
    throw new OperationError('refused', 'You cannot remove your own account. Another administrator can.');
  }
  const user = await context.users.findUserByUsername(normalized);
  if (!user) throw notFound(normalized);
  // Deleted by name: gone meanwhile is the same refusal as never there.
  await refusing(() => deleteUser(context.users, normalized));
  context.audit.record({ type: 'user.removed', userId: user.id, ...auditedBy(actor), data: { username: normalized } });
  return user;
}

/**
 * An operator replaces a user's password (`latchkey users set-password`), which also ends the user's sessions.
 * It also gives a password to a user created by an upstream sign-in, who can then sign in with it too (while
 * `identity.localPasswords` is on). Recorded as `user.password_changed` by the actor.
 *
 * @throws {OperationError} `invalid_input` (the password), `not_found`
 */
export async function resetPassword(username: string, password: string, context: { users: UserStore; audit: AuditTrail }, actor: Actor): Promise<void> {
  await refusing(() => setUserPassword(context.users, username, password));
  const user = await context.users.findUserByUsername(normalizeUsername(username));
  if (user) context.audit.record({ type: 'user.password_changed', userId: user.id, ...auditedBy(actor), data: { username: user.username } });
}

/** Fails early, before a password is asked for, when there is no such user to set it for. @throws {OperationError} `not_found` */
export async function checkUserExists(username: string, context: { users: Pick<UserStore, 'findUserByUsername'> }): Promise<UserRecord> {
  const user = await context.users.findUserByUsername(normalizeUsername(username));
  if (!user) throw notFound(normalizeUsername(username));
  return user;
}

async function refusing<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) throw new OperationError(refusals[error.code], error.message, { cause: error });
    throw error;
  }
}

function notFound(username: string): OperationError {
  return new OperationError('not_found', `There is no user named ${JSON.stringify(username)}.`);
}
