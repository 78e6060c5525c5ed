import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError } from "commander";
import { ConfigError } from "../config/load.js";
import { closeOnSignals, startServer } from "../main.js";
import { createLogger } from "../observability/logger.js";
import { DatabaseTooNewError } from "../ports/storage.js";
import { registerBackupCommand } from "./backup.js";
import { registerClientCommands } from "./clients.js";
import { CliFailure, explained } from "./command-support.js";
import { configFrom, withConfigFlags } from "./config-flags.js";
import { registerGatewayCommand } from "./gateway.js";
import { registerGcCommand } from "./gc.js";
import { registerIatCommands } from "./iat.js";
import { registerKeyCommands } from "./keys.js";
import { registerMigrateCommand } from "./migrate.js";
import { registerUserCommands } from "./users.js";
const { version } = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
const program = new Command("latchkey").description("Latchkey: an OAuth 2.1 authorization server for MCP servers and AI agents").version(version).showHelpAfterError().exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));
let loaded;
const cli = {
  withConfigFlags,
  configFrom: (flags, values) => loaded = configFrom(flags, process.env, values)
};
cli.withConfigFlags(program.command("serve").description("start the authorization server"), "all").action(async (flags) => {
  const config = cli.configFrom(flags);
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  closeOnSignals(server, logger);
});
registerGatewayCommand(program, cli);
registerMigrateCommand(program, cli);
registerBackupCommand(program, cli);
registerUserCommands(program, cli);
registerKeyCommands(program, cli);
registerClientCommands(program, cli);
registerIatCommands(program, cli);
registerGcCommand(program, cli);
program.parseAsync(process.argv).catch((error) => {
  if (error instanceof ConfigError || error instanceof InvalidArgumentError) fail(error.message, 2);
  if (error instanceof DatabaseTooNewError) fail(error.message, 1);
  const failure = loaded === void 0 ? error : explained(error, loaded);
  if (failure instanceof CliFailure) fail(failure.message, failure.exitCode);
  process.stderr.write(`latchkey: ${error instanceof Error ? error.stack : String(error)}
`);
  process.exit(1);
});
function fail(message, exitCode) {
  process.stderr.write(`latchkey: ${message}
`);
  process.exit(exitCode);
}
//# sourceMappingURL=main.js.map
