import { createHash, timingSafeEqual } from 'node:crypto';
import { OAuthError } from '../errors/oauth-error.js';

/** RFC 7636 §4.1: `code-verifier = 43*128unreserved`. */
const verifierSyntax = /^[A-Za-z0-9\-._~]{43,128}$/;
/** An S256 challenge is the base64url SHA-256 of a verifier: 43 characters, no padding. */
const s256ChallengeSyntax = /^[A-Za-z0-9_-]{43}$/;

/**
 * Checks the PKCE parameters of an authorization request. OAuth 2.1 §4.1.1 requires PKCE of every client,
 * and only `S256` is accepted: `plain` offers no protection when the request is observed.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 * @throws {OAuthError} `invalid_request`
 */
export function validateCodeChallenge(challenge: string | undefined, method: string | undefined): string {
  if (challenge === undefined) throw new OAuthError('invalid_request', 'code_challenge is required (PKCE with S256)');
  if (method !== 'S256') throw new OAuthError('invalid_request', 'code_challenge_method must be S256');
  if (!s256ChallengeSyntax.test(challenge)) throw new OAuthError('invalid_request', 'code_challenge is not a base64url S256 value');
  return challenge;
}

/**
 * Whether `verifier` is the one behind an S256 `challenge`, compared in constant time.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 */
export function verifierMatches(verifier: string, challenge: string): boolean {
  if (!verifierSyntax.test(verifier)) return false;
  const expected = Buffer.from(challenge, 'utf8');
  const actual = Buffer.from(createHash('sha256').update(verifier, 'ascii').digest('base64url'), 'utf8');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
