import { listPendingMigrations, migrateDatabase } from "../compose.js";
function registerMigrateCommand(program, context) {
  context.withConfigFlags(program.command("migrate").description("apply pending database migrations and exit"), ["database"]).option("--dry-run", "list the pending migrations without applying them (nothing is written)").option("--json", "with --dry-run: print JSON instead of a list").action(async (flags) => {
    const config = context.configFrom(flags);
    if (!flags["dryRun"]) {
      const dialect2 = await migrateDatabase(config);
      process.stdout.write(`The ${dialect2} database is up to date.
`);
      return;
    }
    const { dialect, pending } = await listPendingMigrations(config);
    if (flags["json"]) {
      process.stdout.write(`${JSON.stringify({ dialect, pending }, null, 2)}
`);
    } else if (pending.length === 0) {
      process.stdout.write(`No migration is pending: the ${dialect} database is up to date.
`);
    } else {
      const count = `${pending.length} migration${pending.length === 1 ? "" : "s"}`;
      process.stdout.write(`${count} would be applied to the ${dialect} database (nothing was applied):
${pending.map((name) => `  ${name}
`).join("")}`);
    }
  });
}
export {
  registerMigrateCommand
};
//# sourceMappingURL=migrate.js.map
