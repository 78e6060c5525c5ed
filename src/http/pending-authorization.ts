import type { Clock } from '../ports/clock.js';
import type { PurposeSigner } from './signed-values.js';

/** How long a user has to sign in and decide before the pending request must be started again. */
const pendingLifetimeMs = 10 * 60_000;

/** An authorization request waiting for the user, as a sign-in or consent form carries it. */
export interface PendingAuthorization {
  query: Record<string, string>;
  /** On the consent page's form: the digest of what the page showed (`consentShown`); an allow counts only for that. */
  shown: string | undefined;
}

/**
 * Seals and opens the pending authorization request that travels between `/authorize`, `/login` and `/consent`
 * as a signed, expiring form field, so any instance can serve any step. `signer` must be the one of the
 * `pending-authorization` purpose: a session cookie or a notice posted as `pending` does not verify.
 */
export function pendingAuthorizations(signer: PurposeSigner, clock: Clock) {
  return {
    seal: (query: Record<string, string>, shown?: string): string =>
      signer.sign(Buffer.from(JSON.stringify({ query, shown, expires: clock.now() + pendingLifetimeMs })).toString('base64url')),
    /** The request, when `sealed` was signed here and has not expired; otherwise undefined. */
    open(sealed: string | undefined): PendingAuthorization | undefined {
      const value = sealed === undefined ? undefined : signer.verify(sealed);
      if (value === undefined) return undefined;
      const { query, shown, expires } = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
        query: Record<string, string>;
        shown?: string;
        expires: number;
      };
      return expires > clock.now() ? { query, shown } : undefined;
    },
  };
}
