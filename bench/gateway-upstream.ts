/**
 * The MCP server the gateway benchmark puts behind Latchkey, as a process of its own: the test upstream
 * (test/support/mcp-upstream/http-server.ts, the MCP SDK's Streamable HTTP server with sessions) on the port
 * `--port` names, so that bench/support.ts's `spawnServer` can choose it and poll it. `--json` answers POSTs
 * with one JSON body (the SDK's `enableJsonResponse`) instead of an SSE stream.
 *
 *   node --import tsx bench/gateway-upstream.ts --port 41234 [--json]
 */
import { parseArgs } from 'node:util';
import { startHttpUpstream } from '../test/support/mcp-upstream/http-server.js';

const { values } = parseArgs({ options: { port: { type: 'string' }, json: { type: 'boolean', default: false } } });
const upstream = await startHttpUpstream({ port: Number(values.port ?? 0), json: values.json });
process.stdout.write(`${upstream.url}\n`);
for (const signal of ['SIGTERM', 'SIGINT'] as const) process.once(signal, () => void upstream.close().then(() => process.exit(0)));
