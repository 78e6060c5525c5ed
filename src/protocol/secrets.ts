import { createHash, timingSafeEqual } from 'node:crypto';

/**
 * The SHA-256 digest, base64url-encoded, under which a secret (client secret, registration access token) is
 * stored. Secrets are high-entropy random values, so a plain digest is enough: no salt or slow hash is needed.
 */
export function digestSecret(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('base64url');
}

/** Whether `presented` is the secret behind `digest`, compared in constant time. */
export function secretMatches(presented: string, digest: string | null): boolean {
  if (digest === null) return false;
  const expected = Buffer.from(digest, 'base64url');
  const actual = createHash('sha256').update(presented, 'utf8').digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
