import { Migrator, sql, type Kysely } from 'kysely';
import { migrationProvider } from './migrations.js';
import type { Database } from './schema.js';
import { DatabaseTooNewError } from '../../ports/storage.js';

/** Kysely's table of applied migrations (its default name). */
const migrationTable = 'kysely_migration';

/** Applies every pending migration; Kysely's migration lock makes concurrent instances wait for each other. */
export async function migrateToLatest(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await refuseNewerDatabase(db, dialect);
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    // A newer instance may have migrated between the check above and the lock; say so rather than Kysely's
    // "corrupted migrations".
    await refuseNewerDatabase(db, dialect);
    throw error;
  }
}

/** The migrations this version knows and the database has not had yet, in the order they would run; nothing is changed. */
export async function pendingMigrations(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  await refuseNewerDatabase(db, dialect);
  const migrations = await new Migrator({ db, provider: migrationProvider(dialect) }).getMigrations();
  return migrations.filter((migration) => migration.executedAt === undefined).map((migration) => migration.name);
}

/** The names of the migrations applied to the database (none on an empty one). */
export async function appliedMigrations(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<string[]> {
  // The table Kysely would use: on PostgreSQL, the first of the search path that has it.
  const exists =
    dialect === 'postgres'
      ? sql<{ found: unknown }>`select to_regclass(${migrationTable}) as found`
      : sql<{ found: unknown }>`select name as found from sqlite_master where type = 'table' and name = ${migrationTable}`;
  const { rows: found } = await exists.execute(db);
  if (found[0]?.found == null) return [];
  const { rows } = await sql<{ name: string }>`select name from ${sql.table(migrationTable)} order by name`.execute(db);
  return rows.map((row) => row.name);
}

/** Throws {@link DatabaseTooNewError} when the database has a migration this version does not know. */
export async function refuseNewerDatabase(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const known = new Set(Object.keys(await migrationProvider(dialect).getMigrations()));
  const unknown = (await appliedMigrations(db, dialect)).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new DatabaseTooNewError(unknown);
}
