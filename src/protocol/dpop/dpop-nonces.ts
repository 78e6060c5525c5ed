import { createHmac, createSecretKey, hkdfSync, timingSafeEqual } from 'node:crypto';

/** How long one nonce is the current one; a nonce stays valid for one more step after, so 5 to 10 minutes in all. */
export const dpopNonceStepSeconds = 300;

/**
 * Server-provided DPoP nonces (RFC 9449 §8), stateless: a nonce is a time step and the HMAC of that step under a
 * key derived from the server secret, so every instance sharing the database issues and accepts the same nonces
 * without storing any. The current and the previous step are accepted: a client that got a nonce just before the
 * step changed is not sent round again.
 */
export interface DpopNonces {
  /** The nonce to hand out now (in `DPoP-Nonce`). */
  current(nowMs: number): string;
  /** Whether `nonce` is one of this server's, of the current or the previous step. */
  accepts(nonce: string, nowMs: number): boolean;
}

/**
 * The nonces of a server whose stored secret is `secret`. The key is derived by HKDF-SHA256 with its own info
 * string, so it is independent of the cookie keys derived from the same secret.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-8
 */
export function createDpopNonces(secret: string): DpopNonces {
  // A KeyObject made once: given raw bytes, createHmac imports them on every call (about 5× the MAC's own cost).
  const key = createSecretKey(Buffer.from(hkdfSync('sha256', secret, '', 'latchkey dpop nonce', 32)));
  const mac = (step: number) => createHmac('sha256', key).update(String(step)).digest().subarray(0, 16).toString('base64url');
  const stepOf = (nowMs: number) => Math.floor(nowMs / 1000 / dpopNonceStepSeconds);
  const nonceOf = (step: number) => `${step.toString(36)}.${mac(step)}`;
  return {
    current: (nowMs) => nonceOf(stepOf(nowMs)),
    accepts(nonce, nowMs) {
      const match = /^([0-9a-z]{1,12})\.([A-Za-z0-9_-]{22})$/.exec(nonce);
      if (!match) return false;
      const step = parseInt(match[1]!, 36);
      const now = stepOf(nowMs);
      if (step !== now && step !== now - 1) return false;
      return timingSafeEqual(Buffer.from(match[2]!), Buffer.from(mac(step)));
    },
  };
}
