import type { JWK } from 'jose';
import type { ClientMetadata } from '../protocol/registration/client-metadata.js';

/**
 * How a client came to be registered: `dynamic` (open RFC 7591 registration), `iat` (with an initial access
 * token), `software_statement` (with a statement from a trusted issuer), `cimd` (a Client ID Metadata
 * Document, fetched at `/authorize`), `operator` (created by an operator from the CLI or the dashboard).
 */
export type RegistrationSource = 'dynamic' | 'iat' | 'software_statement' | 'cimd' | 'operator';

/** A registered client as stored: secrets only as SHA-256 digests (base64url). */
export interface ClientRecord {
  clientId: string;
  clientSecretDigest: string | null;
  /** Seconds since the epoch; 0 means the secret never expires (RFC 7591 §3.2.1). */
  clientSecretExpiresAt: number;
  registrationAccessTokenDigest: string | null;
  /** Seconds since the epoch. */
  clientIdIssuedAt: number;
  metadata: ClientMetadata;
  registrationSource: RegistrationSource;
  /** Milliseconds since the epoch. */
  updatedAt: number;
  /** The registration policy the client registered under; its limits apply at `/authorize` too. */
  policy: string | null;
  /** The well-known agent whose name this client imitates while its redirects are not that agent's. */
  lookAlikeOf: string | null;
  /** The initial access token it registered with. */
  initialAccessTokenId: string | null;
  /**
   * When it last completed an authorization or used a token, in milliseconds; null if it never did. Coarse:
   * written at most about once an hour per client. Read only: {@link ClientStore.touchClient} writes it.
   */
  lastUsedAt: number | null;
}

/** Registered clients. Every method rejects with {@link StorageUnavailableError} when the database cannot be reached. */
export interface ClientStore {
  /**
   * Stores a new client. The promise resolves only once the client is durable (committed), so a `201`
   * answered after it survives a crash. Concurrent inserts may share one transaction (group commit).
   * With `initialAccessToken`, one use of that token is counted in the same transaction (as
   * {@link InitialAccessTokenStore.useInitialAccessToken} does); when it can no longer be used, nothing is
   * stored and the promise rejects with {@link InitialAccessTokenUnusableError}.
   */
  insertClient(record: ClientRecord, initialAccessToken?: InitialAccessTokenUse): Promise<void>;
  findClient(clientId: string): Promise<ClientRecord | undefined>;
  /**
   * Replaces a client's metadata and digests, but only while its registration access token digest is still
   * `expectedTokenDigest`: of two concurrent updates presenting the same token, exactly one succeeds.
   * Resolves `false` when the client is gone or its token has changed.
   */
  updateClient(record: ClientRecord, expectedTokenDigest: string): Promise<boolean>;
  /** Deletes a client; resolves `false` when there was none. */
  deleteClient(clientId: string): Promise<boolean>;
  /** Records that a client was used at `now` (ms). Callers write it coarsely, not on every request. */
  touchClient(clientId: string, now: number): Promise<void>;
  /** How many clients are registered under `policy`. */
  countClientsWithPolicy(policy: string): Promise<number>;
  /**
   * Stores a client fetched from its Client ID Metadata Document: inserted the first time, its metadata
   * replaced afterwards. Never touches a client of another registration source with the same id.
   */
  saveMetadataDocumentClient(record: ClientRecord): Promise<void>;
  /**
   * One page of clients, newest first (by `clientIdIssuedAt`, then `clientId`), for the admin dashboard and
   * `latchkey clients list`. Pages by keyset (`after`), never by offset, so page 2,000 costs what page 1 does.
   */
  listClients(query: ClientListQuery): Promise<ClientPage>;
  /** How many clients match `filter` (for "1–50 of 1,234"). */
  countClients(filter: ClientListFilter): Promise<number>;
}

