import { randomBytes, randomUUID } from 'node:crypto';
import type { UserStore } from '../storage/ports.js';
import { createUser, UserError } from './users.js';

/**
 * On the very first start (no users at all), creates an administrator with a random password, so that a
 * standalone server can be signed in to at once. Returns the credentials to show once, or undefined when
 * there were users already (or another instance starting at the same moment created the administrator).
 */
export async function ensureFirstAdmin(store: UserStore, now: number): Promise<{ username: string; password: string } | undefined> {
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
