// Gateway mode over HTTP (PRODUCT §12): an MCP server that knows nothing of OAuth, behind Latchkey, on real ports,
// reached with the MCP SDK's own client.
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { createUser } from '../../src/users/users.js';
import { userToken } from '../support/gateway-token.js';
import { capturingLogger } from '../support/log-capture.js';
import { startHttpUpstream, type HttpUpstream } from '../support/mcp-upstream/http-server.js';
import { startListeningTestServer } from '../support/real-port.js';

const password = 'correct horse battery';

async function startGateway(upstream: string, overrides: Record<string, unknown> = {}, logger = capturingLogger()) {
  const latchkey = await startListeningTestServer({
    overrides: { 'gateway.upstream': upstream, 'gateway.toolScopes': { 'delete_*': ['notes:write'], '*_admin': ['notes:write'] }, 'gateway.rateLimit.enabled': false, 'metrics.enabled': true, ...overrides },
    logger: logger.logger,
  });
  for (const name of ['alice', 'bob']) {
    await createUser(latchkey.storage.users, { username: name, password }, { now: Date.now(), newId: () => `user-${name}` });
  }
  return { latchkey, url: `${latchkey.issuer}/mcp`, logs: logger };
}

async function connect(url: string, token: string, headers: Record<string, string> = {}): Promise<Client> {
  const client = new Client({ name: 'gateway-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { authorization: `Bearer ${token}`, ...headers } } }));
  return client;
}

function text(result: Awaited<ReturnType<Client['callTool']>>): string {
  return (result.content as Array<{ text: string }>)[0]!.text;
}

const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

describe('gateway in front of a Streamable HTTP MCP server', () => {
  let upstream: HttpUpstream;
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  let alice: Awaited<ReturnType<typeof userToken>>;
  let bob: Awaited<ReturnType<typeof userToken>>;
  const clients: Client[] = [];

  before(async () => {
    upstream = await startHttpUpstream();
    gateway = await startGateway(upstream.url);
    const resource = gateway.url;
    alice = await userToken(gateway.latchkey, { resource, scope: 'mcp', username: 'alice', password });
    bob = await userToken(gateway.latchkey, { resource, scope: 'mcp', username: 'bob', password });
  });
  after(async () => {
    for (const client of clients) await client.close().catch(() => {});
    await gateway?.latchkey.close();
    await upstream?.close();
  });

  it('answers 401 with the challenge that leads an agent to Latchkey, and serves its RFC 9728 metadata', async () => {
    const response = await fetch(gateway.url, { method: 'POST', headers: mcpHeaders, body: JSON.stringify(initialize) });
    assert.equal(response.status, 401);
    const metadataUrl = `${gateway.latchkey.issuer}/.well-known/oauth-protected-resource/mcp`;
    assert.equal(response.headers.get('www-authenticate'), `Bearer resource_metadata="${metadataUrl}", scope="mcp"`);
    const metadata = (await (await fetch(metadataUrl)).json()) as Record<string, unknown>;
    assert.equal(metadata['resource'], gateway.url);
    assert.deepEqual(metadata['authorization_servers'], [gateway.latchkey.issuer]);
    assert.deepEqual(metadata['scopes_supported'], ['mcp', 'notes:write']);
    assert.equal(upstream.received.filter((r) => r.method === 'POST').length, 0, 'nothing reached the upstream');
  });

  it('registers the gateway as a resource: tokens name it, and other resources are invalid_target', async () => {
    const [, payload] = alice.accessToken.split('.');
    assert.equal(JSON.parse(Buffer.from(payload!, 'base64url').toString()).aud, gateway.url);
    const as = (await (await fetch(`${gateway.latchkey.issuer}/.well-known/oauth-authorization-server`)).json()) as { scopes_supported: string[] };
    assert.ok(as.scopes_supported.includes('notes:write'));
    await assert.rejects(userToken(gateway.latchkey, { resource: 'https://elsewhere.example/mcp', scope: 'mcp', username: 'alice', password }));
  });

  it('forwards tool calls with the verified user and client, never the token, cookies or forged identity headers', async () => {
    const client = await connect(gateway.url, alice.accessToken, { 'X-Latchkey-User': 'user-bob', 'x-latchkey-scope': 'notes:write', cookie: 'latchkey_session=stolen' });
    clients.push(client);
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['big', 'count', 'delete_note', 'echo', 'whoami']);
    assert.equal(text(await client.callTool({ name: 'echo', arguments: { text: 'héllo' } })), 'héllo');
    const seen = JSON.parse(text(await client.callTool({ name: 'whoami', arguments: {} }))) as Record<string, string>;
    assert.deepEqual(seen, { 'x-latchkey-user': 'user-alice', 'x-latchkey-client': alice.clientId, 'x-latchkey-scope': 'mcp' });
  });

  it('streams progress notifications as the upstream sends them, before the result', async () => {
    const client = await connect(gateway.url, alice.accessToken);
    clients.push(client);
    const started = performance.now();
    const progress: number[] = [];
    let firstAt = 0;
    const result = await client.callTool({ name: 'count', arguments: { to: 5, delayMs: 200 } }, undefined, {
      onprogress: (p) => {
        if (progress.length === 0) firstAt = performance.now() - started;
        progress.push(p.progress);
      },
    });
    const total = performance.now() - started;
    assert.equal(text(result), 'counted to 5');
    assert.deepEqual(progress, [1, 2, 3, 4, 5]);
    assert.ok(total >= 900, `the call took ${total} ms`);
    assert.ok(firstAt < total - 600, `the first progress came at ${firstAt} ms of ${total} ms: the stream was buffered`);
  });

  it('refuses a tool outside the token\'s scope with 403 insufficient_scope naming every scope it needs, then calls it after step-up', async () => {
    const client = await connect(gateway.url, alice.accessToken);
    clients.push(client);
    await assert.rejects(client.callTool({ name: 'delete_note', arguments: { id: 'n1' } }), /insufficient_scope/);
    const refused = await fetch(gateway.url, {
      method: 'POST',
      headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'tools/call', params: { name: 'delete_note', arguments: { id: 'n1' } } }),
    });
    assert.equal(refused.status, 403);
    assert.match(refused.headers.get('www-authenticate')!, /error="insufficient_scope", error_description="The tool delete_note needs the scope notes:write\.", scope="mcp notes:write"/);

    // The whole name is matched, as the upstream reads it, however long (the audit trail keeps 128 characters).
    const longName = `${'a'.repeat(300)}_admin`;
    const long = await fetch(gateway.url, {
      method: 'POST',
      headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}` },
      body: JSON.stringify({ jsonrpc: '2.0', id: 10, method: 'tools/call', params: { name: longName, arguments: {} } }),
    });
    assert.equal(long.status, 403);

    const stepped = await userToken(gateway.latchkey, { resource: gateway.url, scope: 'mcp notes:write', username: 'alice', password });
    const upscoped = await connect(gateway.url, stepped.accessToken);
    clients.push(upscoped);
    assert.equal(text(await upscoped.callTool({ name: 'delete_note', arguments: { id: 'n1' } })), 'deleted n1');
  });

  it('binds MCP sessions to their user: another user\'s token, or an altered id, gets 404 and never reaches the upstream', async () => {
    const opened = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}` }, body: JSON.stringify(initialize) });
    assert.equal(opened.status, 200);
    await opened.body?.cancel();
    const session = opened.headers.get('mcp-session-id')!;
    assert.match(session, /^[0-9a-f-]{36}\.[A-Za-z0-9_-]{24}$/);
    const before = upstream.received.length;
    const list = JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' });
    for (const [token, id] of [[bob.accessToken, session], [alice.accessToken, `${session.slice(0, -1)}A`], [alice.accessToken, session.split('.')[0]!]] as const) {
      const response = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${token}`, 'mcp-session-id': id, 'mcp-protocol-version': '2025-06-18' }, body: list });
      assert.equal(response.status, 404);
      assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 2, error: { code: -32001, message: 'Session not found' } });
    }
    assert.equal(upstream.received.length, before);
    const own = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}`, 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' }, body: list });
    assert.equal(own.status, 200);
    assert.match(await own.text(), /"name":"echo"/);
  });

  it('lets the upstream go when the agent goes: a call whose agent hung up mid-stream is recorded as no_response', async () => {
    const opened = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}` }, body: JSON.stringify(initialize) });
    await opened.text();
    const headers = { ...mcpHeaders, authorization: `Bearer ${alice.accessToken}`, 'mcp-session-id': opened.headers.get('mcp-session-id')!, 'mcp-protocol-version': '2025-06-18' };
    const call = { jsonrpc: '2.0', id: 'hang-up', method: 'tools/call', params: { name: 'count', arguments: { to: 50, delayMs: 100 }, _meta: { progressToken: 'p' } } };
    await new Promise<void>((resolve, reject) => {
      const sent = httpRequest(gateway.url, { method: 'POST', headers }, (response) => {
        // The first progress event came: the agent hangs up.
        response.once('data', () => {
          sent.destroy();
          resolve();
        });
      });
      sent.on('error', () => {});
      sent.once('timeout', () => reject(new Error('no progress')));
      sent.end(JSON.stringify(call));
    });
    let outcome: unknown;
    for (let i = 0; i < 50 && outcome === undefined; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const events = await gateway.latchkey.storage.auditEvents.listAuditEvents({ type: 'gateway.tool_called', limit: 100 });
      outcome = events.find((event) => event.data?.['tool'] === 'count' && Number(event.data?.['duration_ms']) < 4000 && event.data?.['outcome'] === 'no_response')?.data?.['outcome'];
    }
    assert.equal(outcome, 'no_response', 'recorded at once, not when the 5-second count would have ended');
  });

  it('answers bad bodies with JSON-RPC errors, never forwarding them', async () => {
    const auth = { authorization: `Bearer ${alice.accessToken}` };
    const notJson = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, ...auth }, body: '{"jsonrpc":' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { error: { code: number } }).error.code, -32700);
    const notRpc = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, ...auth }, body: '[]' });
    assert.equal(notRpc.status, 400);
    const plain = await fetch(gateway.url, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(plain.status, 415);
    assert.equal(((await plain.json()) as { jsonrpc: string }).jsonrpc, '2.0');
  });

  it('records each tool call in the audit trail and the metrics, naming only tools the upstream listed', async () => {
    const client = await connect(gateway.url, bob.accessToken);
    clients.push(client);
    await client.callTool({ name: 'echo', arguments: { text: 'secret argument' } });
    const unknownCall = await client.callTool({ name: 'no_such_tool_' + 'x'.repeat(300), arguments: {} });
    assert.equal(unknownCall.isError, true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = await gateway.latchkey.storage.auditEvents.listAuditEvents({ type: 'gateway.tool_called', limit: 100 });
    const echo = events.find((event) => event.userId === 'user-bob' && event.data?.['tool'] === 'echo');
    assert.ok(echo, JSON.stringify(events));
    assert.equal(echo.clientId, bob.clientId);
    assert.equal(echo.data?.['outcome'], 'ok');
    assert.equal(echo.data?.['arguments'], undefined, 'arguments are not kept unless configured');
    assert.ok(events.some((event) => event.data?.['outcome'] === 'refused' && event.data?.['tool'] === 'delete_note'));
    const unknown = events.find((event) => String(event.data?.['tool']).startsWith('no_such_tool_'));
    assert.equal(String(unknown?.data?.['tool']).length, 128, 'a caller-chosen tool name is cut');
    const metrics = await (await fetch(`${gateway.latchkey.issuer}/metrics`)).text();
    assert.match(metrics, /latchkey_gateway_tool_calls_total\{tool="echo",outcome="ok"\} [1-9]/);
    assert.match(metrics, /latchkey_gateway_tool_calls_total\{tool="other",outcome="(ok|tool_error|error)"\} 1/);
    assert.doesNotMatch(metrics, /no_such_tool/);
  });
});

describe('gateway limits and failures', () => {
  const closers: Array<() => Promise<unknown>> = [];
  after(async () => {
    for (const close of closers.reverse()) await close().catch(() => {});
  });

  it('remembers a verified token only until it expires, and never answers a repeated Authorization header from memory', async () => {
    const upstream = await startHttpUpstream();
    closers.push(() => upstream.close());
    let offset = 0;
    const clock = { now: () => Date.now() + offset };
    const latchkey = await startListeningTestServer({ overrides: { 'gateway.upstream': upstream.url, 'gateway.rateLimit.enabled': false }, clock });
    closers.push(() => latchkey.close());
    await createUser(latchkey.storage.users, { username: 'alice', password }, { now: Date.now(), newId: () => 'user-alice' });
    const url = `${latchkey.issuer}/mcp`;
    const { accessToken } = await userToken(latchkey, { resource: url, scope: 'mcp', username: 'alice', password });
    const post = (headers: Record<string, string> | [string, string][]) => fetch(url, { method: 'POST', headers, body: JSON.stringify(initialize) });
    const first = await post({ ...mcpHeaders, authorization: `Bearer ${accessToken}` });
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const twice = await post([...Object.entries(mcpHeaders), ['authorization', `Bearer ${accessToken}`], ['authorization', `Bearer ${accessToken}`]]);
    assert.equal(twice.status, 401, 'two Authorization headers');
    offset += (latchkey.config.tokens.accessTokenTtlSeconds + 1) * 1000;
    const expired = await post({ ...mcpHeaders, authorization: `Bearer ${accessToken}` });
    assert.equal(expired.status, 401);
    assert.match(expired.headers.get('www-authenticate')!, /error="invalid_token", error_description="The access token expired\."/);
  });

  it('answers 502 with a JSON-RPC error when the upstream is down', async () => {
    const upstream = await startHttpUpstream();
    const url = upstream.url;
    await upstream.close();
    const gateway = await startGateway(url);
    closers.push(() => gateway.latchkey.close());
    const { accessToken } = await userToken(gateway.latchkey, { resource: gateway.url, scope: 'mcp', username: 'alice', password });
    const response = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${accessToken}` }, body: JSON.stringify(initialize) });
    assert.equal(response.status, 502);
    assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, error: { code: -32000, message: 'The MCP server cannot be reached.' } });
  });

  it('answers 504 when the upstream does not answer within gateway.timeoutSeconds', async () => {
    const sockets = new Set<Socket>();
    const silent: Server = createServer((socket) => {
      socket.resume(); // reads the request, never answers (and sees the gateway hang up)
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => {
      for (const socket of sockets) socket.destroy();
      silent.close(resolve);
    }));
    const gateway = await startGateway(`http://127.0.0.1:${(silent.address() as AddressInfo).port}/mcp`, { 'gateway.timeoutSeconds': 1 });
    closers.push(() => gateway.latchkey.close());
    const { accessToken } = await userToken(gateway.latchkey, { resource: gateway.url, scope: 'mcp', username: 'alice', password });
    const response = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${accessToken}` }, body: JSON.stringify(initialize) });
    assert.equal(response.status, 504);
    assert.equal(((await response.json()) as { error: { message: string } }).error.message, 'The MCP server did not answer in time.');
    for (let i = 0; i < 50 && sockets.size > 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(sockets.size, 0, 'the gateway closed the connection it gave up on');
  });

  it('refuses bodies over gateway.maxRequestBytes (413), cuts answers over gateway.maxResponseBytes, and rate-limits per user (429)', async () => {
    const upstream = await startHttpUpstream({ json: true });
    closers.push(() => upstream.close());
    const gateway = await startGateway(upstream.url, {
      'gateway.maxRequestBytes': 2048,
      'gateway.maxResponseBytes': 64 * 1024,
      'gateway.rateLimit.enabled': true,
      'gateway.rateLimit.userPoints': 8,
      'gateway.toolList': 'permitted',
      'gateway.auditArguments': true,
    });
    closers.push(() => gateway.latchkey.close());
    const { accessToken } = await userToken(gateway.latchkey, { resource: gateway.url, scope: 'mcp', username: 'alice', password });
    const client = await connect(gateway.url, accessToken);
    closers.push(() => client.close());
    assert.deepEqual((await client.listTools()).tools.map((t) => t.name).sort(), ['big', 'count', 'echo', 'whoami'], 'toolList permitted hides delete_note');
    await assert.rejects(client.callTool({ name: 'echo', arguments: { text: 'x'.repeat(4096) } }), /413|larger than/);
    await assert.rejects(client.callTool({ name: 'big', arguments: { bytes: 200_000 } }), /larger than the gateway relays/);
    assert.ok(gateway.logs.lines.some((line) => /maxResponseBytes/.test(String(line.msg))));
    assert.equal(text(await client.callTool({ name: 'big', arguments: { bytes: 1000 } })).length, 1000, 'a smaller answer passes');
    await new Promise((resolve) => setTimeout(resolve, 300));
    const events = await gateway.latchkey.storage.auditEvents.listAuditEvents({ type: 'gateway.tool_called', limit: 10 });
    assert.deepEqual(events.find((event) => event.data?.['outcome'] === 'ok')?.data?.['arguments'], '{"bytes":1000}', 'gateway.auditArguments keeps them');
    let limited: Response | undefined;
    for (let i = 0; i < 10 && !limited; i += 1) {
      const response = await fetch(gateway.url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${accessToken}` }, body: JSON.stringify(initialize) });
      await response.body?.cancel();
      if (response.status === 429) limited = response;
    }
    assert.ok(limited, 'the user was limited');
    assert.match(limited.headers.get('retry-after') ?? '', /^\d+$/);
  });
});
