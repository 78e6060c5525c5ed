// The tools of the MCP server the gateway tests put behind Latchkey. The server knows nothing of OAuth: it is
// what an operator would run today, built with the MCP SDK alone.
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';

/**
 * Where the server reads who is calling: the request's `x-latchkey-*` headers over HTTP (the gateway sets them),
 * the child's `LATCHKEY_*` environment over stdio.
 */
export type CallerSource = (extra: { requestInfo?: { headers: Record<string, string | string[] | undefined> } }) => Record<string, string>;

export const headerCaller: CallerSource = (extra) =>
  Object.fromEntries(
    Object.entries(extra.requestInfo?.headers ?? {})
      .filter(([name]) => name.startsWith('x-latchkey-') || name === 'authorization' || name === 'cookie' || name === 'dpop')
      .map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : String(value)]),
  );

export const environmentCaller: CallerSource = () =>
  Object.fromEntries(Object.entries(process.env).filter(([name]) => name.startsWith('LATCHKEY_')).map(([name, value]) => [name, String(value)]));

/** A fresh MCP server with the test tools: echo, whoami, count (progress), delete_note, big, crash (stdio). */
export function buildUpstreamServer(caller: CallerSource, options: { crash?: boolean } = {}): McpServer {
  const server = new McpServer({ name: 'gateway-test-upstream', version: '1.0.0' });
  server.registerTool('echo', { description: 'Echoes its text.', inputSchema: { text: z.string() } }, ({ text }) => ({
    content: [{ type: 'text', text }],
  }));
  server.registerTool('whoami', { description: 'What the gateway told this server about the caller.' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify(caller(extra)) }],
  }));
  server.registerTool(
    'count',
    { description: 'Counts to `to`, one progress notification per step, `delayMs` apart.', inputSchema: { to: z.number().int().min(1).max(1000), delayMs: z.number().int().min(0).max(5000).default(20) } },
    async ({ to, delayMs }, extra) => {
      const progressToken = extra._meta?.progressToken;
      for (let i = 1; i <= to; i += 1) {
        if (progressToken !== undefined) {
          await extra.sendNotification({ method: 'notifications/progress', params: { progressToken, progress: i, total: to, message: `step ${i}` } });
        }
        await new Promise((resolve) => setTimeout(resolve, delayMs));
      }
      return { content: [{ type: 'text', text: `counted to ${to}` }] };
    },
  );
  server.registerTool('delete_note', { description: 'Deletes a note.', inputSchema: { id: z.string() } }, ({ id }) => ({
    content: [{ type: 'text', text: `deleted ${id}` }],
  }));
  server.registerTool('big', { description: 'Answers `bytes` bytes of text.', inputSchema: { bytes: z.number().int().min(1).max(64 * 1024 * 1024) } }, ({ bytes }) => ({
    content: [{ type: 'text', text: 'x'.repeat(bytes) }],
  }));
  if (options.crash) {
    server.registerTool('crash', { description: 'Exits the process at once, as a crashing server would.' }, () => process.exit(3));
  }
  return server;
}
