import type { FastifyRequest } from 'fastify';
import type { UserRecord } from '../ports/users.js';
import { rateLimitKey } from '../rate-limit/client-key.js';
import { authenticate } from '../users/users.js';
import type { PagesContext } from './pages-context.js';

/**
 * Checks a signed-in user's current password (before a change of password) as a sign-in checks one: the
 * throttle first (a refused attempt does not check the password at all), then the password. A wrong one counts
 * against the account and the address like a failed sign-in, and is audited as one, so the form cannot be used
 * to guess a password the sign-in page would stop. `undefined` when it is right.
 */
export async function checkCurrentPassword(
  context: Pick<PagesContext, 'storage' | 'throttle' | 'audit'>,
  request: FastifyRequest,
  user: UserRecord,
  password: string,
): Promise<{ status: 401 | 429; message: string } | undefined> {
  const address = rateLimitKey(request.ip);
  const decision = await context.throttle.check(user.username, address);
  if (!decision.allowed) {
    return { status: 429, message: `Too many failed attempts. Nothing was changed. Try again in ${Math.ceil(decision.retryAfterSeconds / 60)} minute(s).` };
  }
  const confirmed = await authenticate(context.storage.users, user.username, password);
  if (confirmed?.id !== user.id) {
    await context.throttle.recordFailure(user.username, address);
    context.audit.record({ type: 'user.sign_in_failed', userId: user.id, ip: request.ip, data: { username: user.username, during: 'password_change' } });
    return { status: 401, message: 'Your current password is not right. Nothing was changed.' };
  }
  await context.throttle.recordSuccess(user.username, address);
  return undefined;
}
