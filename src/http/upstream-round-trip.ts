import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UpstreamRoundTrip } from '../identity/upstream-client.js';
import type { Clock } from '../ports/clock.js';
import { cookieNames, cookiesOf, setCookie } from './session.js';
import type { PurposeSigner } from './signed-values.js';

/** How long a person has at the provider before the sign-in must be started again. */
const lifetimeSeconds = 600;

/** The largest cookie browsers keep for sure (RFC 6265 §6.1 asks for at least 4096 bytes, name and attributes included). */
const maxCookieValue = 3800;

/** Where an upstream sign-in leads once the provider sent the person back. */
export type UpstreamDestination =
  /** Resume this authorization request at `/authorize`. */
  | { kind: 'authorize'; query: Record<string, string> }
  /** Go to this page of the server (already checked by `safeReturnPath`). */
  | { kind: 'page'; path: string }
  /** Link the identity to this signed-in user, then show `/account`. */
  | { kind: 'link'; userId: string };

/** What travels through the provider, kept in this browser only. */
export interface UpstreamPending {
  provider: string;
  roundTrip: UpstreamRoundTrip;
  then: UpstreamDestination;
}

/**
 * The state of an upstream sign-in between leaving for the provider and coming back: the `state`, `nonce` and PKCE
 * verifier the callback must match, and where to go afterwards (the pending authorization request). It is a
 * cookie, signed with a key of its own purpose and expiring after ten minutes, so it is bound to the browser that
 * started the sign-in: a callback URL opened in another browser, or replayed after it was used (the callback
 * clears the cookie), finds nothing and is refused, and a login CSRF (an attacker's callback URL pushed to the
 * victim) fails the `state` comparison. `SameSite=Lax` lets it come back with the provider's top-level redirect.
 * Any instance can finish what another started: nothing is stored server-side.
 */
export function upstreamRoundTrips(issuer: string, signer: PurposeSigner, clock: Clock) {
  const names = cookieNames(issuer);
  const name = `${names.session.startsWith('__Host-') ? '__Host-' : ''}latchkey-upstream`;
  return {
    /** Writes the cookie; `false` (writing nothing) when the pending request is too large for a cookie. */
    write(reply: FastifyReply, pending: UpstreamPending): boolean {
      const payload = Buffer.from(JSON.stringify({ ...pending, expires: clock.now() + lifetimeSeconds * 1000 })).toString('base64url');
      const value = signer.sign(payload);
      if (value.length > maxCookieValue) return false;
      setCookie(reply, name, value, { ...names.options, maxAge: lifetimeSeconds });
      return true;
    },
    /** The pending sign-in of this browser, when its cookie was signed here and has not expired. */
    read(request: FastifyRequest): UpstreamPending | undefined {
      const raw = cookiesOf(request)[name];
      const value = raw === undefined ? undefined : signer.verify(raw);
      if (value === undefined) return undefined;
      const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as UpstreamPending & { expires: number };
      if (!(parsed.expires > clock.now())) return undefined;
      return { provider: parsed.provider, roundTrip: parsed.roundTrip, then: parsed.then };
    },
    /** Forgets the pending sign-in: a callback is used once. */
    clear(reply: FastifyReply): void {
      setCookie(reply, name, '', { ...names.options, maxAge: 0, expires: new Date(0) });
    },
  };
}

export type UpstreamRoundTrips = ReturnType<typeof upstreamRoundTrips>;
