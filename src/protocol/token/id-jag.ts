import { decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTPayload } from 'jose';
import type { EnterpriseProvider } from '../../config/enterprise-providers.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { EnterpriseKeyResolver } from '../../keys/enterprise-keys.js';

/** The JWT `typ` of an Identity Assertion JWT Authorization Grant (draft §3, RFC 8725 §3.11). */
export const idJagType = 'oauth-id-jag+jwt';
/** What `authorization_grant_profiles_supported` names for this grant (draft §7.2; MCP extension §6). */
export const idJagProfile = 'urn:ietf:params:oauth:grant-profile:id-jag';

/**
 * Asymmetric JWS algorithms only (MCP extension §7.4.1: an explicit allow-list, never `none`). IdPs publish
 * public keys: accepting HS* would let anyone who knows one MAC an assertion with it (algorithm confusion).
 */
const allowedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
/** Assertions are signed on the IdP's clock: tolerate this much skew on `exp` and `iat`, in seconds. */
const clockToleranceSeconds = 30;
/**
 * The longest lifetime (`exp` − `iat`) accepted, in seconds. ID-JAGs "MUST be short-lived" (MCP extension
 * §7.4.2; IdPs issue them for about 5 minutes), and RFC 7523 §3 lets the server refuse an `exp` too far ahead:
 * a stolen assertion is worth its lifetime, and its `jti` must be remembered that long.
 */
export const maxAssertionLifetimeSeconds = 600;

/** A verified ID-JAG: the provider that signed it and its claims, the required ones checked. */
export interface VerifiedIdJag {
  provider: EnterpriseProvider;
  claims: JWTPayload & { sub: string; jti: string; exp: number; iat: number; client_id: string };
}

/**
 * Verifies an identity assertion grant: a JWT of `typ` `oauth-id-jag+jwt`, whose `iss` is a configured
 * enterprise provider, signed with one of that provider's keys by an asymmetric algorithm, for this issuer
 * (`aud`), with `sub`, `client_id`, `jti`, `iat` and `exp`; not expired, not issued in the future, and not
 * living longer than {@link maxAssertionLifetimeSeconds}. What concerns the request (the client, the resource,
 * the scope, the `jti`'s single use) is the grant's to check. Every failure is `invalid_grant` (RFC 7521 §5.2;
 * RFC 7523 §3.1), its reason in the description, the library's message in the log-only detail.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-identity-assertion-authz-grant#section-4.4.1
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-3
 * @throws {OAuthError} `invalid_grant`
 */
export async function verifyIdJag(
  assertion: string,
  context: { providers: readonly EnterpriseProvider[]; keysFor: EnterpriseKeyResolver; issuer: string; nowMs: number },
): Promise<VerifiedIdJag> {
  const refuse = (description: string, detail?: string, cause?: unknown): never => {
    throw new OAuthError('invalid_grant', description, { ...(detail === undefined ? {} : { detail }), ...(cause === undefined ? {} : { cause }) });
  };
  const { typ, alg, iss } = unverifiedParts(assertion) ?? refuse('the assertion is not a signed JWT');
  // RFC 7515 §4.1.9: a media type, compared without case and with "application/" left out.
  if (typeof typ !== 'string' || typ.toLowerCase().replace(/^application\//, '') !== idJagType) {
    refuse(`the assertion is not an identity assertion grant (typ must be ${idJagType})`, `typ ${JSON.stringify(typ ?? null)}`);
  }
  if (typeof alg !== 'string' || !allowedAlgorithms.includes(alg)) refuse('the assertion must be signed with an asymmetric algorithm', `alg ${JSON.stringify(alg ?? null)}`);
  const provider = typeof iss === 'string' ? context.providers.find((p) => p.issuer === iss) : undefined;
  const keys = provider && context.keysFor(provider.id);
  if (!provider || !keys) return refuse('assertions from this issuer are not accepted', `untrusted ID-JAG issuer ${JSON.stringify(iss ?? null)}`);

  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      issuer: provider.issuer,
      audience: context.issuer,
      algorithms: allowedAlgorithms,
      currentDate: new Date(context.nowMs),
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    }));
  } catch (cause) {
    return refuse(reasonFor(cause), `ID-JAG of ${provider.id}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, cause);
  }
  const { sub, jti, exp, iat } = payload;
  const clientId = payload['client_id'];
  if (typeof sub !== 'string' || sub === '' || sub.length > 255) refuse('the assertion must have a sub claim (at most 255 characters)');
  if (typeof jti !== 'string' || jti === '' || jti.length > 255) refuse('the assertion must have a jti claim (at most 255 characters)');
  if (typeof clientId !== 'string' || clientId === '') refuse('the assertion must have a client_id claim');
  if (typeof exp !== 'number' || typeof iat !== 'number') return refuse('the assertion must have numeric exp and iat claims');
  if (iat > context.nowMs / 1000 + clockToleranceSeconds) refuse('the assertion was issued in the future (iat)', `iat ${iat}`);
  if (exp - iat > maxAssertionLifetimeSeconds) {
    refuse(`the assertion lives too long (at most ${maxAssertionLifetimeSeconds} seconds from iat to exp)`, `exp - iat = ${exp - iat}`);
  }
  return { provider, claims: payload as VerifiedIdJag['claims'] };
}

/** The header's `typ` and `alg` and the payload's `iss`, before verification (to pick the provider's keys); undefined when it is no JWS. */
function unverifiedParts(assertion: string): { typ: unknown; alg: unknown; iss: unknown } | undefined {
  if (assertion.length > 16_384) return undefined;
  try {
    const header = decodeProtectedHeader(assertion);
    return { typ: header.typ, alg: header.alg, iss: decodeJwt(assertion).iss };
  } catch {
    return undefined;
  }
}

/** A description for the client of why jose refused the assertion. */
function reasonFor(cause: unknown): string {
  if (cause instanceof errors.JWTExpired) return 'the assertion has expired';
  if (cause instanceof errors.JWTClaimValidationFailed) {
    if (cause.claim === 'aud') return 'the assertion is for another audience (aud must be this issuer)';
    return `the assertion's ${cause.claim} claim is not valid`;
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed || cause instanceof errors.JWKSNoMatchingKey || cause instanceof errors.JWKSMultipleMatchingKeys) {
    return "the assertion's signature does not verify with the issuer's keys";
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) return 'the assertion must be signed with an asymmetric algorithm';
  if (cause instanceof errors.JWKSTimeout || cause instanceof errors.JWKSInvalid || cause instanceof TypeError) {
    return "the issuer's keys could not be fetched; try again later";
  }
  return 'the assertion is not valid';
}
