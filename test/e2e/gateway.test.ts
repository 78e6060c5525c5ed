// Gateway mode end to end (PRODUCT §12): an MCP server that knows nothing of OAuth, over HTTP and over stdio, behind
// Latchkey on a real port; the MCP SDK's client knows only the gateway's URL, and its user is headless Chromium on
// Latchkey's pages. From the first 401 to a stepped-up tool call, on each database.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser, BrowserContext } from 'playwright-core';
import { createUser } from '../../src/users/users.js';
import { launchChromium, skipWithoutChromium as skip } from '../support/chromium.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { accessTokenClaims, chromiumUser, GatewayAgent } from '../support/gateway-agent.js';
import { bundleStdioServer } from '../support/mcp-upstream/bundle.js';
import { startHttpUpstream, type HttpUpstream } from '../support/mcp-upstream/http-server.js';
import { startCallbackServer, startListeningTestServer, type CallbackServer, type ListeningTestServer } from '../support/real-port.js';

const alice = { username: 'alice', password: 'correct horse battery' };
/** Headers an agent has no business sending: the gateway replaces them with what the token says. */
const forged = { 'X-Latchkey-User': 'user-mallory', 'x-latchkey-scope': 'notes:write', 'x-latchkey-client': 'someone-else' };

let bundleDir: string;
let stdioServer: string;
let browser: Browser | undefined;
let callback: CallbackServer;

