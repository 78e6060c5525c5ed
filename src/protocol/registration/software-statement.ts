import { decodeJwt, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { SoftwareStatementIssuer } from '../../config/policies.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { Clock } from '../../ports/clock.js';

/** What statement verification needs: the trusted issuers, their keys, the clock that judges `exp`/`nbf`/`iat`, and this server's names. */
export interface SoftwareStatementContext {
  keysFor(issuer: string): JWTVerifyGetKey | undefined;
  issuers: SoftwareStatementIssuer[];
  clock: Clock;
  /** What a statement's `aud`, when present, may name: this server's issuer and registration endpoint URLs. */
  audiences: readonly string[];
}

/** A verified statement: the trusted issuer that signed it and the client metadata it asserts. */
export interface VerifiedSoftwareStatement {
  issuer: SoftwareStatementIssuer;
  claims: Record<string, unknown>;
}

/**
 * Asymmetric JWS algorithms only. RFC 7591 §2.3 allows a MAC too, but issuers are configured with public keys:
 * accepting HS* would let anyone who knows a public key MAC a statement with it (algorithm confusion), and a
 * shared secret would let this server forge its issuers' statements. `none` attests nothing.
 */
const allowedAlgorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];

/** Statements are signed on another party's clock: tolerate this much skew on `exp` and `nbf`, in seconds. */
const clockToleranceSeconds = 30;

/**
 * JWT claims that describe the statement rather than the client (RFC 7519 §4.1). They are dropped so they can
 * never reach the registered metadata; `software_statement` too, since a statement cannot nest another.
 */
const statementOnlyClaims = new Set(['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'software_statement']);

/**
 * Verifies a software statement: a JWS-signed JWT whose `iss` names a configured trusted issuer, signed with
 * one of that issuer's keys by an asymmetric algorithm, not expired. Returns the issuer and the client metadata
 * claims (the statement-only JWT claims removed).
 *
 * `exp` is required: RFC 7591 §2.3 leaves the JWT claims to the issuer, but a statement that never expires can
 * never be withdrawn, and whoever copies one (it is echoed in every registration response) registers under its
 * issuer's name for ever. An `iat` further in the future than the clock skew is refused too: the issuer's clock
 * or the statement is wrong. `aud` is not required, since a statement describes a piece of software to every
 * server it registers with ("a software statement ... MAY be used by multiple instances" and presented to
 * several authorization servers, RFC 7591 §2.3); when present it must name this server (RFC 7519 §4.1.3: "If the
 * principal processing the claim does not identify itself with a value in the aud claim ..., then the JWT MUST
 * be rejected").
 *
 * An untrusted or missing `iss` is `unapproved_software_statement`; anything that fails verification (not a
 * JWT, bad signature, wrong algorithm, expired, keys unavailable) is `invalid_software_statement`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 */
export async function verifySoftwareStatement(statement: string, context: SoftwareStatementContext): Promise<VerifiedSoftwareStatement> {
  const iss = unverifiedIssuer(statement);
  const issuer = typeof iss === 'string' ? context.issuers.find((entry) => entry.issuer === iss) : undefined;
  const keys = issuer && context.keysFor(issuer.issuer);
  if (!issuer || !keys) {
    throw new OAuthError('unapproved_software_statement', 'software statements from this issuer are not accepted', {
      detail: `untrusted software statement issuer ${JSON.stringify(iss ?? null)}`,
    });
  }
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(statement, keys, {
      issuer: issuer.issuer,
      algorithms: allowedAlgorithms,
      currentDate: new Date(context.clock.now()),
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ['exp'],
    }));
  } catch (cause) {
    throw new OAuthError('invalid_software_statement', reasonFor(cause), {
      cause,
      detail: `software statement of ${issuer.issuer}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`,
    });
  }
  checkIssuedAtAndAudience(payload, context, issuer.issuer);
  const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !statementOnlyClaims.has(name)));
  return { issuer, claims };
}

/** The checks jose leaves to the caller: `iat` not in the future (jose judges it only with a maximum age), and `aud` when present. */
function checkIssuedAtAndAudience(payload: Record<string, unknown>, context: SoftwareStatementContext, issuer: string): void {
  const refuse = (description: string, detail: string): never => {
    throw new OAuthError('invalid_software_statement', description, { detail: `software statement of ${issuer}: ${detail}` });
  };
  const iat = payload['iat'];
  if (typeof iat === 'number' && iat > context.clock.now() / 1000 + clockToleranceSeconds) {
    refuse("the software statement's iat claim is in the future", `iat ${iat} is after now plus ${clockToleranceSeconds} s`);
  }
  const aud = payload['aud'];
  if (aud === undefined) return;
  const named = (Array.isArray(aud) ? aud : [aud]).filter((value): value is string => typeof value === 'string');
  if (!named.some((value) => context.audiences.includes(value))) {
    refuse(`the software statement's aud claim does not name this server (${context.audiences[0] ?? 'its issuer'})`, `aud ${JSON.stringify(aud)}`);
  }
}

/**
 * The request with the statement's claims applied over it, for the usual metadata validation to run on:
 * "client metadata values conveyed in the software statement MUST take precedence over those conveyed using
 * plain JSON elements". Request fields the statement does not mention stay as sent.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.1.1
 */
export function applySoftwareStatement(request: Record<string, unknown>, claims: Record<string, unknown>): Record<string, unknown> {
  return { ...request, ...claims };
}

/**
 * The statement's `iss`, read before any verification only to choose whose keys verify it; nothing else of the
 * unverified payload is used.
 */
function unverifiedIssuer(statement: string): unknown {
  try {
    return decodeJwt(statement).iss;
  } catch (cause) {
    throw new OAuthError('invalid_software_statement', 'the software statement is not a JWT in JWS compact serialization', {
      cause,
      detail: cause instanceof Error ? cause.message : String(cause),
    });
  }
}

/** Why verification failed, in words a client developer can act on (the exact error goes to the logs). */
function reasonFor(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the software statement has expired';
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === 'exp' && error.reason === 'missing') {
    return 'the software statement must have an exp claim: statements without an expiry are not accepted';
  }
  // No double quotes: RFC 6749 §5.2 leaves them out of error_description's character set.
  if (error instanceof errors.JWTClaimValidationFailed) return `the software statement's ${error.claim} claim is not valid (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `the software statement must be signed with an asymmetric algorithm (${allowedAlgorithms.join(', ')})`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the software statement's signature does not verify with its issuer's keys";
  if (error instanceof errors.JWKSNoMatchingKey) return "the software statement is signed with a key that its issuer's key set does not contain";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return 'the software statement is not a well-formed signed JWT';
  if (error instanceof errors.JOSENotSupported) return 'the software statement uses an unsupported algorithm or key type';
  if (error instanceof errors.JWKSTimeout) return "the software statement could not be verified: its issuer's keys could not be fetched in time";
  // A fetch that failed (connection refused, non-200 answer, a body that is not a JWK Set) or a broken key.
  return "the software statement could not be verified: its issuer's keys could not be obtained";
}
