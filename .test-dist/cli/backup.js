import { BackupFailure, backUpDatabase } from "../compose.js";
import { CliFailure, reportRefusals } from "./command-support.js";
function registerBackupCommand(program, context) {
  context.withConfigFlags(
    program.command("backup").argument("<file>", "the new file to write the copy to (it must not exist)").description("copy the SQLite database to FILE while the server runs (SQLite online backup), and say what the copy holds"),
    ["database"]
  ).option("--json", "print JSON instead of a summary").action(
    (file, flags) => reportRefusals(async () => {
      const backup = await backUpDatabase(context.configFrom(flags), file);
      if (backup.kind === "postgres") {
        throw new CliFailure('backup copies SQLite databases; for PostgreSQL use pg_dump (pg_dump --format=custom --file=latchkey.dump "$DATABASE_URL"), see docs/deploy.md', 2);
      }
      if (backup.kind === "memory") throw new CliFailure("the database is in memory (sqlite::memory:): there is no file to back up", 2);
      process.stdout.write(flags["json"] ? `${JSON.stringify(backup.summary, null, 2)}
` : describe(backup.source, backup.summary));
    }, (error) => error instanceof BackupFailure ? new CliFailure(error.message, 1) : void 0)
  );
}
function keysNote({ signingKeys, encryptedSigningKeys }) {
  if (encryptedSigningKeys === signingKeys) return "(private keys encrypted: restoring needs the key-encryption key, which is not in the copy)";
  const plaintext = signingKeys - encryptedSigningKeys;
  return `(${plaintext === signingKeys ? "private keys" : `${plaintext} private key${plaintext === 1 ? "" : "s"}`} in plaintext: keep the copy as safe as the database, or set secrets.keyEncryptionKey)`;
}
function describe(source, summary) {
  return [
    `Backed up ${source} to ${summary.file} (${Math.ceil(summary.bytes / 1024)} KiB), one consistent state of the database:`,
    `  clients         ${summary.clients}`,
    `  users           ${summary.users}`,
    `  signing keys    ${summary.signingKeys}${summary.signingKeys > 0 ? ` ${keysNote(summary)}` : ""}`,
    `  last migration  ${summary.lastMigration ?? "none (an empty database)"}`,
    `Restore: stop the server, copy ${summary.file} over ${source} and remove ${source}-wal and ${source}-shm if present (docs/deploy.md).`,
    ""
  ].join("\n");
}
export {
  registerBackupCommand
};
//# sourceMappingURL=backup.js.map
