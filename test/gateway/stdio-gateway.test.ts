// Gateway mode over stdio (PRODUCT §12), through the whole gateway: the token checks, tool-level scopes and
// session ownership in front of the bridge, with real child processes and the MCP SDK's client.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createUser } from '../../src/users/users.js';
import { userToken } from '../support/gateway-token.js';
import { capturingLogger } from '../support/log-capture.js';
import { bundleStdioServer } from '../support/mcp-upstream/bundle.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

const password = 'correct horse battery';
const secret = 'LATCHKEY_GATEWAY_TEST_SECRET';
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as Array<{ text: string }>)[0]!.text;
}

describe('gateway in front of a stdio MCP server', () => {
  let bundle: Awaited<ReturnType<typeof bundleStdioServer>>;
  let latchkey: ListeningTestServer;
  let url: string;
  const logs = capturingLogger();
  const clients: Client[] = [];
  let alice: Awaited<ReturnType<typeof userToken>>;
  let bob: Awaited<ReturnType<typeof userToken>>;

  async function connect(token: string): Promise<Client> {
    const client = new Client({ name: 'gateway-test', version: '1.0.0' });
    await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}` } } }));
    clients.push(client);
    return client;
  }

  before(async () => {
    bundle = await bundleStdioServer();
    process.env[secret] = 'what only Latchkey may read';
    process.env['NODE_COMPILE_CACHE'] = bundle.env['NODE_COMPILE_CACHE'];
    latchkey = await startListeningTestServer({
      overrides: {
        'gateway.command': [process.execPath, bundle.file],
        'gateway.childEnv': ['NODE_COMPILE_CACHE'],
        'gateway.toolScopes': { 'delete_*': ['notes:write'] },
        'gateway.toolList': 'permitted',
        'gateway.revocationCacheSeconds': 0,
      },
      logger: logs.logger,
    });
    url = `${latchkey.issuer}/mcp`;
    for (const name of ['alice', 'bob']) await createUser(latchkey.storage.users, { username: name, password }, { now: Date.now(), newId: () => `user-${name}` });
    alice = await userToken(latchkey, { resource: url, scope: 'mcp', username: 'alice', password });
    bob = await userToken(latchkey, { resource: url, scope: 'mcp notes:write', username: 'bob', password });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await latchkey?.close();
    delete process.env[secret];
    delete process.env['NODE_COMPILE_CACHE'];
    await bundle?.cleanup();
  });

  it('starts no process for a request without a valid token', async () => {
    const response = await fetch(url, { method: 'POST', headers: mcpHeaders, body: JSON.stringify(initialize) });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /^Bearer resource_metadata=".*\/\.well-known\/oauth-protected-resource\/mcp", scope="mcp"$/);
    const forged = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken.slice(0, -4)}AAAA` }, body: JSON.stringify(initialize) });
    assert.equal(forged.status, 401);
    assert.ok(!logs.lines.some((line) => /stdio upstream started/.test(JSON.stringify(line))), 'no child was started');
  });

  it('gives each session a process that knows the user, client and scope, and none of Latchkey\'s environment', async () => {
    const client = await connect(alice.accessToken);
    const seen = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} }))) as Record<string, string>;
    assert.deepEqual(seen, { LATCHKEY_USER_ID: 'user-alice', LATCHKEY_CLIENT_ID: alice.clientId, LATCHKEY_SCOPE: 'mcp' });
    assert.equal(text(await client.callTool({ name: 'echo', arguments: { text: 'through stdio' } })), 'through stdio');
    assert.ok(logs.lines.some((line) => /stdio upstream started/.test(JSON.stringify(line))), 'the child\'s stderr is logged');
    const completed = logs.lines.filter((line) => line.msg === 'request completed' && (line['req'] as { url?: string } | undefined)?.url === '/mcp');
    assert.ok(completed.length >= 3, 'each bridged request has its line');
  });

  it('lists only the tools the token may call (toolList: permitted), and refuses the others with 403 insufficient_scope', async () => {
    const client = await connect(alice.accessToken);
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['big', 'count', 'crash', 'echo', 'whoami']);
    await assert.rejects(client.callTool({ name: 'delete_note', arguments: { id: 'n1' } }), /insufficient_scope/);
    const writer = await connect(bob.accessToken);
    assert.ok((await writer.listTools()).tools.some((t) => t.name === 'delete_note'));
    assert.equal(text(await writer.callTool({ name: 'delete_note', arguments: { id: 'n1' } })), 'deleted n1');
  });

  it('streams progress notifications from the process as it sends them', async () => {
    const client = await connect(alice.accessToken);
    const started = performance.now();
    let firstAt = 0;
    const progress: number[] = [];
    const result = await client.callTool({ name: 'count', arguments: { to: 4, delayMs: 200 } }, undefined, {
      onprogress: (p) => {
        if (progress.length === 0) firstAt = performance.now() - started;
        progress.push(p.progress);
      },
    });
    assert.equal(text(result), 'counted to 4');
    assert.deepEqual(progress, [1, 2, 3, 4]);
    assert.ok(firstAt < performance.now() - started - 400, `first progress at ${firstAt} ms: buffered`);
  });

  it('keeps a session to its user: another user\'s token naming it gets 404', async () => {
    const opened = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}` }, body: JSON.stringify(initialize) });
    assert.equal(opened.status, 200);
    await opened.body?.cancel();
    const session = opened.headers.get('mcp-session-id')!;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    const stolen = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${bob.accessToken}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, body: list });
    assert.equal(stolen.status, 404);
    const own = await fetch(url, { method: 'DELETE', headers: { authorization: `Bearer ${alice.accessToken}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } });
    assert.equal(own.status, 200);
  });

  it('refuses a revoked grant at once (gateway.revocationCacheSeconds 0), though its access token has not expired', async () => {
    const carol = await userToken(latchkey, { resource: url, scope: 'mcp', username: 'alice', password, clientName: 'Soon revoked' });
    const client = await connect(carol.accessToken);
    assert.equal(text(await client.callTool({ name: 'echo', arguments: { text: 'before' } })), 'before');
    const revoked = await latchkey.app.inject({ method: 'POST', url: '/revoke', payload: new URLSearchParams({ token: carol.refreshToken!, client_id: carol.clientId }).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(revoked.statusCode, 200);
    const refused = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${carol.accessToken}` }, body: JSON.stringify(initialize) });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate')!, /error="invalid_token", error_description="The access token was revoked\."/);
  });
});
