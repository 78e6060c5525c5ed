import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import { backfillAuditCounts, backfillClientSearchText } from './backfill.js';
import { addClientCountsAndSearch } from './client-counts-migration.js';
import { lightenClientDeletes } from './client-deletes-migration.js';
import { idsOutOfSearchText, substringSearch } from './client-search-migration.js';
import { searchIndexMergedByWrites } from './search-index-merges.js';
import { shardSearchIndex } from './search-index-shards.js';
import type { Database } from './schema.js';

/**
 * The schema, as an ordered list of migrations applied at start and by `latchkey migrate`. Migrations are
 * append-only: a released one is never edited.
 */
function migrationsFor(dialect: 'sqlite' | 'postgres'): Record<string, Migration> {
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  return {
    '0001_clients': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('clients')
          .addColumn('client_id', 'text', (c) => c.primaryKey())
          .addColumn('client_secret_digest', 'text')
          .addColumn('client_secret_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('registration_access_token_digest', 'text')
          .addColumn('client_id_issued_at', 'bigint', (c) => c.notNull())
          .addColumn('metadata', sql.raw(json), (c) => c.notNull())
          .addColumn('registration_source', 'text', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('updated_ms', 'bigint', (c) => c.notNull())
          .addColumn('last_used_ms', 'bigint')
          .execute();
        await db.schema.createIndex('clients_created_ms').on('clients').column('created_ms').execute();
      },
    },
    '0002_authorization': {
      async up(db: Kysely<unknown>) {
        const bool = dialect === 'postgres' ? 'boolean' : 'integer';
        await db.schema
          .createTable('users')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('username', 'text', (c) => c.notNull().unique())
          .addColumn('password_hash', 'text', (c) => c.notNull())
          .addColumn('name', 'text')
          .addColumn('email', 'text')
          .addColumn('is_admin', sql.raw(bool), (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('signing_keys')
          .addColumn('kid', 'text', (c) => c.primaryKey())
          .addColumn('alg', 'text', (c) => c.notNull())
          .addColumn('public_jwk', sql.raw(json), (c) => c.notNull())
          .addColumn('private_jwk', sql.raw(json), (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('retired_ms', 'bigint')
          .addColumn('expires_ms', 'bigint')
          .execute();
        // At most one current (unretired) key: instances starting together cannot each insert a first key.
        await db.schema
          .createIndex('signing_keys_one_current')
          .on('signing_keys')
          .unique()
          .expression(sql`(retired_ms is null)`)
          .where(sql.ref('retired_ms'), 'is', null)
          .execute();
        await db.schema
          .createTable('server_secrets')
          .addColumn('name', 'text', (c) => c.primaryKey())
          .addColumn('value', 'text', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('consents')
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('updated_ms', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('consents_pk', ['user_id', 'client_id'])
          .execute();
        await db.schema
          .createTable('grants')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.references('users.id').onDelete('cascade'))
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('resource', 'text')
          .addColumn('auth_time_ms', 'bigint')
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('revoked_ms', 'bigint')
          .execute();
        await db.schema.createIndex('grants_client_id').on('grants').column('client_id').execute();
        await db.schema.createIndex('grants_user_id').on('grants').column('user_id').execute();
        await db.schema
          .createTable('authorization_codes')
          .addColumn('code_digest', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull().references('clients.client_id').onDelete('cascade'))
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('redirect_uri', 'text', (c) => c.notNull())
          .addColumn('code_challenge', 'text', (c) => c.notNull())
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('resource', 'text')
          .addColumn('nonce', 'text')
          .addColumn('auth_time_ms', 'bigint', (c) => c.notNull())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .addColumn('used_ms', 'bigint')
          .addColumn('grant_id', 'text')
          .execute();
        await db.schema
          .createTable('refresh_tokens')
          .addColumn('token_digest', 'text', (c) => c.primaryKey())
          .addColumn('grant_id', 'text', (c) => c.notNull().references('grants.id').onDelete('cascade'))
          .addColumn('scope', 'text', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .addColumn('used_ms', 'bigint')
          .execute();
        await db.schema.createIndex('refresh_tokens_grant_id').on('refresh_tokens').column('grant_id').execute();
        await db.schema
          .createTable('revoked_access_tokens')
          .addColumn('jti', 'text', (c) => c.primaryKey())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .execute();
      },
    },
    '0003_governance': {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable('clients').addColumn('policy', 'text').execute();
        await db.schema.alterTable('clients').addColumn('look_alike_of', 'text').execute();
        await db.schema.alterTable('clients').addColumn('initial_access_token_id', 'text').execute();
        await db.schema.createIndex('clients_registration_source').on('clients').columns(['registration_source', 'created_ms']).execute();
        await db.schema.createIndex('clients_last_used_ms').on('clients').column('last_used_ms').execute();
        await db.schema.createIndex('clients_policy').on('clients').column('policy').execute();
        await db.schema
          .createTable('initial_access_tokens')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('token_digest', 'text', (c) => c.notNull().unique())
          .addColumn('description', 'text')
          .addColumn('policy', 'text')
          .addColumn('max_uses', 'bigint')
          .addColumn('uses', 'bigint', (c) => c.notNull())
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('expires_ms', 'bigint')
          .addColumn('revoked_ms', 'bigint')
          .execute();
        // Events outlive what they describe (a deleted client keeps its history), so no foreign keys.
        await db.schema
          .createTable('audit_events')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('at_ms', 'bigint', (c) => c.notNull())
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('client_id', 'text')
          .addColumn('user_id', 'text')
          .addColumn('actor', 'text')
          .addColumn('ip', 'text')
          .addColumn('data', sql.raw(json), (c) => c.notNull())
          .execute();
        await db.schema.createIndex('audit_events_at_ms').on('audit_events').columns(['at_ms', 'type']).execute();
        await db.schema.createIndex('audit_events_client_id').on('audit_events').columns(['client_id', 'at_ms']).execute();
      },
    },
    '0004_operator_pages': {
      async up(db: Kysely<unknown>) {
        // The clients listing: newest first by (client_id_issued_at, client_id), paged by keyset. Each filter that
        // can be selective has an index in listing order, so a filtered page walks it and stops after one page.
        // On SQLite the unfiltered one also holds search_text and last_used_ms: a search or a `since` filter that
        // few clients match walks the index and reads a row only when it matches (SQLite defers the row lookup
        // until the index columns pass the WHERE). Not on PostgreSQL, whose B-tree entries are limited to about
        // 2.7 kB, less than a long name and ten redirect hosts; its statistics lead it to a sequential scan and a
        // top-N sort for a rare search, and to the last_used_ms index for a rare `since`.
        await db.schema.alterTable('clients').addColumn('search_text', 'text', (c) => c.notNull().defaultTo('')).execute();
        const listingColumns = ['client_id_issued_at', 'client_id', ...(dialect === 'sqlite' ? ['search_text', 'last_used_ms'] : [])];
        await db.schema.createIndex('clients_listing').on('clients').columns(listingColumns).execute();
        await db.schema
          .createIndex('clients_listing_source')
          .on('clients')
          .columns(['registration_source', 'client_id_issued_at', 'client_id'])
          .execute();
        await db.schema
          .createIndex('clients_listing_flagged')
          .on('clients')
          .columns(['client_id_issued_at', 'client_id'])
          .where(sql.ref('look_alike_of'), 'is not', null)
          .execute();
        // Last use first, then listing order: `last_used_ms is null` (never used) is an equality on the first
        // column, so those clients come out in listing order, and cleanup still finds them by it.
        await db.schema.dropIndex('clients_last_used_ms').execute();
        await db.schema
          .createIndex('clients_last_used_ms')
          .on('clients')
          .columns(['last_used_ms', 'client_id_issued_at', 'client_id'])
          .execute();
        // Deleting a client cascades to its codes and consents, and cutting an app off updates a user's codes:
        // without these, each scans the whole table.
        await db.schema.createIndex('authorization_codes_client_id').on('authorization_codes').columns(['client_id', 'user_id']).execute();
        await db.schema.createIndex('consents_client_id').on('consents').column('client_id').execute();
        // Events per counter key per hour (see auditCounterKeys), kept with the events for the dashboard charts.
        await db.schema
          .createTable('audit_counts')
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('hour_ms', 'bigint', (c) => c.notNull())
          .addColumn('count', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('audit_counts_pk', ['key', 'hour_ms'])
          .execute();
        await backfillClientSearchText(db as Kysely<Database>);
        await backfillAuditCounts(db as Kysely<Database>, dialect);
      },
    },
    '0005_session_epoch': {
      async up(db: Kysely<unknown>) {
        // Session cookies carry the user's epoch; raising it (sign-out, a new password) ends every session.
        await db.schema.alterTable('users').addColumn('session_epoch', 'bigint', (c) => c.notNull().defaultTo(0)).execute();
      },
    },
    '0006_consent_binding': {
      async up(db: Kysely<unknown>) {
        // A consent covers the scopes allowed for each resource, and the client as the user saw it: consents from
        // before have no fingerprint, so their users are asked once more.
        await db.schema.alterTable('consents').addColumn('resources', 'text', (c) => c.notNull().defaultTo('')).execute();
        await db.schema.alterTable('consents').addColumn('client_fingerprint', 'text', (c) => c.notNull().defaultTo('')).execute();
      },
    },
    '0007_refresh_token_generation': {
      async up(db: Kysely<unknown>) {
        // How many rotations lie between a refresh token and its grant's first: the reuse grace window answers
        // only a token of the generation just before the newest one (tokens from before count as generation 0).
        await db.schema.alterTable('refresh_tokens').addColumn('generation', 'integer', (c) => c.notNull().defaultTo(0)).execute();
        // Each rotation reads its grant's newest generation and retires the grant's other unused tokens. A grant
        // keeps every token it ever rotated (one a refresh), so both must be index lookups, not walks over the
        // grant's history: (grant_id, generation) answers max(generation) and every lookup by grant_id (it
        // replaces the index on grant_id alone); the partial index holds only the unused tokens.
        await db.schema.dropIndex('refresh_tokens_grant_id').execute();
        await db.schema.createIndex('refresh_tokens_grant_generation').on('refresh_tokens').columns(['grant_id', 'generation']).execute();
        await db.schema.createIndex('refresh_tokens_unused').on('refresh_tokens').column('grant_id').where(sql.ref('used_ms'), 'is', null).execute();
        // Set when a token is reissued within the window; only then does a rotation look for other unused tokens.
        await db.schema.alterTable('grants').addColumn('branched', 'integer', (c) => c.notNull().defaultTo(0)).execute();
      },
    },
    '0008_user_identities': {
      async up(db: Kysely<unknown>) {
        // Upstream identities linked to users. A user created by an upstream sign-in has no local password: its
        // users.password_hash is '' (the column stays NOT NULL, which spares SQLite a table rebuild).
        await db.schema
          .createTable('user_identities')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('provider', 'text', (c) => c.notNull())
          .addColumn('subject', 'text', (c) => c.notNull())
          .addColumn('email', 'text')
          .addColumn('display_name', 'text')
          .addColumn('created_ms', 'bigint', (c) => c.notNull())
          .addColumn('last_sign_in_ms', 'bigint')
          .execute();
        // One person upstream is one user here: concurrent first sign-ins of the same subject cannot each create
        // a user, and linking decides by this index (ON CONFLICT), never by reading first.
        await db.schema.createIndex('user_identities_provider_subject').on('user_identities').columns(['provider', 'subject']).unique().execute();
        // A user's identities (account page, dashboard) and the cascade when a user is deleted.
        await db.schema.createIndex('user_identities_user_id').on('user_identities').column('user_id').execute();
      },
    },
    '0009_used_values': {
      async up(db: Kysely<unknown>) {
        // One-time values (assertion and proof `jti`s) until they expire. The key is the whole value, namespaced
        // by its kind; the primary key decides between concurrent uses; expired rows are swept by expires_ms.
        await db.schema
          .createTable('used_values')
          .addColumn('key', 'text', (c) => c.primaryKey())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('used_values_expires_ms').on('used_values').column('expires_ms').execute();
      },
    },
    '0010_pushed_requests': {
      async up(db: Kysely<unknown>) {
        // Pushed authorization requests (RFC 9126) by the digest of their request_uri's random part, until taken
        // (deleted) by /authorize or swept by expires_ms. params is the request's parameters as a JSON object.
        await db.schema
          .createTable('pushed_requests')
          .addColumn('digest', 'text', (c) => c.primaryKey())
          .addColumn('client_id', 'text', (c) => c.notNull())
          .addColumn('params', 'text', (c) => c.notNull())
          .addColumn('expires_ms', 'bigint', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('pushed_requests_expires_ms').on('pushed_requests').column('expires_ms').execute();
      },
    },
    '0011_grant_dpop_binding': {
      async up(db: Kysely<unknown>) {
        // RFC 9449 §5: a public client's refresh tokens issued with DPoP are bound to the proof's key (its RFC 7638
        // thumbprint); null for every grant before, and for confidential clients, whose tokens are not bound.
        await db.schema.alterTable('grants').addColumn('dpop_jkt', 'text').execute();
      },
    },
    '0012_retention_indexes': {
      async up(db: Kysely<unknown>) {
        // The retention sweeps delete expired rows oldest first: each reads only what it deletes.
        await db.schema.createIndex('refresh_tokens_expires_ms').on('refresh_tokens').column('expires_ms').execute();
        await db.schema.createIndex('authorization_codes_expires_ms').on('authorization_codes').column('expires_ms').execute();
        await db.schema.createIndex('revoked_access_tokens_expires_ms').on('revoked_access_tokens').column('expires_ms').execute();
      },
    },
    '0013_client_counts_and_search': {
      async up(db: Kysely<unknown>) {
        // Counts kept by triggers, a search index, and the index the sweep of never-used clients walks: operator
        // pages and cleanup batches then read what they show or delete, not the whole table (see the file).
        await addClientCountsAndSearch(db, dialect);
      },
    },
    '0014_lighter_client_deletes': {
      async up(db: Kysely<unknown>) {
        // Fewer pages written per client deleted or registered: a partial policy index, and on SQLite a search
        // index that appends its deletes (see the file).
        await lightenClientDeletes(db, dialect);
      },
    },
    '0015_retired_sealed_refresh_tokens': {
      async up(db: Kysely<unknown>) {
        // The retired sealed refresh tokens, oldest retirement first: the retention sweep deletes them once the
        // reuse grace window is over, reading only what it deletes (see protocol/token/refresh-token-key.ts; 56 is
        // the length of a sealed token's key, and the sweep's statement says the same literal).
        await sql`create index refresh_tokens_retired_sealed on refresh_tokens (used_ms) where used_ms is not null and length(token_digest) = 56`.execute(db);
      },
    },
    '0016_unread_client_indexes': {
      async up(db: Kysely<unknown>) {
        // Every registration writes an entry into each index of `clients`. Two are read by nothing since 0013:
        // `clients_created_ms` (the sweeps read `clients_never_used`, the pages `clients_listing`) and
        // `clients_registration_source` (a page filtered by source reads `clients_listing_source`, its counts
        // `client_counts`); on SQLite, without statistics, the second could even lure a filtered page into a sort.
        // (`clients_policy` holds only clients with a policy since 0014.)
        await db.schema.dropIndex('clients_created_ms').execute();
        await db.schema.dropIndex('clients_registration_source').execute();
      },
    },
    '0018_substring_search': {
      async up(db: Kysely<unknown>) {
        // SQLite: a trigram index instead of the word index, so that a search finds any substring, as on
        // PostgreSQL, and reads only the clients it names however short or common it is (see the file).
        await substringSearch(db, dialect);
      },
    },
    '0019_client_ids_by_prefix': {
      async up(db: Kysely<unknown>) {
        // A UUID client id leaves the search text (half of what a registration indexed) and is found by its
        // first 8 characters or more through the primary key, or on PostgreSQL `clients_id_prefix` (see the file).
        await idsOutOfSearchText(db, dialect, (db) => backfillClientSearchText(db as Kysely<Database>));
      },
    },
    '0020_search_index_merged_by_writes': {
      async up(db: Kysely<unknown>) {
        // SQLite: FTS5's automatic merges of the search index off; every write of clients merges a bounded share
        // in its own transaction instead, so that no commit holds the one connection for a large merge (see the file).
        await searchIndexMergedByWrites(db, dialect);
      },
    },
    '0021_search_index_shards': {
      async up(db: Kysely<unknown>) {
        // SQLite: the search index split into shards of 131,072 rowids, so that no merge step handles more than that
        // many entries of one trigram (a step of the one index took 45-70 ms at a million clients; see the file).
        await shardSearchIndex(db, dialect);
      },
    },
  };
}

export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => migrationsFor(dialect) };
}
