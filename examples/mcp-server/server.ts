// A small MCP server (Streamable HTTP, stateless) protected by Latchkey. Run it with
//   LATCHKEY_ISSUER=http://localhost:8080 MCP_RESOURCE_URL=http://localhost:3000/mcp PORT=3000 npx tsx examples/mcp-server/server.ts
// Outside this repository, import from 'latchkey/resource-server' instead of the relative path.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { createResourceServer, protectedResourceMetadataHandler, requireBearerToken, type ResourceServerOptions } from '../../src/resource-server.js';

/** The scope a token needs to use this server's tools. */
export const toolScope = 'mcp:tools';

export interface McpServerOptions {
  /** Latchkey's issuer, e.g. `http://localhost:8080`. */
  issuer: string;
  /** This server's resource identifier; `http://<host>:<port>/mcp` of the bound address by default. */
  resource?: string;
  /** 0 picks a free port. */
  port?: number;
  host?: string;
  /** A confidential client of Latchkey's, to see revoked tokens through introspection (RFC 7662). */
  introspection?: ResourceServerOptions['introspection'];
  clock?: ResourceServerOptions['clock'];
}

export interface RunningMcpServer {
  /** The MCP endpoint, e.g. `http://127.0.0.1:3000/mcp`. */
  url: string;
  /** The resource identifier tokens must be issued for. */
  resource: string;
  close(): Promise<void>;
}

/** One MCP server per request (stateless mode); its `whoami` tool tells who the access token speaks for. */
function buildMcpServer(): McpServer {
  const server = new McpServer({ name: 'latchkey-example', version: '0.1.0' });
  server.registerTool('whoami', { description: 'Who the access token was issued to: user, client and scopes.' }, (extra) => {
    const who = { sub: extra.authInfo?.extra?.['sub'], client_id: extra.authInfo?.clientId, scope: extra.authInfo?.scopes.join(' ') };
    return { content: [{ type: 'text', text: JSON.stringify(who) }] };
  });
  return server;
}

/** Starts the server; resolves once it listens. */
export async function startMcpServer(options: McpServerOptions): Promise<RunningMcpServer> {
  const host = options.host ?? '127.0.0.1';
  const http = createServer((request, response) => handle(request, response));
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = http.address() as AddressInfo;
  const local = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const resource = options.resource ?? `${local}/mcp`;
  const mcpPath = new URL(resource).pathname;

  // #region readme
  const rs = createResourceServer({
    issuer: options.issuer, // Latchkey's, e.g. http://localhost:8080
    resource, // this server's MCP endpoint, e.g. http://localhost:3000/mcp: tokens must be issued for it
    requiredScopes: [toolScope],
    resourceName: 'Latchkey example MCP server',
    ...(options.introspection ? { introspection: options.introspection } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const serveMetadata = protectedResourceMetadataHandler(rs);
  const requireToken = requireBearerToken(rs);

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    // RFC 9728: the metadata that sends MCP clients to Latchkey.
    if (path === rs.metadataPath && request.method === 'GET') return serveMetadata(request, response);
    if (path !== mcpPath) return void response.writeHead(404).end();
    // Stateless: no session, so no server-initiated stream (GET) and nothing to end (DELETE).
    if (request.method !== 'POST') return void response.writeHead(405, { Allow: 'POST' }).end();
    // Connect-style middleware: it answers 401/403/503 itself, or sets request.auth (the MCP SDK's AuthInfo) and goes on.
    void requireToken(request, response, (error) => (error ? fail(response, error) : serveMcp(request, response).catch((e: unknown) => fail(response, e))));
  }

  async function serveMcp(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const server = buildMcpServer();
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true }); // no sessionIdGenerator: stateless
    response.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(request, response); // hands request.auth to the tools as extra.authInfo
  }
  // #endregion readme

  return {
    url: `${local}${mcpPath}`,
    resource,
    close: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

function fail(response: ServerResponse, error: unknown): void {
  console.error(error);
  if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify({ error: 'server_error' }));
}

/** Reads the configuration from the environment; see README.md. */
function optionsFromEnv(env: NodeJS.ProcessEnv): McpServerOptions {
  const issuer = env['LATCHKEY_ISSUER'] ?? 'http://localhost:8080';
  const port = Number(env['PORT'] ?? 3000);
  const options: McpServerOptions = { issuer, port, host: env['HOST'] ?? 'localhost', resource: env['MCP_RESOURCE_URL'] ?? `http://localhost:${port}/mcp` };
  const clientId = env['INTROSPECTION_CLIENT_ID'];
  const clientSecret = env['INTROSPECTION_CLIENT_SECRET'];
  if (clientId && clientSecret) {
    options.introspection = { endpoint: env['INTROSPECTION_ENDPOINT'] ?? `${issuer.replace(/\/+$/, '')}/introspect`, clientId, clientSecret };
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const running = await startMcpServer(optionsFromEnv(process.env));
  console.log(`MCP server on ${running.url} (resource ${running.resource})`);
  process.once('SIGINT', () => void running.close().then(() => process.exit(0)));
  process.once('SIGTERM', () => void running.close().then(() => process.exit(0)));
}
