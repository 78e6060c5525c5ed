/**
 * A pushed authorization request (RFC 9126), as stored until the browser brings its `request_uri` to
 * `/authorize`. Stored by the digest of the random part of the `request_uri`, never by the value, as every
 * other bearer value is.
 */
export interface PushedRequestRecord {
  /** SHA-256 (base64url) of the random part of the `request_uri`. */
  digest: string;
  /** The authenticated client that pushed it: `/authorize` refuses the `request_uri` for any other `client_id`. */
  clientId: string;
  /** The authorization request parameters, as pushed (client credentials removed). */
  params: Record<string, string>;
  /** Milliseconds since the epoch. */
  expiresAt: number;
}

/**
 * Pushed authorization requests. Every method rejects with `StorageUnavailableError` when the database cannot
 * be reached.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2.2
 */
export interface PushedRequestStore {
  /** Stores a pushed request; resolves once it is durable, so any instance can serve its `/authorize`. */
  save(record: PushedRequestRecord): Promise<void>;
  /**
   * The request stored under `digest` if it has not expired at `now`, deleted by the same statement: of
   * concurrent takes of one request, on any instances, exactly one gets it (RFC 9126 §4: the `request_uri` is
   * single-use). Undefined when unknown, expired or already taken.
   */
  take(digest: string, now: number): Promise<PushedRequestRecord | undefined>;
  /** Forgets up to `limit` requests expired before `now`; resolves how many. */
  deleteExpired(now: number, limit: number): Promise<number>;
}