/** Which clients a listing shows. Every given condition must hold. */
export interface ClientListFilter {
  /**
   * Case-insensitive substring of the client's `client_name`, its `client_id`, or the host of one of its
   * redirect URIs (for a private-use scheme URI, its scheme).
   */
  search?: string;
  source?: RegistrationSource;
  /** Only clients flagged as look-alikes ({@link ClientRecord.lookAlikeOf} set). */
  flagged?: boolean;
  /**
   * By last use ({@link ClientRecord.lastUsedAt}): `never` used; `since` — used at or after `at`; `idle` —
   * not used since `at` (never used counts as idle).
   */
  usage?: { kind: 'never' } | { kind: 'since'; at: number } | { kind: 'idle'; at: number };
}

export interface ClientListQuery extends ClientListFilter {
  /** At most this many clients (1–500). */
  limit: number;
  /** The `next` cursor of the previous page; absent for the first page. */
  after?: string;
}

export interface ClientPage {
  clients: ClientRecord[];
  /** Cursor of the following page; null on the last page. Opaque to callers. */
  next: string | null;
}

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

/** What the audit trail records. */
export type AuditEventType =
  | 'client.registered'
  | 'client.updated'
  | 'client.deleted'
  | 'client.flagged'
  | 'client.gc_deleted'
  | 'iat.created'
  /** Written by earlier versions; a registration's token use is now `client.registered`'s `iat_id`. */
  | 'iat.used'
  | 'iat.revoked'
  | 'consent.granted'
  | 'consent.revoked'
  | 'token.issued'
  | 'token.revoked'
  | 'grant.revoked'
  | 'key.rotated'
  | 'user.signed_in'
  | 'user.sign_in_failed'
  | 'user.created'
  | 'user.removed';

/** One audit event. `data` never holds a secret (no token, secret, code or password, not even a digest). */
export interface AuditEvent {
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  type: AuditEventType;
  clientId: string | null;
  userId: string | null;
  /** Who did it when not the client or user: `cli`, `admin:<username>`, `gc`. */
  actor: string | null;
  ip: string | null;
  data: Record<string, unknown>;
}

/** The audit trail. */
export interface AuditEventStore {
  appendAuditEvents(events: AuditEvent[]): Promise<void>;
  /** Newest first, optionally of one client or type, before a time (for paging). */
  listAuditEvents(filter: { clientId?: string; type?: AuditEventType; before?: number; limit: number }): Promise<AuditEvent[]>;
  /**
   * How many events of each counter key happened per hour or per UTC day in `[from, to)` (milliseconds),
   * read from hourly totals that {@link appendAuditEvents} keeps in the same transaction as the events (see
   * `auditCounterKeys`), so a 30-day chart reads at most 720 rows per key, never the events themselves.
   * Buckets without events are absent.
   */
  countAuditEvents(query: { from: number; to: number; bucket: 'hour' | 'day'; keys: string[] }): Promise<AuditCount[]>;
}

/** Events of one counter key in one bucket. */
export interface AuditCount {
  key: string;
  /** Start of the hour or UTC day, in milliseconds. */
  bucketStart: number;
  count: number;
}

/**
 * The counters an event adds one to: its type, and for `token.issued` also `token.issued:<grant_type>`
 * (so that completed authorizations, `token.issued:authorization_code`, can be charted apart).
 */
export function auditCounterKeys(event: Pick<AuditEvent, 'type' | 'data'>): string[] {
  const grantType = event.data['grant_type'];
  return event.type === 'token.issued' && typeof grantType === 'string' ? [event.type, `${event.type}:${grantType}`] : [event.type];
}

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

/** Deletion of unused clients, in bounded batches. */
export interface ClientCleanupStore {
  /**
   * Deletes up to `limit` clients that match `criteria` and have no live grant, refresh token or code, with
   * their grants, in one transaction; the conditions are checked in the same statement that deletes, so a
   * client used meanwhile is kept. Resolves what it deleted and why.
   */
  deleteUnusedClients(criteria: CleanupCriteria, limit: number): Promise<{ clientId: string; reason: 'unused' | 'idle' }[]>;
}

