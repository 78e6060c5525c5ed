import type { ColumnType, Generated } from 'kysely';

/**
 * Runs a storage operation, turning driver errors that mean "the database is unavailable" into
 * `StorageUnavailableError`; each adapter supplies its own.
 */
export type Guard = <R>(work: () => Promise<R>) => Promise<R>;

/** The `clients` table. Secrets appear only as SHA-256 digests. Times: `*_at` seconds, `*_ms` milliseconds. */
export interface ClientsTable {
  client_id: string;
  client_secret_digest: string | null;
  client_secret_expires_at: number;
  registration_access_token_digest: string | null;
  client_id_issued_at: number;
  /** The registered metadata as JSON: `text` on SQLite, `jsonb` on PostgreSQL (read back as an object). */
  metadata: ColumnType<unknown, string, string>;
  registration_source: string;
  created_ms: number;
  updated_ms: number;
  last_used_ms: number | null;
  /** The registration policy the client registered under. */
  policy: string | null;
  /** The well-known agent whose name this client imitates, when flagged. */
  look_alike_of: string | null;
  initial_access_token_id: string | null;
  /**
   * What a listing's search matches, lower-cased and newline-separated: the client name, the client id, and the
   * host (for a private-use scheme, the scheme) of each redirect URI. Written with every insert and update, so a
   * search is one `LIKE` over one column and never parses JSON.
   */
  search_text: string;
}

/** Local user accounts; passwords as scrypt hashes (`scrypt$N$r$p$salt$hash`). */
export interface UsersTable {
  id: string;
  username: string;
  /** '' for a user without a local password (created by an upstream sign-in, 0008); the repository reads it as null. */
  password_hash: string;
  name: string | null;
  email: string | null;
  /** 1/0 on SQLite, boolean on PostgreSQL. */
  is_admin: ColumnType<boolean | number, boolean | number, boolean | number>;
  created_ms: number;
  /** Raised to end every session of the user (sign-out, a new password); session cookies carry it. */
  session_epoch: ColumnType<number, number | undefined, number>;
}

/** Token signing keys, shared by every instance. A retired key no longer signs; an expired one leaves the JWKS. */
export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: ColumnType<unknown, string, string>;
  private_jwk: ColumnType<unknown, string, string>;
  created_ms: number;
  retired_ms: number | null;
  expires_ms: number | null;
}

/** Server-wide random secrets (cookie and CSRF MACs), created once and shared by every instance. */
export interface ServerSecretsTable {
  name: string;
  value: string;
  created_ms: number;
}

/** A user's remembered consent to a client, for the scopes granted. */
export interface ConsentsTable {
  user_id: string;
  client_id: string;
  scope: string;
  /** The scopes allowed per audience, a JSON object; '' for consents older than 0006 (0006). */
  resources: Generated<string>;
  /** The client as the user saw it when consenting; '' for consents older than 0006 (0006). */
  client_fingerprint: Generated<string>;
  created_ms: number;
  updated_ms: number;
}

/** What a user (or, for client credentials, no user) allowed a client; refresh tokens belong to one. */
export interface GrantsTable {
  id: string;
  client_id: string;
  user_id: string | null;
  scope: string;
  resource: string | null;
  auth_time_ms: number | null;
  created_ms: number;
  revoked_ms: number | null;
  /** 1 once a token was reissued within the reuse grace window: the next rotation retires the other unused tokens. */
  branched: Generated<number>;
  /** The thumbprint of the DPoP key its refresh tokens are bound to (RFC 9449 §5); null when not bound. */
  dpop_jkt: Generated<string | null>;
}

/** Authorization codes, by SHA-256 digest; single use (`used_ms`), and the grant issued from them. */
export interface AuthorizationCodesTable {
  code_digest: string;
  client_id: string;
  user_id: string;
  redirect_uri: string;
  code_challenge: string;
  scope: string;
  resource: string | null;
  nonce: string | null;
  auth_time_ms: number;
  expires_ms: number;
  used_ms: number | null;
  grant_id: string | null;
}

/** Refresh tokens, by SHA-256 digest; each is used once and replaced (rotation). */
export interface RefreshTokensTable {
  token_digest: string;
  grant_id: string;
  scope: string;
  created_ms: number;
  expires_ms: number;
  used_ms: number | null;
  /** Rotations since the grant's first token (0); a token issued within the reuse grace window shares its successor's. */
  generation: Generated<number>;
}

/** `jti`s of access tokens revoked before their expiry (RFC 7009), kept until they would have expired. */
export interface RevokedAccessTokensTable {
  jti: string;
  expires_ms: number;
}

/** Initial access tokens (RFC 7591 §3), by SHA-256 digest, with their use count. */
export interface InitialAccessTokensTable {
  id: string;
  token_digest: string;
  description: string | null;
  policy: string | null;
  /** Null: unlimited. */
  max_uses: number | null;
  uses: number;
  created_ms: number;
  expires_ms: number | null;
  revoked_ms: number | null;
}

/** The audit trail: what happened to clients, grants and tokens, with no secrets. */
export interface AuditEventsTable {
  id: string;
  at_ms: number;
  type: string;
  client_id: string | null;
  user_id: string | null;
  actor: string | null;
  ip: string | null;
  data: ColumnType<unknown, string, string>;
}

/** Events per counter key (see `auditCounterKeys`) per hour, kept with the events, for the dashboard charts. */
export interface AuditCountsTable {
  key: string;
  /** The start of the hour, in milliseconds. */
  hour_ms: number;
  count: number;
}

/** Upstream identities (a provider's subject) linked to users (0008); (provider, subject) is unique. */
export interface UsedValuesTable {
  key: string;
  expires_ms: ColumnType<number, number, number>;
}

/** Pushed authorization requests (0010), by the digest of their request_uri; params is JSON text. */
export interface PushedRequestsTable {
  digest: string;
  client_id: string;
  params: string;
  expires_ms: ColumnType<number, number, number>;
}

export interface UserIdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  subject: string;
  /** As last seen, and only when the provider said it is verified. */
  email: string | null;
  display_name: string | null;
  created_ms: number;
  last_sign_in_ms: number | null;
}

/**
 * How many clients there are per registration source and look-alike flag (0013), kept by triggers on `clients`;
 * the sum of the rows that match a filter is its count.
 */
export interface ClientCountsTable {
  registration_source: string;
  /** 1/0 on SQLite, boolean on PostgreSQL: whether `look_alike_of` is set. */
  flagged: ColumnType<boolean | number, boolean | number, boolean | number>;
  count: ColumnType<number, number, number>;
}

export interface Database {
  clients: ClientsTable;
  users: UsersTable;
  signing_keys: SigningKeysTable;
  server_secrets: ServerSecretsTable;
  consents: ConsentsTable;
  grants: GrantsTable;
  authorization_codes: AuthorizationCodesTable;
  refresh_tokens: RefreshTokensTable;
  revoked_access_tokens: RevokedAccessTokensTable;
  initial_access_tokens: InitialAccessTokensTable;
  audit_events: AuditEventsTable;
  audit_counts: AuditCountsTable;
  user_identities: UserIdentitiesTable;
  used_values: UsedValuesTable;
  pushed_requests: PushedRequestsTable;
  client_counts: ClientCountsTable;
}
