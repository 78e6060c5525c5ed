import { decodeJwt, errors as joseErrors, jwtVerify, type CryptoKey, type JWTPayload, type JWTVerifyGetKey, type JWTVerifyOptions } from 'jose';
import { OAuthError } from '../errors/oauth-error.js';
import type { ClientRecord } from '../ports/clients.js';
import type { ReplayStore } from '../ports/replays.js';
import type { ClientKeyResolver } from './client-keys.js';

/** RFC 7523 §2.2: the `client_assertion_type` of a JWT client assertion. */
export const jwtBearerAssertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * The asymmetric JWS algorithms accepted for `private_key_jwt` (`token_endpoint_auth_signing_alg_values_supported`).
 * `none` and the HMAC algorithms are never accepted: an assertion must be signed with a key only the client holds,
 * and an HMAC "signed" with the registered public key as its secret is the classic algorithm-confusion forgery.
 * `Ed25519` is the fully-specified name of EdDSA over Ed25519 (RFC 9864), which oauth4webapi signs with.
 */
export const assertionSigningAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'] as const;

/** How far the client's clock may be from ours, in seconds, for `exp`, `nbf` and `iat`. */
export const assertionClockSkewSeconds = 30;

/**
 * The longest an assertion may still be valid when it arrives, in seconds. Its `jti` is remembered until it
 * expires, so an assertion valid for a day would make the server store each one for a day.
 */
export const maxAssertionLifetimeSeconds = 300;

/** The longest `jti` accepted: it is stored until the assertion expires. */
const maxJtiLength = 256;

/** What verifying an assertion needs besides the client: its keys, the replay store and this server's names. */
export interface ClientAssertionServices {
  clientKeys: ClientKeyResolver;
  replays: Pick<ReplayStore, 'useOnce'>;
  /** This server's issuer identifier (RFC 8414), the audience clients should use. */
  issuer: string;
}

/** {@link ClientAssertionServices} at one endpoint. */
export interface ClientAssertionContext extends ClientAssertionServices {
  /** The absolute URL of the endpoint the assertion was sent to (`…/token`, `…/revoke`, `…/introspect`). */
  endpointUrl: string;
  nowMs: number;
}

/**
 * The `sub` of an assertion, read without verifying it: with `private_key_jwt` the `client_id` parameter is
 * optional (RFC 7521 §4.2, RFC 7523 §3: `sub` is the client's `client_id`), so the assertion names the client whose
 * keys then verify it. Undefined when it is not a JWT with a string `sub`.
 */
