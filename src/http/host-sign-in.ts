import type { IncomingMessage } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Clock, RandomSource } from '../ports/clock.js';
import type { IdentityStore } from '../ports/identities.js';
import type { UserRecord, UserStore } from '../ports/users.js';
import { userOfHost, type HostUser } from '../users/host-accounts.js';
import { cookiesOf } from './session.js';

/** A request as a host app's `authenticate` hook sees it, whichever way Latchkey is mounted. */
export interface HostRequest {
  /** The request's URL, on the issuer's origin. */
  url: URL;
  method: string;
  headers: Headers;
  /** The request's cookies, parsed. */
  cookies: Readonly<Record<string, string | undefined>>;
  /**
   * The Node request: with the Express or `node:http` middleware, the host's own (so `req.session` or `req.user`
   * set by the host's middleware is there); with the Fastify plugin, the raw request under the host's Fastify one.
   */
  node: IncomingMessage;
  /** With the Fastify plugin, the host's Fastify request (its decorations, such as `request.session`, are there). */
  fastify: FastifyRequest;
}

/**
 * A host app's own sign-in (PRODUCT.md §9, library mode): who is signed in, answered from the host's session, and
 * where to send a browser that is not. With it, Latchkey shows no sign-in page of its own and keeps no session: it
 * asks the host at each authorization page, and runs only consent and token issuance.
 */
export interface HostAuthentication {
  /** The signed-in user of this request, or undefined. Called on every authorization, account and admin page. */
  authenticate(request: HostRequest): HostUser | undefined | Promise<HostUser | undefined>;
  /**
   * Where to send a browser to sign in: `returnTo` is the absolute URL of the Latchkey page to come back to (the
   * authorization request to resume), on the issuer's origin. Send the browser there after signing in, and only
   * there or to your own pages (check it starts with the issuer): it is the one value here a visitor can write.
   */
  signInUrl(returnTo: string): string;
}

/** The pages' view of a host's sign-in: the user (a Latchkey user linked to the host's id), and the way to sign in. */
export interface HostSignIn {
  user(request: FastifyRequest): Promise<{ user: UserRecord; authTime: number } | undefined>;
  signInUrl(returnTo: string): string;
}

/** The {@link HostSignIn} of a host's hook, over the stores that link its users to Latchkey users. */
export function hostSignIn(
  hook: HostAuthentication,
  issuer: string,
  context: { users: UserStore; identities: IdentityStore; clock: Clock; random: RandomSource },
): HostSignIn {
  const origin = new URL(issuer).origin;
  return {
    async user(request) {
      const hostUser = await hook.authenticate(hostRequest(request, origin));
      if (hostUser === undefined || hostUser === null) return undefined;
      const user = await userOfHost(hostUser, context);
      const authTime = typeof hostUser.authTime === 'number' && Number.isFinite(hostUser.authTime) ? hostUser.authTime : context.clock.now();
      return { user, authTime };
    },
    signInUrl: (returnTo) => hook.signInUrl(new URL(returnTo, origin).href),
  };
}

function hostRequest(request: FastifyRequest, origin: string): HostRequest {
  const headers = new Headers();
  for (const [name, value] of Object.entries(request.headers)) {
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else if (value !== undefined) headers.set(name, value);
  }
  return { url: new URL(request.url, origin), method: request.method, headers, cookies: cookiesOf(request), node: request.raw, fastify: request };
}