/** A local user account. */
export interface UserRecord {
  id: string;
  username: string;
  /** scrypt, as `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url). */
  passwordHash: string;
  name: string | null;
  email: string | null;
  isAdmin: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /**
   * Session cookies carry it and are honoured only while it is unchanged: raising it ends every session of
   * the user at once (see {@link UserStore.endSessions}). 0 for a new user.
   */
  sessionEpoch: number;
}

/** Local user accounts. */
export interface UserStore {
  /** Adds a user (with session epoch 0); resolves `false` (and changes nothing) when the username is taken. */
  createUser(user: Omit<UserRecord, 'sessionEpoch'>): Promise<boolean>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /** Every user, by username. */
  listUsers(): Promise<UserRecord[]>;
  /** Resolves `false` when there is no such user. A new password also ends the user's sessions. */
  setPasswordHash(username: string, passwordHash: string): Promise<boolean>;
  /** Ends every session of the user (raises {@link UserRecord.sessionEpoch}). */
  endSessions(userId: string): Promise<void>;
  /** Deletes a user and, through the schema, their consents, grants and codes; `false` when there was none. */
  deleteUser(username: string): Promise<boolean>;
}

/** A token signing key. The private JWK never leaves the server; the public one is published at `jwks_uri`. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: number;
  /** From this time the key no longer signs; null while it is the current key. */
  retiredAt: number | null;
  /** From this time the key leaves the JWKS (tokens it signed have expired); null while it is not retired. */
  expiresAt: number | null;
}

/** Signing keys, shared by every instance through the database. */
export interface SigningKeyStore {
  /** Every key not yet expired at `now`, newest first. */
  listSigningKeys(now: number): Promise<SigningKeyRecord[]>;
  /**
   * Adds `key` as the current key and, in the same transaction, retires every other unretired key at
   * `key.createdAt`, to expire at `expiresAt`.
   */
  rotateSigningKey(key: SigningKeyRecord, expiresAt: number): Promise<void>;
  /** Adds `key` only if there is no unexpired key at all (first start; several instances may race). */
  insertFirstSigningKey(key: SigningKeyRecord): Promise<boolean>;
  /**
   * Seals the stored private keys (every key, expired ones too) under the current key-encryption key: those in
   * plaintext, and with `all` those sealed under an older key too. Every key is decrypted first, in one
   * transaction: one that no configured key opens throws `SecretsAtRestError` and nothing is written.
   */
  sealPrivateKeys(scope: SealScope): Promise<SealSummary>;
}

/**
 * Server-wide random secrets (cookie and CSRF MAC keys), the same on every instance, stored sealed under the
 * key-encryption key when one is set.
 */
export interface ServerSecretStore {
  /** The secret called `name`; created from `generate()` if there is none yet (the first writer wins). */
  getOrCreateSecret(name: string, generate: () => string, now: number): Promise<string>;
  /** Seals the stored secrets as {@link SigningKeyStore.sealPrivateKeys} seals the private keys. */
  sealSecrets(scope: SealScope): Promise<SealSummary>;
}

/**
 * What to seal under the current key-encryption key: values stored in plaintext (done at every start), or
 * also those sealed under an older key (`latchkey keys rewrap`, after a rotation).
 */
export type SealScope = 'plaintext' | 'all';

/** How many values a table holds, and how many of them were (re)sealed. */
export interface SealSummary {
  total: number;
  sealed: number;
}

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
}

/** A refresh token, stored by digest; it belongs to a grant and is used once (rotation). */
export interface RefreshTokenRecord {
  tokenDigest: string;
  grantId: string;
  scope: string;
  createdAt: number;
  expiresAt: number;
}

