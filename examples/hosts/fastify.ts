// Latchkey and an MCP server it protects, in one Fastify app. Run it: npx tsx examples/hosts/fastify.ts
// The README shows this file from its first import on; outside this repository the imports of ../../src are
// 'latchkey' and 'latchkey/resource-server'. test/e2e/hosts.test.ts runs it with an MCP SDK client.
import { pathToFileURL } from 'node:url';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import Fastify from 'fastify';
import { createLatchkey } from '../../src/index.js';
import { createResourceServer, requireBearerTokenFastify } from '../../src/resource-server.js';

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

  const app = Fastify();
  // The prefix is the issuer's path; /.well-known/oauth-authorization-server/auth is served too. Closing the app closes Latchkey.
  await app.register(latchkey.plugin, { prefix: '/auth' });
  app.get(rs.metadataPath, (_request, reply) => {
    const { status, headers, body } = rs.metadataReply(); // RFC 9728: where MCP clients find Latchkey
    return reply.code(status).headers(headers).send(body);
  });
  app.post('/mcp', { preHandler: requireBearerTokenFastify(rs) }, async (request, reply) => {
    // Stateless: one MCP server per request; the transport hands req.auth to tools, and answers on the raw response.
    reply.hijack();
    const server = whoamiServer();
    const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
    reply.raw.on('close', () => void server.close());
    await server.connect(transport);
    await transport.handleRequest(request.raw, reply.raw, request.body); // request.raw.auth: the token's AuthInfo
  });
  app.route({ method: ['GET', 'DELETE'], url: '/mcp', handler: (_request, reply) => reply.code(405).header('Allow', 'POST').send() }); // stateless

  await app.listen({ port, host: '127.0.0.1' });
  return { url: `${origin}/mcp`, close: () => app.close() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { url, close } = await start({ port: Number(process.env['PORT'] ?? 3000) });
  console.log(`MCP server on ${url}, Latchkey on ${url.replace(/mcp$/, 'auth')}`);
  process.once('SIGINT', () => void close());
}
