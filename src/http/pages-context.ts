import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/defaults.js';
import type { KeyManager } from '../keys/key-manager.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import type { LoginThrottle } from '../rate-limit/login-throttle.js';
import type { Storage } from '../ports/storage.js';
import type { UserRecord } from '../ports/users.js';
import type { SignInMethods } from '../users/sign-in-methods.js';
import type { HostSignIn } from './host-sign-in.js';
import type { Sessions } from './session.js';

/** What the pages a person sees (sign-in, connected apps, the admin dashboard) work with. */
export interface PagesContext {
  config: Config;
  storage: Storage;
  clock: Clock;
  random: RandomSource;
  sessions: Sessions;
  throttle: LoginThrottle;
  audit: AuditTrail;
  keys: KeyManager;
  /** The issuer's path (`''` for an issuer at the root): every page's URL starts with it. */
  base: string;
  /** The configured ways to sign in: the account page offers to link these providers, and keeps a user one way in. */
  signInMethods: SignInMethods;
  /** A host app's sign-in (library mode): when set, it says who is signed in, and Latchkey's own sessions are not used. */
  host?: HostSignIn | undefined;
}

/** The signed-in user of this request, if the session cookie is valid and the account still exists. */
export async function signedInUser(context: PagesContext, request: FastifyRequest): Promise<UserRecord | undefined> {
  if (context.host) return (await context.host.user(request))?.user;
  return (await context.sessions.readUser(request, context.storage.users))?.user;
}

/**
 * Sends a browser that is not signed in to the sign-in page, which brings it back to `returnTo` (a path of
 * this server, see {@link safeReturnPath}) afterwards: Latchkey's own, or the host app's.
 */
export function redirectToSignIn(context: PagesContext, reply: FastifyReply, returnTo: string): FastifyReply {
  if (context.host) return reply.header('cache-control', 'no-store').redirect(context.host.signInUrl(returnTo), 303);
  return reply.header('cache-control', 'no-store').redirect(`${context.base}/signin?${new URLSearchParams({ return_to: returnTo })}`, 303);
}

/**
 * Where the sign-in page may send the browser afterwards: only the account and admin pages of this server,
 * by path. Anything else (another host, `//host`, a backslash, a scheme, a `.` or `..` segment even
 * percent-encoded, which the browser would resolve out of the allowed pages) falls back to the account page,
 * so the sign-in page is never an open redirect, not even to another application on the same host.
 */
export function safeReturnPath(base: string, value: string | undefined): string {
  const fallback = `${base}/account`;
  if (value === undefined || value.length > 2000) return fallback;
  const queryAt = value.indexOf('?');
  const path = queryAt === -1 ? value : value.slice(0, queryAt);
  const query = queryAt === -1 ? '' : value.slice(queryAt);
  if (!/^\/[A-Za-z0-9\-._~%!$&'()*+,;=:@/]*$/.test(path) || !/^[A-Za-z0-9\-._~%!$&'()*+,;=:@/?]*$/.test(query)) return fallback;
  const segments = path.slice(1).split('/');
  for (const [i, segment] of segments.entries()) {
    let decoded: string;
    try {
      decoded = decodeURIComponent(segment);
    } catch {
      return fallback;
    }
    // An empty segment is a `//`, except a trailing slash. Browsers resolve `.`, `..`, `%2e` and `%2e%2e`
    // segments; they leave `%2f` and `%5c` alone, so encoded client ids (URLs) stay allowed.
    if ((segment === '' && i !== segments.length - 1) || decoded === '.' || decoded === '..') return fallback;
  }
  const allowed = [`${base}/account`, `${base}/admin`];
  return allowed.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) ? value : fallback;
}
