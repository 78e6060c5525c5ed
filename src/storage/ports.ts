import type { ClientMetadata } from '../protocol/registration/client-metadata.js';

/** How a client came to be registered. */
export type RegistrationSource = 'dynamic';

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
}

/** Registered clients. Every method rejects with {@link StorageUnavailableError} when the database cannot be reached. */
export interface ClientStore {
  /**
   * Stores a new client. The promise resolves only once the client is durable (committed), so a `201`
   * answered after it survives a crash. Concurrent inserts may share one transaction (group commit).
   */
  insertClient(record: ClientRecord): Promise<void>;
  findClient(clientId: string): Promise<ClientRecord | undefined>;
  /**
   * Replaces a client's metadata and digests, but only while its registration access token digest is still
   * `expectedTokenDigest`: of two concurrent updates presenting the same token, exactly one succeeds.
   * Resolves `false` when the client is gone or its token has changed.
   */
  updateClient(record: ClientRecord, expectedTokenDigest: string): Promise<boolean>;
  /** Deletes a client; resolves `false` when there was none. */
  deleteClient(clientId: string): Promise<boolean>;
}

/** Everything a running server needs from storage. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly clients: ClientStore;
  /** Applies pending schema migrations; safe to run from several instances at once. */
  migrate(): Promise<void>;
  /** Whether the database answers (for `/readyz`). */
  ping(): Promise<boolean>;
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
