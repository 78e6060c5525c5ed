import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import type { Config } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';
import { closeOnSignals, startServer } from '../main.js';
import { createLogger } from '../observability/logger.js';
import { DatabaseTooNewError } from '../ports/storage.js';
import { registerBackupCommand } from './backup.js';
import { registerClientCommands } from './clients.js';
import { CliFailure, explained } from './command-support.js';
import type { ConfigCli } from './config-cli.js';
import { configFrom, withConfigFlags } from './config-flags.js';
import { registerGatewayCommand } from './gateway.js';
import { registerGcCommand } from './gc.js';
import { registerIatCommands } from './iat.js';
import { registerKeyCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { registerUserCommands } from './users.js';
import { capYoungGeneration } from './young-generation.js';

/** The package's version: package.json is two levels up from both `src/cli/` and `dist/cli/`. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('latchkey')
  .description('Latchkey: an OAuth 2.1 authorization server for MCP servers and AI agents')
  .version(version)
  .showHelpAfterError()
  // Exit status 2 for bad usage (an unknown option, a bad option value), as for a bad configuration; commander
  // would exit 1, which scripts cannot tell from a failed operation. Help and --version still exit 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

/** The configuration the command loaded, to explain its failure (a port in use, an unreachable database) in its terms. */
let loaded: Config | undefined;
const cli: ConfigCli = {
  withConfigFlags,
  configFrom: (flags, values) => (loaded = configFrom(flags, process.env, values)),
};

cli.withConfigFlags(program.command('serve').description('start the authorization server'), 'all').action(async (flags) => {
  const config = cli.configFrom(flags);
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  capYoungGeneration();
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

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof InvalidArgumentError) fail(error.message, 2);
  if (error instanceof DatabaseTooNewError) fail(error.message, 1);
  const failure = loaded === undefined ? error : explained(error, loaded);
  if (failure instanceof CliFailure) fail(failure.message, failure.exitCode);
  process.stderr.write(`latchkey: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});

/** One line on stderr, and the exit status: what an operator can act on needs no stack trace. */
function fail(message: string, exitCode: number): never {
  process.stderr.write(`latchkey: ${message}\n`);
  process.exit(exitCode);
}
