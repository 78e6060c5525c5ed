import { existsSync } from "node:fs";
import BetterSqlite3 from "better-sqlite3";
import { Kysely, PostgresDialect, SqliteDialect } from "kysely";
import { importOptional } from "../config/optional-package.js";
import { parseDatabaseUrl } from "./open-storage.js";
import { pendingMigrations } from "./sql/migrate.js";
async function listPendingMigrations(config) {
  const location = parseDatabaseUrl(config.database.url);
  let db;
  if (location.dialect === "postgres") {
    const { default: pg } = await importOptional("pg", () => import("pg"));
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: location.connectionString, max: 1 }) }) });
  } else {
    const exists = location.file !== ":memory:" && existsSync(location.file);
    const database = exists ? new BetterSqlite3(location.file, { readonly: true, fileMustExist: true }) : new BetterSqlite3(":memory:");
    database.pragma("busy_timeout = 5000");
    db = new Kysely({ dialect: new SqliteDialect({ database }) });
  }
  try {
    return { dialect: location.dialect, pending: await pendingMigrations(db, location.dialect) };
  } finally {
    await db.destroy();
  }
}
export {
  listPendingMigrations
};
//# sourceMappingURL=pending-migrations.js.map
