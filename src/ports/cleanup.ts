/** What makes a dynamically registered client eligible for cleanup (all times in milliseconds). */
export interface CleanupCriteria {
  now: number;
  /** A client never used and registered before this is deleted. */
  unusedRegisteredBefore: number;
  /** A client last used before this is deleted. */
  idleSince: number;
  /**
   * Access tokens are not stored, so a grant created or a client used after this may still have a live access
   * token (`now` minus the access token lifetime); such a client is kept.
   */
  accessTokensIssuedAfter: number;
}

/** The records that only matter until they expire (see {@link ClientCleanupStore.deleteExpired}). */
export type ExpiringRecords = 'refresh_tokens' | 'authorization_codes' | 'revoked_access_tokens';

/**
 * How far a sweep of unused clients has read: given to every batch of one run, each batch resumes after it and
 * moves it on, so a candidate that something live keeps is read once a run, not again by every later batch. The
 * position is the store's own; a new run starts from a new cursor (`{ done: false }`).
 */
export interface CleanupCursor {
  /** Set by the store once every candidate has been read: the run is over. */
  done: boolean;
  /** Where the next batch resumes; the store's, undefined at the start. */
  position?: unknown;
}

/** Deletion of unused clients and of expired records, in bounded batches. */
export interface ClientCleanupStore {
  /**
   * Deletes up to `limit` records of `kind` that expired before `before` (milliseconds), oldest first, through an
   * index on their expiry; resolves how many. An expired refresh token, code or revocation entry is refused for its
   * expiry (or, gone, as unknown): the answer to its bearer is the same `invalid_grant` either way.
   */
  deleteExpired(kind: ExpiringRecords, before: number, limit: number): Promise<number>;
  /**
   * Deletes up to `limit` clients that match `criteria` and have no live grant, refresh token or code, with
   * their grants, in one transaction; the conditions are checked in the same statement that deletes, so a
   * client used meanwhile is kept. Resolves what it deleted and why.
   *
   * Without a `cursor`, each call reads the candidates from the oldest, and a call that deletes fewer than
   * `limit` means none is left. With one, a call reads at most `limit` candidates after the cursor (deleting
   * those eligible, so possibly fewer than `limit`, none) and moves the cursor past them; the run is over when
   * the cursor is `done`. A candidate kept is then not read again in that run; the next run reads it again.
   */
  deleteUnusedClients(criteria: CleanupCriteria, limit: number, cursor?: CleanupCursor): Promise<{ clientId: string; reason: 'unused' | 'idle' }[]>;
  /**
   * How long a batch of {@link deleteUnusedClients} should take at most, in milliseconds, where a batch makes
   * requests wait (SQLite: one connection, held by the batch's transaction); the sweep then sizes its batches to it
   * (see `inBatches`). None where a batch holds nothing a request waits for (PostgreSQL: the batch locks only the
   * rows of the abandoned clients it deletes, and requests have the pool's other connections).
   */
  readonly batchTargetMs?: number;
}
