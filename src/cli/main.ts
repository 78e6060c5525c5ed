import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/load.js';
import { closeOnSignals, migrate, startServer } from '../main.js';
import { createLogger } from '../observability/logger.js';
import { registerClientCommands } from './clients.js';
import { configFrom, withConfigFlags } from './config-flags.js';
import { registerGcCommand } from './gc.js';
import { registerIatCommands } from './iat.js';
import { registerKeyCommands } from './keys.js';
import { registerUserCommands } from './users.js';

const program = new Command('latchkey')
  .description('Latchkey: an OAuth 2.1 authorization server for MCP servers and AI agents')
  .showHelpAfterError()
  // Exit status 2 for bad usage (an unknown option, a bad option value), as for a bad configuration; commander
  // would exit 1, which scripts cannot tell from a failed operation. Help and --version still exit 0.
  .exitOverride((error) => process.exit(error.exitCode === 0 ? 0 : 2));

withConfigFlags(program.command('serve').description('start the authorization server')).action(async (flags) => {
  const config = configFrom(flags);
  const logger = createLogger(config.logLevel);
  const server = await startServer(config, logger);
  closeOnSignals(server, logger);
});

withConfigFlags(program.command('migrate').description('apply pending database migrations and exit')).action(async (flags) => {
  const dialect = await migrate(configFrom(flags));
  process.stdout.write(`The ${dialect} database is up to date.\n`);
});

registerUserCommands(program, { withConfigFlags, configFrom });
registerKeyCommands(program, { withConfigFlags, configFrom });
registerClientCommands(program, { withConfigFlags, configFrom });
registerIatCommands(program, { withConfigFlags, configFrom });
registerGcCommand(program, { withConfigFlags, configFrom });

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError || error instanceof InvalidArgumentError) {
    process.stderr.write(`latchkey: ${error.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`latchkey: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
