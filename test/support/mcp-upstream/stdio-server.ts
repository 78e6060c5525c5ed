// An MCP server over stdio, unmodified: the child of `latchkey gateway -- <command>`. It tells who is calling
// from the environment the gateway gave it, and has a `crash` tool that exits the process.
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildUpstreamServer, environmentCaller } from './tools.js';

process.stderr.write(`stdio upstream started (pid ${process.pid})\n`);
await buildUpstreamServer(environmentCaller, { crash: true }).connect(new StdioServerTransport());
