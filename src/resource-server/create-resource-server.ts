import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { presentedToken } from './bearer-token.js';
import { createDpopChecker, dpopAlgorithms, dpopChallenge, type DpopRequest } from './dpop.js';
import { type HttpReply, toResponse } from './http-reply.js';
import { createIntrospector, type IntrospectionOptions } from './introspection.js';
import { ResourceServerError, statusOf } from './resource-server-error.js';

/** The claims of a verified Latchkey access token. @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2 */
export interface AccessTokenClaims extends JWTPayload {
  iss: string;
  sub: string;
  /** The resource (RFC 8707) the token was issued for. */
  aud: string | string[];
  client_id: string;
  /** Space-separated scopes. */
  scope: string;
  jti: string;
  iat: number;
  exp: number;
  auth_time?: number;
  /** The grant the token belongs to. */
  gid?: string;
  /** `client_credentials` on a token without a user: `sub` is then the client, not a person. */
  gty?: string;
  /** The DPoP key the token is bound to (RFC 9449 §6.1): it is accepted only with a proof by that key. */
  cnf?: { jkt?: string };
}

export interface ResourceServerOptions {
  /** Latchkey's issuer identifier, e.g. `https://auth.example.com`. */
  issuer: string;
  /** This server's resource identifier (RFC 8707 / RFC 9728), e.g. `https://mcp.example.com/mcp`; tokens must name it in `aud`. */
  resource: string;
  /** Where the issuer's public keys are; `<issuer>/jwks.json` by default. */
  jwksUri?: string;
  /**
   * The issuer's keys, when the caller already has them (a jose key resolver, such as `createLocalJWKSet`): then
   * `jwksUri` is not fetched. Latchkey's gateway, in the same process as the keys, passes its own.
   */
  keys?: JWTVerifyGetKey;
  /** Scopes every request needs; also advertised as `scopes_supported`. */
  requiredScopes?: readonly string[];
  /** `scopes_supported` in the metadata, when it should list more than `requiredScopes`. */
  scopesSupported?: readonly string[];
  /** Human-readable `resource_name` for the metadata. */
  resourceName?: string;
  /**
   * Ask Latchkey's introspection endpoint (RFC 7662) before accepting a token, so that revocation is seen
   * within `cacheSeconds` (default 30) rather than at the token's expiry. The client must be confidential.
   */
  introspection?: IntrospectionOptions;
  /**
   * Accept tokens without a user (a machine client's `client_credentials` token, whose `sub` is the client).
   * Off by default: an MCP server acting for people must not take a client for a person.
   */
  acceptMachineTokens?: boolean;
  /** Milliseconds since the epoch; `Date.now` by default. */
  clock?: { now(): number };
}

export interface ResourceServer {
  /** The resource identifier the tokens must name in `aud`, as configured. */
  readonly resource: string;
  /** The scopes every request needs unless a call names others. */
  readonly requiredScopes: readonly string[];
  /**
   * Verifies a bearer token (the `Authorization` header value, or the bare token): signature against the
   * issuer's JWKS (ES256, RS256 or EdDSA), `iss`, `aud` = the resource, `typ: at+jwt`, expiry, the required
   * scopes, and, when configured, that introspection still calls it active. Throws {@link ResourceServerError}.
   * A DPoP-bound token (`cnf.jkt`) is accepted only as `DPoP <token>` with `options.dpop`, the request and its
   * proof (checked as RFC 9449 §4.3 and §7.1 ask); sent as a bearer token it is refused.
   *
   * @see https://www.rfc-editor.org/rfc/rfc9068#section-4
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
   * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
   */
  verifyAccessToken(
    authorizationOrToken: string | null | undefined,
    options?: { requiredScopes?: readonly string[]; dpop?: DpopRequest | undefined },
  ): Promise<AccessTokenClaims>;
  /** The protected resource metadata document. @see https://www.rfc-editor.org/rfc/rfc9728#section-2 */
  protectedResourceMetadata(): Record<string, unknown>;
  /** The path to serve the metadata at, e.g. `/.well-known/oauth-protected-resource/mcp`. @see https://www.rfc-editor.org/rfc/rfc9728#section-3.1 */
  readonly metadataPath: string;
  /** The metadata's absolute URL, as sent in `resource_metadata`. */
  readonly metadataUrl: string;
  /**
   * The status and headers that refuse a request: `WWW-Authenticate: Bearer resource_metadata=…, error=…,
   * error_description=…, scope=…` on 401 and 403; `Retry-After` on 503.
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
   * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
   */
  challenge(error: ResourceServerError): { status: 401 | 403 | 503; headers: Record<string, string> };
  /**
   * The whole refusal, framework-neutral: {@link challenge}'s status and headers, `Cache-Control: no-store`, and a
   * JSON body `{error, error_description}` (`invalid_token` when the token is missing).
   *
   * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
   */
  refusal(error: ResourceServerError): HttpReply;
  /** {@link refusal} as a web-standard `Response`. */
  challengeResponse(error: ResourceServerError): Response;
  /** The metadata document as a framework-neutral reply: JSON, readable from any origin, cacheable for an hour. */
  metadataReply(): HttpReply;
  /** {@link metadataReply} as a web-standard `Response`. */
  metadataResponse(): Response;
}

