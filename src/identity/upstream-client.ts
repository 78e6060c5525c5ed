import type { IdentityProvider } from '../config/identity.js';

/**
 * A person as an upstream provider described them after a verified sign-in. Users are found by
 * (`provider`, `subject`) only; the rest is for pages and for the allow and admin rules.
 */
export interface UpstreamProfile {
  /** The configured provider's id. */
  provider: string;
  /** The provider's stable subject: OpenID Connect `sub`, or GitHub's numeric user id (a login can be renamed). */
  subject: string;
  email: string | null;
  /** Whether the provider vouches for `email`. Email rules and stored identities use verified addresses only. */
  emailVerified: boolean;
  name: string | null;
  /** `preferred_username` (or the configured claim), or the GitHub login. */
  username: string | null;
  groups: string[];
  /** The verified ID token claims with the userinfo response's; for GitHub the `/user` object. For claim rules. */
  claims: Record<string, unknown>;
}

/**
 * Why a sign-in at a provider failed, as a stable code the caller can `switch` on (audit events, metrics, the
 * page shown). `access_denied`: the person said no at the provider. `upstream_error`: the provider answered with
 * another error or something unusable. `state_mismatch`: the callback is not for the round trip this browser began
 * (CSRF, a replayed or stale callback). `issuer_mismatch`: the callback says it comes from another issuer
 * (RFC 9207, a mix-up attack). `invalid_id_token`: the ID token failed verification. `token_exchange_failed`: the
 * code could not be redeemed. `unreachable`: the provider did not answer in time. `no_subject`: no usable subject.
 */
export type UpstreamFailureReason =
  | 'access_denied'
  | 'upstream_error'
  | 'state_mismatch'
  | 'issuer_mismatch'
  | 'invalid_id_token'
  | 'token_exchange_failed'
  | 'unreachable'
  | 'no_subject';

/**
 * A failed upstream sign-in. `message` is safe to show the person (no token, code or secret; the provider's own
 * `error` and `error_description` at most, as plain truncated text); `detail` is for the logs, and is as safe.
 */
export class UpstreamSignInError extends Error {
  override readonly name = 'UpstreamSignInError';
  constructor(
    readonly reason: UpstreamFailureReason,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * What must survive the trip to the provider and back, kept by the caller in a signed, short-lived cookie bound to
 * the browser, and used once: `state` ties the callback to this browser (CSRF), `nonce` ties the ID token to this
 * request (OpenID Connect Core §3.1.2.1), and `codeVerifier` proves the code was asked for here (PKCE, RFC 7636).
 */
export interface UpstreamRoundTrip {
  state: string;
  nonce: string | null;
  codeVerifier: string;
}

/** Signs a person in at one upstream provider. */
export interface UpstreamClient {
  readonly provider: IdentityProvider;
  /**
   * Builds the provider's authorization URL (PKCE S256, `state`, and `nonce` for OpenID Connect) for a callback at
   * `redirectUri`. OpenID Connect discovery is fetched on first use and cached.
   */
  begin(redirectUri: string): Promise<{ url: URL; roundTrip: UpstreamRoundTrip }>;
  /**
   * Checks the callback (`error`, `state`, RFC 9207 `iss`), redeems the code, verifies the ID token (signature
   * against the provider's JWKS, `iss`, `aud`, `exp`, `nonce`), reads userinfo or GitHub's API, and returns the
   * profile. The provider's tokens are dropped here: never returned, stored or logged. Throws
   * {@link UpstreamSignInError}.
   */
  complete(callbackUrl: URL, redirectUri: string, roundTrip: UpstreamRoundTrip): Promise<UpstreamProfile>;
}

/**
 * A provider's `error` and `error_description` as text safe to show: the characters RFC 6749 §5.2 allows in them
 * (printable ASCII but `"` and `\`), at most 200 of them.
 */
export function providerErrorText(error: unknown, description?: unknown): string {
  const clean = (value: unknown): string => (typeof value === 'string' ? value.replace(/[^\x20\x21\x23-\x5b\x5d-\x7e]/g, '').trim() : '');
  const code = clean(error).slice(0, 64) || 'error';
  const said = clean(description);
  const text = said ? `${code}: ${said}` : code;
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}
