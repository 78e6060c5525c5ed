import { randomBytes, randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { UserStore } from '../ports/users.js';
import { createUser, UserError } from './users.js';

/**
 * On the very first start (no users at all), creates an administrator with a random password, so that a
 * standalone server can be signed in to at once. Returns the credentials to show once, or undefined when
 * there were users already (or another instance starting at the same moment created the administrator).
 * With local passwords off (`identity.localPasswords: false`) nobody could use that password: no one is
 * created, and the first administrator is whoever `identity.admins` names at their first upstream sign-in.
 */
export async function ensureFirstAdmin(store: UserStore, now: number, options: { localPasswords: boolean }): Promise<{ username: string; password: string } | undefined> {
  if (!options.localPasswords) return undefined;
  if ((await store.listUsers()).length > 0) return undefined;
  const username = 'admin';
  const password = randomBytes(18).toString('base64url');
  try {
    await createUser(store, { username, password, isAdmin: true, name: 'Administrator' }, { now, newId: randomUUID });
  } catch (error) {
    if (error instanceof UserError && error.code === 'username_taken') return undefined;
    throw error;
  }
  return { username, password };
}

/** Where the first start's announcement goes: the process's stderr, or a stand-in in tests. */
export interface AnnouncementStream {
  /** True only when the stream is a terminal (`process.stderr.isTTY`). */
  isTTY?: boolean | undefined;
  write(text: string): unknown;
}

/**
 * Tells the operator about the administrator {@link ensureFirstAdmin} created. The password goes to a terminal
 * only, never to the log: a stderr that is not a terminal is a container's or a service manager's log, kept,
 * shipped and read by others, so there the operator is told how to set a password instead (on stderr and as a
 * warning in the log), and the random one, seen by nobody, locks the account until they do.
 */
export function announceFirstAdmin(admin: { username: string; password: string }, stderr: AnnouncementStream, logger: Pick<Logger, 'warn'>): void {
  const setPassword = `npx latchkey users set-password ${admin.username}`;
  if (stderr.isTTY === true) {
    stderr.write(`\nFirst start: created the administrator "${admin.username}" with the password ${admin.password}\nChange it with: ${setPassword}\n\n`);
    return;
  }
  stderr.write(
    `\nFirst start: created the administrator "${admin.username}". Its random password is not shown, because stderr is not a terminal.\n` +
      `Set one with: ${setPassword} (--password-stdin for scripts)\n\n`,
  );
  logger.warn({ username: admin.username }, `First start: created the administrator; set its password with: ${setPassword}`);
}
