import { ConfigError } from "../config/load.js";
import { gatewayEnabled, gatewayResourceUri } from "../config/gateway.js";
import { closeOnSignals, startServer } from "../main.js";
import { createLogger } from "../observability/logger.js";
function registerGatewayCommand(program, cli) {
  cli.withConfigFlags(
    program.command("gateway").description("start the authorization server with an MCP server behind it: --upstream <url> for Streamable HTTP, or -- <command> [args\u2026] for stdio").argument("[command...]", "a stdio MCP server to start per session: its program and arguments, after --"),
    "all"
  ).action(async (command, flags) => {
    const config = cli.configFrom(flags, command.length > 0 ? { "gateway.command": command } : {});
    if (!gatewayEnabled(config.gateway)) {
      throw new ConfigError("latchkey gateway needs an MCP server to put behind it: --upstream <url> (Streamable HTTP), or -- <command> [args\u2026] (stdio)");
    }
    const logger = createLogger(config.logLevel);
    const server = await startServer(config, logger);
    logger.info(
      { resource: gatewayResourceUri(config.issuer, config.gateway.path), upstream: config.gateway.upstream ?? config.gateway.command.join(" ") },
      "The gateway is listening"
    );
    closeOnSignals(server, logger);
  });
}
export {
  registerGatewayCommand
};
//# sourceMappingURL=gateway.js.map