/** The algorithms Latchkey signs with (`keys.algorithm`). */
const algorithms = ['ES256', 'RS256', 'EdDSA'];

/** jose errors that mean "this token is bad", as opposed to "the keys could not be fetched". */
const invalidTokenErrors = new Set([
  'ERR_JWT_CLAIM_VALIDATION_FAILED', 'ERR_JWT_EXPIRED', 'ERR_JWT_INVALID', 'ERR_JWS_INVALID', 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED',
  'ERR_JOSE_ALG_NOT_ALLOWED', 'ERR_JOSE_NOT_SUPPORTED', 'ERR_JWKS_NO_MATCHING_KEY', 'ERR_JWKS_MULTIPLE_MATCHING_KEYS',
]);

/** Creates the verifier and metadata of one protected resource. */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  const { issuer, resource } = options;
  const resourceUrl = new URL(resource);
  if (resourceUrl.hash || resource.includes('#')) throw new TypeError('The resource identifier must not have a fragment (RFC 8707 §2).');
  const requiredScopes = options.requiredScopes ?? [];
  const clock = options.clock ?? { now: () => Date.now() };
  const jwks = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer.replace(/\/+$/, '')}/jwks.json`));
  const introspect = options.introspection ? createIntrospector(options.introspection, clock) : undefined;
  const checkBinding = createDpopChecker(clock);

  // RFC 9728 §3.1: the well-known segment goes between the host and the resource's path (and query).
  const path = resourceUrl.pathname.replace(/\/+$/, '');
  const metadataPath = `/.well-known/oauth-protected-resource${path}`;
  const metadataUrl = `${resourceUrl.origin}${metadataPath}${resourceUrl.search}`;

  async function verifyAccessToken(input: string | null | undefined, callOptions: { requiredScopes?: readonly string[]; dpop?: DpopRequest | undefined } = {}) {
    const needed = callOptions.requiredScopes ?? requiredScopes;
    const presented = presentedToken(input, needed, { bare: true });
    const token = presented?.token;
    if (token === undefined) throw new ResourceServerError('missing_token', 'A bearer access token is required.', needed);
    let claims: AccessTokenClaims;
    try {
      const result = await jwtVerify(token, jwks, {
        issuer,
        audience: resource,
        typ: 'at+jwt',
        algorithms,
        requiredClaims: ['sub', 'client_id', 'jti', 'iat', 'exp'],
        currentDate: new Date(clock.now()),
      });
      claims = result.payload as AccessTokenClaims;
    } catch (error) {
      throw joseRefusal(error, needed);
    }
    await checkBinding(token, presented!.scheme, claims, callOptions.dpop, needed);
    if (!options.acceptMachineTokens && isMachineToken(claims)) {
      throw new ResourceServerError('invalid_token', 'This resource accepts only tokens issued for a user.', needed);
    }
    const granted = new Set(typeof claims.scope === 'string' ? claims.scope.split(' ') : []);
    const missing = needed.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      throw new ResourceServerError('insufficient_scope', `The access token lacks the scope ${missing.join(' ')}.`, needed);
    }
    if (introspect && !(await introspect(token, claims))) {
      throw new ResourceServerError('invalid_token', 'The access token was revoked.', needed);
    }
    return claims;
  }

  function challenge(error: ResourceServerError) {
    const status = statusOf[error.code];
    if (status === 503) return { status, headers: { 'Retry-After': '5' } };
    const params: [string, string][] = [['resource_metadata', metadataUrl]];
    if (error.code !== 'missing_token') params.push(['error', error.code], ['error_description', error.description]);
    if (error.scopes.length > 0) params.push(['scope', error.scopes.join(' ')]);
    // RFC 9449 §7.1: a refusal about a DPoP token or proof carries its error on a DPoP challenge, beside the Bearer one.
    if (error.scheme === 'DPoP') {
      const bearer = params.filter(([k]) => k !== 'error' && k !== 'error_description');
      const challenges = `Bearer ${bearer.map(([k, v]) => `${k}="${quotable(v)}"`).join(', ')}, ${dpopChallenge(error, quotable)}`;
      return { status, headers: { 'WWW-Authenticate': challenges } };
    }
    return { status, headers: { 'WWW-Authenticate': `Bearer ${params.map(([k, v]) => `${k}="${quotable(v)}"`).join(', ')}` } };
  }

  const protectedResourceMetadata = () => ({
    resource,
    authorization_servers: [issuer],
    scopes_supported: [...(options.scopesSupported ?? requiredScopes)],
    bearer_methods_supported: ['header'],
    // RFC 9728 §2: DPoP-bound tokens are accepted, with proofs signed by one of these.
    dpop_signing_alg_values_supported: [...dpopAlgorithms],
    ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
  });

  function refusal(error: ResourceServerError): HttpReply {
    const { status, headers } = challenge(error);
    const body = JSON.stringify({ error: error.code === 'missing_token' ? 'invalid_token' : error.code, error_description: error.description });
    return { status, headers: { ...headers, 'Content-Type': 'application/json', 'Cache-Control': 'no-store' }, body };
  }

  function metadataReply(): HttpReply {
    const headers = { 'Content-Type': 'application/json', 'Access-Control-Allow-Origin': '*', 'Cache-Control': 'max-age=3600' };
    return { status: 200, headers, body: JSON.stringify(protectedResourceMetadata()) };
  }

  return {
    resource,
    requiredScopes,
    verifyAccessToken,
    protectedResourceMetadata,
    metadataPath,
    metadataUrl,
    challenge,
    refusal,
    challengeResponse: (error) => toResponse(refusal(error)),
    metadataReply,
    metadataResponse: () => toResponse(metadataReply()),
  };
}

/** Turns a jose failure into a refusal: the token's fault is `invalid_token`, the key fetch's is `temporarily_unavailable`. */
function joseRefusal(error: unknown, needed: readonly string[]): ResourceServerError {
  if (error instanceof errors.JOSEError && invalidTokenErrors.has(error.code)) {
    const description =
      error instanceof errors.JWTExpired ? 'The access token expired.'
      : error instanceof errors.JWTClaimValidationFailed && error.claim === 'aud' ? 'The access token is not for this resource.'
      : 'The access token is not valid.';
    return new ResourceServerError('invalid_token', description, needed, { cause: error });
  }
  return new ResourceServerError('temporarily_unavailable', 'The access token could not be checked; try again.', needed, { cause: error });
}

/** RFC 6750 §3: `error_description` and `scope` allow only %x20-21 / %x23-5B / %x5D-7E, so no `"` or `\`. */
function quotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
}

/**
 * Whether a token has no user behind it: Latchkey marks such tokens with `gty: "client_credentials"`, and every
 * token it issues for a user carries the time of the user's sign-in (`auth_time`).
 */
export function isMachineToken(claims: Pick<AccessTokenClaims, 'gty' | 'auth_time'>): boolean {
  return claims.gty === 'client_credentials' || typeof claims.auth_time !== 'number';
}