export function assertionSubject(assertion: string): string | undefined {
  try {
    const { sub } = decodeJwt(assertion);
    return typeof sub === 'string' && sub !== '' ? sub : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Verifies a `private_key_jwt` client assertion for `client`: signed (with an algorithm of
 * {@link assertionSigningAlgorithms}, or the client's registered `token_endpoint_auth_signing_alg`) by one of the
 * keys the client registered (`jwks` or `jwks_uri`); `iss` and `sub` are its `client_id`; every `aud` value names
 * this server (its issuer, its token endpoint or the endpoint it was sent to); `exp` present, not past and at most
 * {@link maxAssertionLifetimeSeconds} away; `nbf` and `iat` not in the future; `jti` present and never seen before,
 * on any instance, until the assertion expires.
 *
 * The audience: RFC 7523 §3 lets it be the token endpoint URL, OpenID Connect Core §9 says it SHOULD be, and
 * draft-ietf-oauth-rfc7523bis asks for the issuer; all three are accepted, but not an `aud` array that also names
 * some other party, which is what made an assertion meant for another server replayable here.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @see https://openid.net/specs/openid-connect-core-1_0.html#ClientAuthentication
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-rfc7523bis
 * @throws {OAuthError} `invalid_client`, with a description of what is wrong
 */
export async function verifyClientAssertion(assertion: string, client: ClientRecord, context: ClientAssertionContext): Promise<void> {
  const { clientId } = client;
  const registeredAlg = client.metadata.token_endpoint_auth_signing_alg;
  const algorithms = registeredAlg === undefined ? [...assertionSigningAlgorithms] : [registeredAlg];
  const audiences = new Set([context.issuer, `${context.issuer}/token`, context.endpointUrl]);
  const options: JWTVerifyOptions = {
    algorithms,
    issuer: clientId,
    subject: clientId,
    audience: [...audiences],
    requiredClaims: ['exp', 'jti'],
    clockTolerance: assertionClockSkewSeconds,
    currentDate: new Date(context.nowMs),
  };
  const verify = async (refresh: boolean) => verifyWithKeySet(assertion, await context.clientKeys.keysFor(client, { refresh }), options);
  let payload: JWTPayload;
  try {
    payload = (await verify(false)).payload;
  } catch (error) {
    // A key the cached `jwks_uri` set does not have: the client may have rotated; fetch again (rate-limited there).
    if (!(error instanceof joseErrors.JWKSNoMatchingKey) || client.metadata.jwks_uri === undefined) throw refusal(error, algorithms);
    try {
      payload = (await verify(true)).payload;
    } catch (retried) {
      throw refusal(retried, algorithms);
    }
  }
  const nowSeconds = context.nowMs / 1000;
  const aud = payload.aud;
  if (Array.isArray(aud) && aud.some((value) => !audiences.has(value))) {
    throw new OAuthError('invalid_client', 'the client assertion aud must name only this server (its issuer)');
  }
  if (payload.exp! > nowSeconds + maxAssertionLifetimeSeconds + assertionClockSkewSeconds) {
    throw new OAuthError('invalid_client', `the client assertion must expire within ${maxAssertionLifetimeSeconds} seconds`);
  }
  if (payload.iat !== undefined && payload.iat > nowSeconds + assertionClockSkewSeconds) {
    throw new OAuthError('invalid_client', 'the client assertion iat is in the future');
  }
  const jti = payload.jti!;
  if (jti.length > maxJtiLength || !jti.isWellFormed() || /\p{Cc}/u.test(jti)) {
    throw new OAuthError('invalid_client', `the client assertion jti must be at most ${maxJtiLength} characters of text`);
  }
  const expiresAtMs = (payload.exp! + assertionClockSkewSeconds) * 1000;
  if (!(await context.replays.useOnce(`assertion:${clientId}:${jti}`, expiresAtMs, context.nowMs))) {
    throw new OAuthError('invalid_client', 'the client assertion was already used (its jti is single-use)');
  }
}

/**
 * jose's `jwtVerify` over a key set, trying each candidate key when several match the header (keys without `kid`
 * of one type): jose then throws {@link joseErrors.JWKSMultipleMatchingKeys}, which iterates over the candidates.
 */
async function verifyWithKeySet(assertion: string, keys: JWTVerifyGetKey, options: JWTVerifyOptions): Promise<{ payload: JWTPayload }> {
  try {
    return await jwtVerify(assertion, keys, options);
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    let last: unknown = error;
    for await (const key of error as unknown as AsyncIterable<CryptoKey>) {
      try {
        return await jwtVerify(assertion, key, options);
      } catch (failed) {
        last = failed;
        // A claim that fails with one key fails with all: only a signature failure is worth the next key.
        if (!(failed instanceof joseErrors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw last;
  }
}

/** Why jose refused an assertion, as an `invalid_client` a client can act on; the cause stays in the logs. */
function refusal(error: unknown, algorithms: string[]): OAuthError {
  if (error instanceof OAuthError) return error;
  const describe = (description: string) => new OAuthError('invalid_client', description, { cause: error });
  if (error instanceof joseErrors.JWTExpired) return describe('the client assertion has expired');
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case 'iss':
      case 'sub':
        return describe(`the client assertion ${error.claim} must be the client_id`);
      case 'aud':
        return describe("the client assertion aud must be this server's issuer or token endpoint");
      case 'nbf':
        return describe('the client assertion is not valid yet (nbf)');
      default:
        return describe(`the client assertion claim ${error.claim} is missing or invalid`);
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return describe(`the client assertion must be signed with ${algorithms.join(', ')}`);
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return describe('the client assertion is not signed by a key the client registered');
  }
  if (error instanceof joseErrors.JOSEError) return describe('the client assertion is not a valid signed JWT');
  return describe('the client assertion could not be verified');
}
