import { Migrator, sql } from "kysely";
import { migrationProvider } from "./migrations.js";
import { DatabaseTooNewError } from "../../ports/storage.js";
const migrationTable = "kysely_migration";
async function migrateToLatest(db, dialect) {
  await refuseNewerDatabase(db, dialect);
  const migrator = new Migrator({ db, provider: migrationProvider(dialect) });
  const { error } = await migrator.migrateToLatest();
  if (error) {
    await refuseNewerDatabase(db, dialect);
    throw error;
  }
}
async function pendingMigrations(db, dialect) {
  await refuseNewerDatabase(db, dialect);
  const migrations = await new Migrator({ db, provider: migrationProvider(dialect) }).getMigrations();
  return migrations.filter((migration) => migration.executedAt === void 0).map((migration) => migration.name);
}
async function appliedMigrations(db, dialect) {
  const exists = dialect === "postgres" ? sql`select to_regclass(${migrationTable}) as found` : sql`select name as found from sqlite_master where type = 'table' and name = ${migrationTable}`;
  const { rows: found } = await exists.execute(db);
  if (found[0]?.found == null) return [];
  const { rows } = await sql`select name from ${sql.table(migrationTable)} order by name`.execute(db);
  return rows.map((row) => row.name);
}
async function refuseNewerDatabase(db, dialect) {
  const known = new Set(Object.keys(await migrationProvider(dialect).getMigrations()));
  const unknown = (await appliedMigrations(db, dialect)).filter((name) => !known.has(name));
  if (unknown.length > 0) throw new DatabaseTooNewError(unknown);
}
export {
  appliedMigrations,
  migrateToLatest,
  pendingMigrations,
  refuseNewerDatabase
};
//# sourceMappingURL=migrate.js.map
