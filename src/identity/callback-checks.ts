import { timingSafeEqual } from 'node:crypto';
import { providerErrorText, UpstreamSignInError } from './upstream-client.js';

/** Whether the callback's value is the expected one, compared in constant time (`state` is a bearer secret of the browser). */
export function sameText(received: string | null, expected: string): boolean {
  if (received === null) return false;
  const a = Buffer.from(received);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The error a provider put in the callback (RFC 6749 §4.1.2.1): `access_denied` when the person declined, or
 * anything else the provider reports, with its code and description shown as plain text.
 */
export function accessDenied(providerName: string, error: string | undefined | null, description: string | undefined | null): UpstreamSignInError {
  const said = providerErrorText(error, description);
  if (error === 'access_denied') {
    return new UpstreamSignInError('access_denied', `The sign-in with ${providerName} was cancelled or refused (${said}).`, said);
  }
  return new UpstreamSignInError('upstream_error', `${providerName} reported an error: ${said}.`, said);
}
