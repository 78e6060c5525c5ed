import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError } from '../config/load.js';
import { closeOnSignals, startServer } from '../main.js';
import { createLogger } from '../observability/logger.js';
import { DatabaseTooNewError } from '../ports/storage.js';
import { registerBackupCommand } from './backup.js';
import { registerClientCommands } from './clients.js';
import { configFrom, withConfigFlags } from './config-flags.js';
import { registerGcCommand } from './gc.js';
import { registerIatCommands } from './iat.js';
import { registerKeyCommands } from './keys.js';
import { registerMigrateCommand } from './migrate.js';
import { registerUserCommands } from './users.js';

/** The package's version: package.json is two levels up from both `src/cli/` and `dist/cli/`. */
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

const program = new Command('latchkey')
  .description('Latchkey: an OAuth 2.1 authorization server for MCP servers and AI agents')
  .version(version)
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

registerMigrateCommand(program, { withConfigFlags, configFrom });
registerBackupCommand(program, { withConfigFlags, configFrom });
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
  if (error instanceof DatabaseTooNewError) {
    process.stderr.write(`latchkey: ${error.message}\n`);
    process.exit(1);
  }
  process.stderr.write(`latchkey: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
