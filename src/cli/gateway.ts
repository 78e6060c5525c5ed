import type { Command } from 'commander';
import { ConfigError } from '../config/load.js';
import { gatewayEnabled, gatewayResourceUri } from '../config/gateway.js';
import { closeOnSignals, startServer } from '../main.js';
import { createLogger } from '../observability/logger.js';
import type { ConfigCli } from './config-cli.js';
import { capYoungGeneration } from './young-generation.js';

/**
 * `latchkey gateway --upstream <url>` and `latchkey gateway -- <command> [args…]` (PRODUCT §12): the server,
 * with an MCP server behind it at `--path` (default `/mcp`). Everything else is as `serve`: the same options,
 * database and pages.
 */
export function registerGatewayCommand(program: Command, cli: ConfigCli): void {
  cli
    .withConfigFlags(
      program
        .command('gateway')
        .description('start the authorization server with an MCP server behind it: --upstream <url> for Streamable HTTP, or -- <command> [args…] for stdio')
        .argument('[command...]', 'a stdio MCP server to start per session: its program and arguments, after --'),
      'all',
    )
    .action(async (command: string[], flags: Record<string, unknown>) => {
      const config = cli.configFrom(flags, command.length > 0 ? { 'gateway.command': command } : {});
      if (!gatewayEnabled(config.gateway)) {
        throw new ConfigError('latchkey gateway needs an MCP server to put behind it: --upstream <url> (Streamable HTTP), or -- <command> [args…] (stdio)');
      }
      const logger = createLogger(config.logLevel);
      const server = await startServer(config, logger);
      capYoungGeneration();
      logger.info(
        { resource: gatewayResourceUri(config.issuer, config.gateway.path), upstream: config.gateway.upstream ?? config.gateway.command.join(' ') },
        'The gateway is listening',
      );
      closeOnSignals(server, logger);
    });
}
