import type { AuthInfo } from '../resource-server/authenticate.js';

/**
 * The bearer tokens the gateway has verified, until they expire: an agent sends the same token with every
 * request, and checking its signature each time was the largest single cost of a gateway request. Only tokens
 * that are not bound to a DPoP key are kept (a bound token needs a fresh proof checked on every request), only
 * after the full check succeeded, and only by their exact text, so a token that was never verified is never taken
 * for one. Revocation is checked apart, on every request (revocation-check.ts).
 */
export interface VerifiedTokens {
  /** The verified token's `AuthInfo`, when `authorization` is `Bearer <a token verified before>` that has not expired. */
  lookup(authorization: string | readonly string[] | undefined, nowMs: number): AuthInfo | undefined;
  remember(auth: AuthInfo): void;
}

export function createVerifiedTokens(maxEntries = 5000): VerifiedTokens {
  const known = new Map<string, AuthInfo>();
  return {
    lookup(authorization, nowMs) {
      if (typeof authorization !== 'string' || !authorization.startsWith('Bearer ')) return undefined;
      const auth = known.get(authorization.slice(7));
      if (auth === undefined) return undefined;
      if (auth.expiresAt * 1000 <= nowMs) {
        known.delete(auth.token);
        return undefined;
      }
      return auth;
    },
    remember(auth) {
      if (auth.extra.claims.cnf !== undefined) return;
      if (known.size >= maxEntries) known.delete(known.keys().next().value!);
      known.set(auth.token, auth);
    },
  };
}
