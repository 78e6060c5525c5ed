// An MCP server over Streamable HTTP, with sessions, on a real loopback port: the upstream of `latchkey gateway
// --upstream`. Run as a script it prints its URL (for the bench and the CLI tests).
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { isInitializeRequest } from '@modelcontextprotocol/sdk/types.js';
import { buildUpstreamServer, headerCaller } from './tools.js';

export interface HttpUpstream {
  /** e.g. `http://127.0.0.1:41234/mcp` */
  url: string;
  port: number;
  /** Every request the server received: method, path and headers, in order. */
  received: Array<{ method: string; path: string; headers: IncomingMessage['headers'] }>;
  /** Open sessions. */
  sessions(): number;
  close(): Promise<void>;
}

/**
 * Starts the server. `json: true` answers POSTs with one JSON body instead of an SSE stream (the SDK's
 * `enableJsonResponse`).
 */
export async function startHttpUpstream(options: { port?: number; json?: boolean } = {}): Promise<HttpUpstream> {
  const transports = new Map<string, StreamableHTTPServerTransport>();
  const received: HttpUpstream['received'] = [];

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const path = new URL(request.url ?? '/', 'http://upstream').pathname;
    received.push({ method: request.method ?? '', path, headers: request.headers });
    if (received.length > 10_000) received.splice(0, 5_000);
    if (path !== '/mcp') return void response.writeHead(404).end();
    const body = request.method === 'POST' ? JSON.parse(await readBody(request)) : undefined;
    const sessionId = request.headers['mcp-session-id'];
    let transport = typeof sessionId === 'string' ? transports.get(sessionId) : undefined;
    if (!transport) {
      if (sessionId !== undefined || !isInitializeRequest(body)) {
        response.writeHead(404, { 'content-type': 'application/json' });
        return void response.end(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } }));
      }
      const created = new StreamableHTTPServerTransport({
        sessionIdGenerator: () => randomUUID(),
        enableJsonResponse: options.json ?? false,
        onsessioninitialized: (id) => void transports.set(id, created),
      });
      created.onclose = () => {
        if (created.sessionId) transports.delete(created.sessionId);
      };
      await buildUpstreamServer(headerCaller).connect(created);
      transport = created;
    }
    await transport.handleRequest(request, response, body);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) response.writeHead(500);
      response.end(String(error));
    });
  });
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/mcp`,
    port,
    received,
    sessions: () => transports.size,
    async close() {
      for (const transport of transports.values()) await transport.close().catch(() => {});
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const upstream = await startHttpUpstream({ port: Number(process.env['PORT'] ?? 0), json: process.env['JSON'] === '1' });
  process.stdout.write(`${upstream.url}\n`);
  process.once('SIGTERM', () => void upstream.close().then(() => process.exit(0)));
}