/** The outcome of presenting a refresh token for rotation. */
export type RefreshRotation =
  | { status: 'rotated'; token: RefreshTokenRecord; grant: GrantRecord }
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
   * Uses a refresh token: marks it used and stores `next` in one transaction, only if it was unused. Of
   * concurrent calls with one token exactly one rotates; the others, and any later one, see `reused`.
   */
  rotateRefreshToken(tokenDigest: string, next: RefreshTokenRecord, now: number): Promise<RefreshRotation>;
  /** A refresh token and its grant, whether used or not. */
  findRefreshToken(tokenDigest: string): Promise<{ token: RefreshTokenRecord; used: boolean; grant: GrantRecord } | undefined>;
  /** A client's grants, newest first, revoked ones included, at most `limit`; `now` decides `refreshable`. */
  listClientGrants(clientId: string, now: number, limit: number): Promise<GrantSummary[]>;
}

/**
 * A remembered consent: the scopes and resources a user allowed a client, and the fingerprint of the client as
 * it was shown to them (name, redirects, flags). A client that changed since is asked again.
 */
export interface Consent {
  /** Every scope allowed, for any resource (what `/account` shows). */
  scope: string;
  /** The scopes allowed per audience (a resource URI, or the issuer): a consent covers a request only for its own resource. */
  resources: Record<string, string>;
  clientFingerprint: string;
}

/** Remembered consent decisions. */
export interface ConsentStore {
  /** What a user has consented to for a client, or undefined. */
  findConsent(userId: string, clientId: string): Promise<Consent | undefined>;
  /** Stores (replaces) a user's consent for a client. */
  saveConsent(userId: string, clientId: string, consent: Consent, now: number): Promise<void>;
  deleteConsent(userId: string, clientId: string): Promise<boolean>;
  /** The clients a user has consented to (their "connected apps"), most recently granted first. */
  listConnectedApps(userId: string): Promise<ConnectedApp[]>;
  /**
   * Cuts a client off from a user: forgets the consent and revokes every grant of that user for that client
   * (their refresh tokens stop working at once), in one transaction. Resolves how many grants were revoked,
   * or `false` when there was neither a consent nor a live grant.
   */
  revokeConnectedApp(userId: string, clientId: string, now: number): Promise<{ grantsRevoked: number } | false>;
}

/** A client a user has authorized, as the connected-apps page shows it. */
export interface ConnectedApp {
  clientId: string;
  clientName: string | null;
  redirectUris: string[];
  registrationSource: RegistrationSource;
  /** The scopes consented to. */
  scope: string;
  /** When consent was first given, in milliseconds. */
  grantedAt: number;
  /** When consent was last given or a token issued for it, in milliseconds (coarse). */
  lastUsedAt: number | null;
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

/** Everything a running server needs from storage. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly clients: ClientStore;
  readonly users: UserStore;
  readonly signingKeys: SigningKeyStore;
  readonly secrets: ServerSecretStore;
  readonly codes: AuthorizationCodeStore;
  readonly grants: GrantStore;
  readonly consents: ConsentStore;
  readonly revokedAccessTokens: RevokedAccessTokenStore;
  readonly initialAccessTokens: InitialAccessTokenStore;
  readonly auditEvents: AuditEventStore;
  readonly cleanup: ClientCleanupStore;
  /** Applies pending schema migrations; safe to run from several instances at once. */
  migrate(): Promise<void>;
  /** Whether the database answers (for `/readyz`). */
  ping(): Promise<boolean>;
  /**
   * Whether the database takes writes (for `/readyz`): false after a write failed as unavailable (a full disk,
   * a read-only database), until a probe write succeeds again.
   */
  writable(): Promise<boolean>;
  /** Flushes pending writes and closes connections. */
  close(): Promise<void>;
}

/** The database could not be reached or is failing; the request may succeed later (answered `503`). */
export class StorageUnavailableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StorageUnavailableError';
  }
}
