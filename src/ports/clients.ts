import type { ClientMetadata } from './client-metadata.js';
import type { InitialAccessTokenUse } from './initial-access-tokens.js';

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
  /**
   * How many clients match `filter`, exactly. Without `search` and `usage` it is read from counts kept with every
   * write (the overview's figures), otherwise it reads every match: for pages, use {@link countClientsUpTo}.
   */
  countClients(filter: ClientListFilter): Promise<number>;
  /**
   * How many clients match `filter`, reading at most `limit` of them: exact when `more` is false, else "more
   * than `count`". Without `search` and `usage` it is always exact, from the kept counts.
   */
  countClientsUpTo(filter: ClientListFilter, limit: number): Promise<ClientCount>;
}

/**
 * A count that may have stopped early: `more` means that more than `count` match; `partial`, that `count` is what a
 * bounded part of the clients holds (a search the index could not count in time), so that at least `count` match.
 */
export interface ClientCount {
  count: number;
  more: boolean;
  partial?: true;
}

/** Which clients a listing shows. Every given condition must hold. */
export interface ClientListFilter {
  /**
   * Case-insensitive text anywhere in the client's `client_name`, the host of one of its redirect URIs (for a
   * private-use scheme URI, its scheme), or its `client_id` when that is not a UUID (a metadata document's URL);
   * a UUID `client_id` from its beginning, 8 characters or more: `claude`, `laude co`, `example.com`, `!`, the first
   * 8 characters of an id all find their clients, alike on SQLite and PostgreSQL. Surrounding spaces are ignored.
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
  /**
   * Set when the page holds the matches among this many clients after the cursor only, not necessarily a full page:
   * a search the database's index could not answer in time (PostgreSQL) stops there, and `next` searches on from
   * the last client it read.
   */
  searched?: number;
}
