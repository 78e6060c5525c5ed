import { errorCodes, type ErrorCode } from './codes.js';

export interface OAuthErrorOptions {
  /** Log-only detail: never sent to the client. */
  detail?: string;
  cause?: unknown;
  /** Seconds to put in `Retry-After` (rate limits, outages). */
  retryAfter?: number;
  /** For `invalid_token`: whether the request carried a token at all (RFC 6750 §3.1 omits the code when not). */
  tokenPresented?: boolean;
  /** For a 401: the authentication scheme to challenge with, `Bearer` unless the token was sent as `DPoP`. */
  scheme?: 'Bearer' | 'DPoP';
}

/**
 * A protocol error. `description` is for the client (`error_description`); `detail` and `cause` are for the logs.
 * The HTTP status comes from {@link errorCodes}, never from the call site.
 */
export class OAuthError extends Error {
  readonly code: ErrorCode;
  readonly description: string;
  readonly detail: string | undefined;
  readonly retryAfter: number | undefined;
  readonly tokenPresented: boolean;
  readonly scheme: 'Bearer' | 'DPoP';

  constructor(code: ErrorCode, description?: string, options: OAuthErrorOptions = {}) {
    const text = description ?? errorCodes[code].description;
    super(text, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'OAuthError';
    this.code = code;
    this.description = text;
    this.detail = options.detail;
    this.retryAfter = options.retryAfter;
    this.tokenPresented = options.tokenPresented ?? true;
    this.scheme = options.scheme ?? 'Bearer';
  }

  get status(): number {
    return errorCodes[this.code].status;
  }
}
