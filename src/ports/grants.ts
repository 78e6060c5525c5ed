/** An authorization code, stored by digest, with everything it is bound to (OAuth 2.1 §4.1.3). */
export interface AuthorizationCodeRecord {
  codeDigest: string;
  clientId: string;
  userId: string;
  redirectUri: string;
  /** The S256 PKCE challenge (RFC 7636 §4.2). */
  codeChallenge: string;
  scope: string;
  resource: string | null;
  nonce: string | null;
  /** When the user signed in, in milliseconds. */
  authTime: number;
  expiresAt: number;
}

/** A stored authorization code, with whether (and into which grant) it was redeemed. */
export interface StoredCode {
  code: AuthorizationCodeRecord;
  usedAt: number | null;
  grantId: string | null;
}

/** Authorization codes. */
export interface AuthorizationCodeStore {
  insertCode(code: AuthorizationCodeRecord): Promise<void>;
  /** A code by digest, used or not; redeeming it is {@link GrantStore.redeemCode}. */
  findCode(codeDigest: string): Promise<StoredCode | undefined>;
}

/** What a user allowed a client (or, for client credentials, what a client holds itself). */
export interface GrantRecord {
  id: string;
  clientId: string;
  /** Null for client credentials. */
  userId: string | null;
  scope: string;
  resource: string | null;
  authTime: number | null;
  createdAt: number;
  revokedAt: number | null;
  /**
   * The RFC 7638 thumbprint of the DPoP key its refresh tokens are bound to (RFC 9449 §5: public clients that
   * used DPoP); null or absent when they are not bound.
   */
  dpopJkt?: string | null;
}

/** A refresh token, stored by digest; it belongs to a grant and is used once (rotation). */
export interface RefreshTokenRecord {
  /** The key it is stored under: its digest, prefixed with its issue time (see protocol/token/refresh-token-key.ts). */
  tokenDigest: string;
  grantId: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
}

/**
 * The length of a sealed refresh token's key, which no other key has: the stores delete retired tokens of this
 * kind only (see protocol/token/refresh-token-key.ts).
 */
export const sealedRefreshTokenKeyLength = 56;

/** The outcome of presenting a refresh token for rotation. */
export type RefreshRotation =
  | { status: 'rotated'; token: RefreshTokenRecord; grant: GrantRecord }
  | { status: 'reissued'; token: RefreshTokenRecord; grant: GrantRecord }
  | { status: 'reused'; token: RefreshTokenRecord; grant: GrantRecord }
  | { status: 'unknown' };

/** Grants and their refresh tokens. */
export interface GrantStore {
  /** Creates a grant and, in the same transaction, its first refresh token; links the code it came from. */
  createGrant(grant: GrantRecord, refreshToken: RefreshTokenRecord | null, fromCodeDigest: string | null): Promise<void>;
  /**
   * Redeems a code: marks it used and creates the grant issued from it, with its first refresh token, in one
   * transaction (one commit). Of concurrent calls with one code exactly one resolves `true`; the others resolve
   * `false` and write nothing.
   */
  redeemCode(codeDigest: string, now: number, grant: GrantRecord, refreshToken: RefreshTokenRecord | null): Promise<boolean>;
  findGrant(id: string): Promise<GrantRecord | undefined>;
  /** Revokes a grant: its refresh tokens stop working at once. `false` when it was already revoked or unknown. */
  revokeGrant(id: string, now: number): Promise<boolean>;
  /**
   * Uses a refresh token, in one transaction. An unused token is marked used, every other unused token of its
   * grant is retired with it (marked used at `now`), and `next` is stored as the grant's newest generation:
   * `rotated`. Of concurrent calls with one token exactly one rotates.
   *
   * A used token is `reissued` (and `next` stored beside the newest generation) only when all of these hold:
   * `reuseGraceMs` is positive, it was retired less than `reuseGraceMs` before `now` (stored times), it belongs
   * to the generation just before the grant's newest, and the grant is not revoked. Any other used token is
   * `reused` and nothing is written. With `reuseGraceMs` 0 (the default) every used token is `reused`.
   *
   * `found` is the token's grant as the caller read it before (with {@link findRefreshToken}). Of a grant only its
   * revocation changes once it is created, so a store may answer a rotation with `found` and the revocation it reads
   * while rotating, instead of reading the whole grant again; it reads it when `found` is absent or of another grant.
   */
  rotateRefreshToken(tokenDigest: string, next: RefreshTokenRecord, now: number, reuseGraceMs?: number, found?: GrantRecord): Promise<RefreshRotation>;
  /**
   * A refresh token and its grant, whether used or not, with its generation: its place in the grant's chain of
   * rotations (0 for the first token, one more for each successor, which the store numbers so when it rotates).
   */
  findRefreshToken(tokenDigest: string): Promise<{ token: RefreshTokenRecord; used: boolean; grant: GrantRecord; generation: number } | undefined>;
  /**
   * A grant with the newest generation among its stored refresh tokens (null when none is stored): what a sealed
   * token that is no longer stored is compared with (see protocol/token/refresh-token-key.ts).
   */
  findRefreshFamily(grantId: string): Promise<{ grant: GrantRecord; newestGeneration: number | null } | undefined>;
  /**
   * Deletes at most `limit` sealed refresh tokens retired before `usedBefore`, oldest first; resolves how many.
   * Tokens of the earlier, unsealed formats are kept until they expire: nothing else would recognise them as
   * retired.
   */
  pruneRetiredRefreshTokens(usedBefore: number, limit: number): Promise<number>;
  /** A client's grants, newest first, revoked ones included, at most `limit`; `now` decides `refreshable`. */
  listClientGrants(clientId: string, now: number, limit: number): Promise<GrantSummary[]>;
}

/** A grant as the admin dashboard lists it. */
export interface GrantSummary extends GrantRecord {
  /** The user's name; null for client credentials. */
  username: string | null;
  /** When its newest refresh token was issued (its last refresh), in milliseconds; null if it has none. */
  lastRefreshedAt: number | null;
  /** Whether it can still be refreshed: not revoked, with an unused, unexpired refresh token. */
  refreshable: boolean;
}

/** Access tokens revoked before they expire (RFC 7009), for introspection. */
export interface RevokedAccessTokenStore {
  revokeAccessToken(jti: string, expiresAt: number): Promise<void>;
  isAccessTokenRevoked(jti: string): Promise<boolean>;
}
