/** The initial access token a registration spends, and when. */
export interface InitialAccessTokenUse {
  tokenDigest: string;
  /** Milliseconds since the epoch. */
  now: number;
}

/** The initial access token was revoked, expired or used up before the registration could spend it. */
export class InitialAccessTokenUnusableError extends Error {
  constructor() {
    super('the initial access token can no longer be used');
    this.name = 'InitialAccessTokenUnusableError';
  }
}

/** An initial access token (RFC 7591 §3), stored by digest. */
export interface InitialAccessTokenRecord {
  id: string;
  tokenDigest: string;
  description: string | null;
  /** The registration policy of clients registered with it. */
  policy: string | null;
  /** How many registrations it allows; null for no limit. */
  maxUses: number | null;
  uses: number;
  createdAt: number;
  expiresAt: number | null;
  revokedAt: number | null;
}

/** Initial access tokens. */
export interface InitialAccessTokenStore {
  createInitialAccessToken(record: InitialAccessTokenRecord): Promise<void>;
  /** Every token, newest first. */
  listInitialAccessTokens(): Promise<InitialAccessTokenRecord[]>;
  findInitialAccessToken(tokenDigest: string): Promise<InitialAccessTokenRecord | undefined>;
  /** Resolves `false` when there is no such token or it was already revoked. */
  revokeInitialAccessToken(id: string, now: number): Promise<boolean>;
  /**
   * Counts one use of the token, atomically, only while it is live at `now` (not revoked, not expired, uses
   * below its maximum): two concurrent calls on a one-use token cannot both succeed. Resolves the token as
   * it is after the use, or undefined when it could not be used.
   */
  useInitialAccessToken(tokenDigest: string, now: number): Promise<InitialAccessTokenRecord | undefined>;
}
