// Latchkey and an MCP server it protects, in one Express app. Run it: npx tsx examples/hosts/express.ts
// The README shows this file from its first import on; outside this repository the imports of ../../src are
// 'latchkey' and 'latchkey/resource-server'. test/e2e/hosts.test.ts runs it with an MCP SDK client.
import { once } from 'node:events';
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import express from 'express';
import { createLatchkey } from '../../src/index.js';
import { createResourceServer, protectedResourceMetadataHandler, requireBearerToken } from '../../src/resource-server.js';

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

  const app = express();
  app.use(latchkey.middleware); // /auth/… and /.well-known/oauth-authorization-server/auth; before any body parser
  app.get(rs.metadataPath, protectedResourceMetadataHandler(rs)); // RFC 9728: where MCP clients find Latchkey
  app.post('/mcp', express.json(), requireBearerToken(rs), async (req, res) => {
    // Stateless: one MCP server per request; requireBearerToken set req.auth, which the transport hands to tools.
    const server = whoamiServer();
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    res.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  app.all('/mcp', (_req, res) => void res.status(405).set('Allow', 'POST').end()); // no server-initiated stream

  const http = app.listen(port, '127.0.0.1');
  await once(http, 'listening');
  return {
    url: `${origin}/mcp`,
    async close() {
      http.closeAllConnections();
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