before(async () => {
  bundleDir = await mkdtemp(join(tmpdir(), 'latchkey-gateway-e2e-'));
  stdioServer = (await bundleStdioServer(bundleDir)).file;
  // Each child starts from Node's compile cache; the gateway passes only the variables gateway.childEnv names.
  process.env['NODE_COMPILE_CACHE'] = join(bundleDir, 'compile-cache');
  callback = await startCallbackServer();
  if (!skip) browser = await launchChromium();
});
after(async () => {
  await browser?.close();
  await callback?.close();
  delete process.env['NODE_COMPILE_CACHE'];
  await rm(bundleDir, { recursive: true, force: true });
});

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as Array<{ text: string }>)[0]!.text;
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  for (const upstreamKind of ['http', 'stdio'] as const) {
    describe(`an MCP SDK agent and a user in Chromium, through the gateway to a ${upstreamKind} MCP server`, { skip }, () => {
      let upstream: HttpUpstream | undefined;
      let latchkey: ListeningTestServer;
      let mcpUrl: string;
      let context: BrowserContext;
      /** The scopes each consent page listed as new, in order. */
      const consents: string[][] = [];
      let agent: GatewayAgent;
      let transport: StreamableHTTPClientTransport;
      let client: Client;
      const clients: Client[] = [];

      before(async () => {
        upstream = upstreamKind === 'http' ? await startHttpUpstream() : undefined;
        latchkey = await startListeningTestServer({
          database: kind,
          overrides: {
            ...(upstream ? { 'gateway.upstream': upstream.url } : { 'gateway.command': [process.execPath, stdioServer], 'gateway.childEnv': ['NODE_COMPILE_CACHE'] }),
            'gateway.toolScopes': { 'delete_*': ['notes:write'] },
          },
        });
        await createUser(latchkey.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
        mcpUrl = `${latchkey.issuer}/mcp`;
        context = await browser!.newContext();
        agent = new GatewayAgent({ clientName: 'Gateway e2e agent', redirectUrl: callback.redirectUri, userAgent: chromiumUser(await context.newPage(), callback, alice, consents) });
      });
      after(async () => {
        for (const each of clients) await each.close().catch(() => {});
        await context?.close();
        await latchkey?.close();
        await upstream?.close();
      });

      async function connect(): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
        const next = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: agent, fetch: agent.fetch, requestInit: { headers: forged } });
        const connected = new Client({ name: 'gateway-e2e', version: '1.0.0' });
        await connected.connect(next);
        clients.push(connected);
        return { client: connected, transport: next };
      }

      it('leads the agent from the 401 through RFC 9728, RFC 8414 and registration to sign-in and consent, and a token for the gateway', async () => {
        const first = new StreamableHTTPClientTransport(new URL(mcpUrl), { authProvider: agent, fetch: agent.fetch });
        await assert.rejects(new Client({ name: 'gateway-e2e', version: '1.0.0' }).connect(first), UnauthorizedError);
        assert.deepEqual(agent.requests, [
          'POST /mcp 401',
          'GET /.well-known/oauth-protected-resource/mcp 200',
          'GET /.well-known/oauth-authorization-server 200',
          'POST /register 201',
        ]);
        assert.deepEqual(consents, [['mcp']], 'the consent page asked for the scope the 401 named');
        await first.finishAuth(agent.code!);
        assert.equal(agent.requests.at(-1), 'POST /token 200');
        const claims = accessTokenClaims(agent.saved!.access_token);
        assert.deepEqual([claims['aud'], claims['sub'], claims['scope']], [mcpUrl, 'user-alice', 'mcp']);
      });

      it("lists the MCP server's tools and calls one with the token", async () => {
        ({ client, transport } = await connect());
        const tools = (await client.listTools()).tools.map((tool) => tool.name).sort();
        assert.deepEqual(tools, upstreamKind === 'http' ? ['big', 'count', 'delete_note', 'echo', 'whoami'] : ['big', 'count', 'crash', 'delete_note', 'echo', 'whoami']);
        assert.equal(text(await client.callTool({ name: 'echo', arguments: { text: 'héllo' } })), 'héllo');
      });

      it('tells the MCP server the verified user and client, never what the agent claimed', async () => {
        const seen = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} }))) as Record<string, string>;
        const clientId = agent.client!.client_id;
        if (upstreamKind === 'http') assert.deepEqual(seen, { 'x-latchkey-user': 'user-alice', 'x-latchkey-client': clientId, 'x-latchkey-scope': 'mcp' });
        else assert.deepEqual(seen, { LATCHKEY_USER_ID: 'user-alice', LATCHKEY_CLIENT_ID: clientId, LATCHKEY_SCOPE: 'mcp' });
      });

      it('streams the progress notifications of a call before its result', async () => {
        const started = performance.now();
        const progress: Array<{ value: number; at: number }> = [];
        const result = await client.callTool({ name: 'count', arguments: { to: 4, delayMs: 150 } }, undefined, {
          onprogress: (p) => progress.push({ value: p.progress, at: performance.now() - started }),
        });
        const total = performance.now() - started;
        assert.equal(text(result), 'counted to 4');
        assert.deepEqual(progress.map((p) => p.value), [1, 2, 3, 4]);
        assert.ok(progress[0]!.at < total - 300, `the first progress came at ${progress[0]!.at} ms of ${total} ms: the stream was buffered`);
      });

      it('refuses delete_note with insufficient_scope; the SDK steps up, the user consents to notes:write, and the call succeeds', async () => {
        const before = agent.requests.length;
        await assert.rejects(client.callTool({ name: 'delete_note', arguments: { id: 'n1' } }), UnauthorizedError);
        assert.equal(agent.requests[before], 'POST /mcp 403');
        assert.equal(agent.redirects, 2, 'the SDK sent the user to authorize again');
        assert.deepEqual(consents.at(-1), ['notes:write'], 'the consent page asked only for the new scope');
        await transport.finishAuth(agent.code!);
        assert.equal(accessTokenClaims(agent.saved!.access_token)['scope'], 'mcp notes:write');
        assert.equal(text(await client.callTool({ name: 'delete_note', arguments: { id: 'n1' } })), 'deleted n1');
        if (upstreamKind === 'http') {
          const seen = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} }))) as Record<string, string>;
          assert.equal(seen['x-latchkey-scope'], 'mcp notes:write');
        }
      });

      if (upstreamKind === 'http') {
        it("answers with the gateway's JSON-RPC error (502) when the MCP server goes down mid-session", async () => {
          await upstream!.close();
          const failure = await client.callTool({ name: 'echo', arguments: { text: 'anyone?' } }).then(
            () => assert.fail('the call succeeded with the MCP server down'),
            (error: unknown) => error,
          );
          assert.ok(failure instanceof StreamableHTTPError, String(failure));
          assert.equal(failure.code, 502);
          assert.match(failure.message, /"error":\{"code":-32\d{3},"message":"The MCP server cannot be reached\."\}/);
          upstream = undefined;
        });
      } else {
        it('fails a call clearly when the MCP server process crashes, and a new session works', async () => {
          await assert.rejects(client.callTool({ name: 'crash', arguments: {} }), /The MCP server process exited \(code 3\); start a new session\./);
          const { client: fresh } = await connect();
          assert.equal(text(await fresh.callTool({ name: 'echo', arguments: { text: 'again' } })), 'again');
        });
      }
    });
  }
});
