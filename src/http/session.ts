import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseCookie, stringifySetCookie } from 'cookie';
import type { UserRecord, UserStore } from '../ports/users.js';
import { purposeSigner, type PurposeSigner, type SigningPurpose } from './signed-values.js';

/** A signed-in user, as the session cookie carries them. */
export interface Session {
  userId: string;
  /** When the user signed in (milliseconds), for `auth_time`. */
  authTime: number;
  /** The user's session epoch when they signed in: the session ends when it changes (sign-out, new password). */
  epoch: number;
}

/**
 * Cookie settings derived from the issuer: on https, `Secure` and the `__Host-` prefix (bound to this host, path
 * `/`, never set by a subdomain); always `HttpOnly` and `SameSite=Lax`, so other sites' forms cannot send them.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3.2
 */
export function cookieNames(issuer: string) {
  const secure = new URL(issuer).protocol === 'https:';
  const prefix = secure ? '__Host-' : '';
  return {
    session: `${prefix}latchkey-session`,
    csrf: `${prefix}latchkey-csrf`,
    options: { httpOnly: true, sameSite: 'lax' as const, secure, path: '/' },
  };
}

/** The cookies of a request, parsed once. */
const parsedCookies = new WeakMap<FastifyRequest, Record<string, string | undefined>>();

/**
 * The cookies a request sent. Latchkey parses them itself rather than through @fastify/cookie, whose decorators
 * would clash with a host app's own copy of that plugin (and whose options, such as a `domain`, would then apply
 * to Latchkey's `__Host-` cookies).
 */
export function cookiesOf(request: FastifyRequest): Record<string, string | undefined> {
  let cookies = parsedCookies.get(request);
  if (!cookies) {
    cookies = request.headers.cookie ? parseCookie(request.headers.cookie) : {};
    parsedCookies.set(request, cookies);
  }
  return cookies;
}

/** Adds a `Set-Cookie` header (Fastify keeps every one). */
export function setCookie(reply: FastifyReply, name: string, value: string, options: ReturnType<typeof cookieNames>['options'] & { maxAge?: number; expires?: Date }): void {
  reply.header('set-cookie', stringifySetCookie({ name, value, ...options }));
}

/**
 * Reads and writes the session and CSRF cookies, and signs the values the pages hand out: the session cookie, the
 * pending authorization request and the admin notices each with a key of their own, derived from `secret` (see
 * {@link purposeSigner}), so that none of them is accepted as another.
 */
export function createSessions(issuer: string, sessionTtlSeconds: number, now: () => number, secret: string) {
  const names = cookieNames(issuer);
  const signers = new Map<SigningPurpose, PurposeSigner>();
  const signer = (purpose: SigningPurpose): PurposeSigner => {
    let found = signers.get(purpose);
    if (!found) signers.set(purpose, (found = purposeSigner(secret, purpose)));
    return found;
  };
  return {
    names,
    /** The signer of values for `purpose`: only values it signed verify. */
    signer,
    read(request: FastifyRequest): Session | undefined {
      const raw = cookiesOf(request)[names.session];
      const value = raw === undefined ? undefined : signer('session').verify(raw);
      if (value === undefined) return undefined;
      const [userId, authTime, expires, epoch] = value.split('|');
      if (!userId || !authTime || !expires || epoch === undefined || Number(expires) <= now()) return undefined;
      return { userId, authTime: Number(authTime), epoch: Number(epoch) };
    },
    /**
     * The signed-in user: a valid session cookie whose user still exists, with the session epoch it was
     * signed in under. Signing out or a new password raises the epoch, which ends every copy of the cookie
     * (the cookie alone is only a signature, and could otherwise be replayed until it expires).
     */
    async readUser(request: FastifyRequest, users: Pick<UserStore, 'findUserById'>): Promise<{ session: Session; user: UserRecord } | undefined> {
      const session = this.read(request);
      const user = session && (await users.findUserById(session.userId));
      return session && user && user.sessionEpoch === session.epoch ? { session, user } : undefined;
    },
    write(reply: FastifyReply, session: Session): void {
      const expires = now() + sessionTtlSeconds * 1000;
      setCookie(reply, names.session, signer('session').sign(`${session.userId}|${session.authTime}|${expires}|${session.epoch}`), {
        ...names.options,
        maxAge: sessionTtlSeconds,
      });
    },
    /** Signs the browser out: the session cookie is cleared (the CSRF cookie stays, for the next sign-in). */
    clear(reply: FastifyReply): void {
      setCookie(reply, names.session, '', { ...names.options, maxAge: 0, expires: new Date(0) });
    },
    /**
     * The CSRF token of this browser (double-submit: a cookie, repeated in each form), created when missing.
     * A cross-site page can make the browser send the cookie, but cannot read it to put it in the form.
     */
    csrfToken(request: FastifyRequest, reply: FastifyReply): string {
      const cookies = cookiesOf(request);
      const existing = cookies[names.csrf];
      if (existing !== undefined && /^[A-Za-z0-9_-]{43}$/.test(existing)) return existing;
      const token = randomBytes(32).toString('base64url');
      setCookie(reply, names.csrf, token, names.options);
      cookies[names.csrf] = token;
      return token;
    },
    /** Whether a form's CSRF token is this browser's, compared in constant time. */
    csrfMatches(request: FastifyRequest, presented: string | undefined): boolean {
      const expected = cookiesOf(request)[names.csrf];
      if (expected === undefined || presented === undefined) return false;
      const a = Buffer.from(expected);
      const b = Buffer.from(presented);
      return a.length === b.length && timingSafeEqual(a, b);
    },
  };
}

export type Sessions = ReturnType<typeof createSessions>;
