import type { AuditEventStore } from './audit-events.js';
import type { ClientCleanupStore } from './cleanup.js';
import type { ClientStore } from './clients.js';
import type { ConsentStore } from './consents.js';
import type { AuthorizationCodeStore, GrantStore, RevokedAccessTokenStore } from './grants.js';
import type { IdentityStore } from './identities.js';
import type { InitialAccessTokenStore } from './initial-access-tokens.js';
import type { ServerSecretStore } from './secrets.js';
import type { SigningKeyStore } from './signing-keys.js';
import type { ReplayStore } from './replays.js';
import type { PushedRequestStore } from './pushed-requests.js';
import type { UserStore } from './users.js';

/** Everything a running server needs from storage. */
export interface Storage {
  readonly dialect: 'sqlite' | 'postgres';
  readonly clients: ClientStore;
  readonly users: UserStore;
  /** The upstream identities (provider, subject) linked to users. */
  readonly identities: IdentityStore;
  readonly signingKeys: SigningKeyStore;
  readonly secrets: ServerSecretStore;
  readonly codes: AuthorizationCodeStore;
  readonly grants: GrantStore;
  readonly consents: ConsentStore;
  readonly revokedAccessTokens: RevokedAccessTokenStore;
  readonly initialAccessTokens: InitialAccessTokenStore;
  readonly auditEvents: AuditEventStore;
  readonly cleanup: ClientCleanupStore;
  /** One-time values (assertion and proof `jti`s) until they expire. */
  readonly replays: ReplayStore;
  /** Pushed authorization requests (RFC 9126) until `/authorize` takes them or they expire. */
  readonly pushedRequests: PushedRequestStore;
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

/**
 * The database holds migrations this version of Latchkey does not know: a newer version has migrated it. Running
 * against a schema it does not understand could lose or corrupt data, so the server refuses to start.
 */
export class DatabaseTooNewError extends Error {
  constructor(readonly unknownMigrations: readonly string[]) {
    super(
      `The database was migrated by a newer Latchkey (it has migration ${unknownMigrations.join(', ')}, unknown to this version): ` +
        'upgrade Latchkey, or restore a backup taken before that upgrade (docs/deploy.md)',
    );
    this.name = 'DatabaseTooNewError';
  }
}
