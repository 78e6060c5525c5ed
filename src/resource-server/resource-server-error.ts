/** Why a request was refused; `switch (error.code)` narrows. */
export type ResourceServerErrorCode =
  /** No bearer token in the request (RFC 6750 §3.1: the challenge then carries no error code). */
  | 'missing_token'
  /** The token is malformed, expired, revoked, not signed by the issuer, or not for this resource. */
  | 'invalid_token'
  /** The token is valid but lacks a scope the request needs. */
  | 'insufficient_scope'
  /** The JWKS or the introspection endpoint could not be reached: the token was neither accepted nor refused. */
  | 'temporarily_unavailable';

/** The HTTP status of each refusal. @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1 */
export const statusOf = { missing_token: 401, invalid_token: 401, insufficient_scope: 403, temporarily_unavailable: 503 } as const;

/** A refused request: `code` says why, `description` is safe to show the client. */
export class ResourceServerError extends Error {
  constructor(
    readonly code: ResourceServerErrorCode,
    readonly description: string,
    /** The scopes the request needs (sent as `scope=` in the challenge). */
    readonly scopes: readonly string[] = [],
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = 'ResourceServerError';
  }
}
