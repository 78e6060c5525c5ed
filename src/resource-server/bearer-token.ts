import { ResourceServerError } from './resource-server-error.js';

/**
 * Longer than any access token Latchkey issues (an RS256 token with many scopes stays under 2 KiB), and short
 * enough that a hostile header is refused before it is decoded.
 */
const maxTokenLength = 8192;

/** RFC 6750 §2.1: `b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;

/**
 * The token of an `Authorization` header, or undefined when there is none (no header, an empty one, another
 * scheme: RFC 6750 §3.1 then wants a challenge without an error code). A `Bearer` header that is malformed (no
 * token, characters outside b64token, two tokens, a token too long, or the header sent twice) is refused as
 * `invalid_token`. With `bare`, a value without a scheme is taken as the token itself.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function bearerToken(
  input: string | readonly string[] | null | undefined,
  needed: readonly string[],
  { bare = false }: { bare?: boolean } = {},
): string | undefined {
  const presented = presentedToken(input, needed, { bare });
  return presented?.scheme === 'Bearer' ? presented.token : undefined;
}

/**
 * The token of an `Authorization` header and its scheme, `Bearer` or `DPoP` (RFC 9449 §7.1, same token syntax),
 * refused as {@link bearerToken} refuses; a bare token (with `bare`) counts as `Bearer`.
 */
export function presentedToken(
  input: string | readonly string[] | null | undefined,
  needed: readonly string[],
  { bare = false }: { bare?: boolean } = {},
): { token: string; scheme: 'Bearer' | 'DPoP' } | undefined {
  const values = (typeof input === 'string' || input == null ? [input] : input).map((value) => value?.trim()).filter(Boolean);
  if (values.length > 1) throw malformed(needed, 'The request has more than one Authorization header.');
  const value = values[0];
  if (!value) return undefined;
  const [scheme = '', ...rest] = value.split(/[ \t]+/);
  if (rest.length === 0 && bare) return { token: checked(scheme, needed), scheme: 'Bearer' };
  const named = scheme.toLowerCase() === 'bearer' ? 'Bearer' : scheme.toLowerCase() === 'dpop' ? 'DPoP' : undefined;
  if (named === undefined) return undefined;
  if (rest.length !== 1) throw malformed(needed, `The Authorization header must be "${named}" and one token.`);
  return { token: checked(rest[0]!, needed), scheme: named };
}

function checked(token: string, needed: readonly string[]): string {
  if (token.length > maxTokenLength || !b64token.test(token)) throw malformed(needed, 'The access token is not valid.');
  return token;
}

function malformed(needed: readonly string[], description: string): ResourceServerError {
  return new ResourceServerError('invalid_token', description, needed);
}
