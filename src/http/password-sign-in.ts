import type { FastifyReply, FastifyRequest } from 'fastify';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock } from '../ports/clock.js';
import { rateLimitKey } from '../rate-limit/client-key.js';
import type { LoginThrottle } from '../rate-limit/login-throttle.js';
import type { UserRecord, UserStore } from '../ports/users.js';
import { authenticate } from '../users/users.js';
import type { Sessions } from './session.js';

/** A sign-in attempt's outcome: the user (now signed in), or the status and message for the form shown again. */
export type SignInOutcome = { user: UserRecord } | { status: 401 | 429; message: string };

/**
 * Checks a username and password from a sign-in form, as every sign-in page does: the throttle first (a
 * refused attempt does not even check the password), then the password; a failure is counted and audited with
 * the name as typed (it may be a real account under attack, the password never is); a success clears the
 * account's counter, writes the session cookie and is audited.
 */
export async function signInWithPassword(
  context: { users: UserStore; throttle: LoginThrottle; sessions: Sessions; clock: Clock; audit: AuditTrail },
  request: FastifyRequest,
  reply: FastifyReply,
  credentials: { username: string; password: string },
): Promise<SignInOutcome> {
  const { username, password } = credentials;
  const address = rateLimitKey(request.ip);
  const decision = await context.throttle.check(username, address);
  if (!decision.allowed) {
    return { status: 429, message: `Too many failed attempts. Try again in ${Math.ceil(decision.retryAfterSeconds / 60)} minute(s).` };
  }
  const user = await authenticate(context.users, username, password);
  if (!user) {
    await context.throttle.recordFailure(username, address);
    context.audit.record({ type: 'user.sign_in_failed', ip: request.ip, data: { provider: 'local', reason: 'bad_credentials', username: username.slice(0, 100) } });
    return { status: 401, message: 'The username or password is not right.' };
  }
  await context.throttle.recordSuccess(username, address);
  context.sessions.write(reply, { userId: user.id, authTime: context.clock.now(), epoch: user.sessionEpoch });
  context.audit.record({ type: 'user.signed_in', userId: user.id, ip: request.ip, data: { provider: 'local' } });
  return { user };
}
