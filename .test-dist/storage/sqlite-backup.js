import { existsSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import BetterSqlite3 from "better-sqlite3";
import { isSealed } from "./key-encryption.js";
const allPages = 2147483647;
class BackupFailure extends Error {
  constructor(message) {
    super(message);
    this.name = "BackupFailure";
  }
}
async function backUpSqlite(source, target) {
  if (!existsSync(source)) throw new BackupFailure(`there is no database at ${source}`);
  if (existsSync(target)) throw new BackupFailure(`${target} exists: back up to a new file (the copy never overwrites one)`);
  if (!existsSync(dirname(resolve(target)))) throw new BackupFailure(`the folder of ${target} does not exist`);
  const partial = `${target}.partial-${process.pid}`;
  const database = new BetterSqlite3(source, { readonly: true, fileMustExist: true });
  try {
    database.pragma("busy_timeout = 5000");
    await database.backup(partial, { progress: () => allPages });
    const summary = inspectCopy(partial);
    renameSync(partial, target);
    return { file: target, bytes: statSync(target).size, ...summary };
  } catch (error) {
    rmSync(partial, { force: true });
    if (error instanceof BackupFailure) throw error;
    throw new BackupFailure(`the backup failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    database.close();
  }
}
function inspectCopy(file) {
  const copy = new BetterSqlite3(file, { fileMustExist: true });
  try {
    copy.pragma("journal_mode = DELETE");
    const check = copy.pragma("quick_check", { simple: true });
    if (check !== "ok") throw new BackupFailure(`the copy failed SQLite's check: ${String(check)}`);
    const tables = new Set(copy.prepare(`select name from sqlite_master where type = 'table'`).pluck().all());
    const count = (table) => tables.has(table) ? copy.prepare(`select count(*) from ${table}`).pluck().get() : 0;
    const lastMigration = tables.has("kysely_migration") ? copy.prepare("select max(name) from kysely_migration").pluck().get() ?? null : null;
    const privateKeys = tables.has("signing_keys") ? copy.prepare("select private_jwk from signing_keys").pluck().all() : [];
    return {
      clients: count("clients"),
      users: count("users"),
      signingKeys: privateKeys.length,
      encryptedSigningKeys: privateKeys.filter(isSealedJwk).length,
      lastMigration
    };
  } finally {
    copy.close();
  }
}
function isSealedJwk(stored) {
  try {
    const value = JSON.parse(stored);
    return typeof value.encrypted === "string" && isSealed(value.encrypted);
  } catch {
    return false;
  }
}
export {
  BackupFailure,
  backUpSqlite
};
//# sourceMappingURL=sqlite-backup.js.map
