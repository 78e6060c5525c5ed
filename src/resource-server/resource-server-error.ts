/** Why a request was refused; `switch (error.code)` narrows. */
export type ResourceServerErrorCode =
  /** No bearer token in the request (RFC 6750 §3.1: the challenge then carries no error code). */
  | 'missing_token'
  /** The token is malformed, expired, revoked, not signed by the issuer, or not for this resource. */
  | 'invalid_token'
  /** The token is bound to a DPoP key and its proof is missing, malformed, replayed or for another request (RFC 9449 §7.1). */
  | 'invalid_dpop_proof'
  /** The token is valid but lacks a scope the request needs. */
  | 'insufficient_scope'
  /** The JWKS or the introspection endpoint could not be reached: the token was neither accepted nor refused. */
  | 'temporarily_unavailable';

/** The HTTP status of each refusal. @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 */
export const statusOf = { missing_token: 401, invalid_token: 401, invalid_dpop_proof: 401, insufficient_scope: 403, temporarily_unavailable: 503 } as const;

/** A refused request: `code` says why, `description` is safe to show the client. */
export class ResourceServerError extends Error {
  constructor(
    readonly code: ResourceServerErrorCode,
    readonly description: string,
    /** The scopes the request needs (sent as `scope=` in the challenge). */
    readonly scopes: readonly string[] = [],
    options?: { cause?: unknown; scheme?: 'Bearer' | 'DPoP' },
  ) {
    super(description, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ResourceServerError';
    this.scheme = options?.scheme ?? 'Bearer';
  }

  /** The scheme the refusal concerns: `DPoP` when the token or its proof was (challenge with `DPoP algs=…`). */
  readonly scheme: 'Bearer' | 'DPoP';
}
