// Latchkey and an MCP server it protects, in one Hono app on Node. Run it: npx tsx examples/hosts/hono.ts
// The README shows this file from its first import on; outside this repository the imports of ../../src are
// 'latchkey' and 'latchkey/resource-server'. test/e2e/hosts.test.ts runs it with an MCP SDK client.
import { pathToFileURL } from 'node:url';
import { serve, type HttpBindings } from '@hono/node-server';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { createLatchkey } from '../../src/index.js';
import { createResourceServer, protectedResourceMetadataFetchHandler, requireBearerTokenFetch, type AuthInfo } from '../../src/resource-server.js';

/** An MCP server whose one tool, `whoami`, says whom the access token speaks for. */
function whoamiServer(): McpServer {
  const server = new McpServer({ name: 'whoami', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The user and client of the access token.' }, ({ authInfo }) => {
    const who = { sub: authInfo?.extra?.['sub'], client_id: authInfo?.clientId, scope: authInfo?.scopes.join(' ') };
    return { content: [{ type: 'text', text: JSON.stringify(who) }] };
  });
  return server;
}

export async function start({ port = 3000, database = 'sqlite:./data/latchkey.db' } = {}) {
  const origin = `http://127.0.0.1:${port}`;
  const latchkey = await createLatchkey({ issuer: `${origin}/auth`, database: { url: database } }, { env: process.env });
  const rs = createResourceServer({ issuer: latchkey.config.issuer, resource: `${origin}/mcp`, requiredScopes: ['mcp:tools'] });

  const app = new Hono<{ Bindings: HttpBindings; Variables: { auth: AuthInfo } }>();
  // /auth/… and /.well-known/oauth-authorization-server/auth go to Latchkey, with the peer's address for its rate limits.
  app.use(async (c, next) => {
    if (!latchkey.handles(c.req.path)) return next();
    return latchkey.fetch(c.req.raw, { clientAddress: c.env.incoming.socket.remoteAddress });
  });
  const metadata = protectedResourceMetadataFetchHandler(rs);
  app.get(rs.metadataPath, (c) => metadata(c.req.raw)); // RFC 9728: where MCP clients find Latchkey
  app.post('/mcp', requireBearerTokenFetch(rs), async (c) => {
    // Stateless: one MCP server per request; the guard set c.get('auth'), which the transport hands to tools.
    const server = whoamiServer();
    const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
    await server.connect(transport);
    return transport.handleRequest(c.req.raw, { authInfo: c.get('auth') });
  });
  app.all('/mcp', (c) => c.body(null, 405, { Allow: 'POST' })); // no server-initiated stream

  const http = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const server = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(server));
  });
  return {
    url: `${origin}/mcp`,
    async close() {
      await new Promise((resolve) => http.close(resolve));
      await latchkey.close();
    },
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, close } = await start({ port: Number(process.env['PORT'] ?? 3000) });
  console.log(`MCP server on ${url}, Latchkey on ${url.replace(/mcp$/, 'auth')}`);
  process.once('SIGINT', () => void close());
}
