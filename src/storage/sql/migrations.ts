import { sql, type Kysely, type Migration, type MigrationProvider } from 'kysely';

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
  };
}

export function migrationProvider(dialect: 'sqlite' | 'postgres'): MigrationProvider {
  return { getMigrations: async () => migrationsFor(dialect) };
}
