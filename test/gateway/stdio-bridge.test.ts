// The stdio bridge with real parts: a node:http server in front of it, the MCP SDK's own client, and real child
// processes (test/support/mcp-upstream/stdio-server.ts, bundled and minified once with esbuild, and run with Node's
// compile cache, so that each child starts in ~0.15 s: the 100-session test spawns 100 of them).
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { GatewayRequest, JsonRpcResponse, ResponseWatcher } from '../../src/gateway/gateway-request.js';
import { createStdioBridge, type StdioBridge, type StdioBridgeOptions } from '../../src/gateway/stdio-bridge.js';
import { capturingLogger, type LogLine } from '../support/log-capture.js';
import { bundleStdioServer } from '../support/mcp-upstream/bundle.js';
import { isRunning } from '../support/process.js';

const secret = 'LATCHKEY_TEST_SECRET';
const notFound = { jsonrpc: '2.0', id: null, error: { code: -32001, message: 'Session not found' } };
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

interface RunningBridge {
  url: URL;
  bridge: StdioBridge;
  logs: LogLine[];
  /** GET streams the bridge is serving now. */
  openGets(): number;
  stop(): Promise<void>;
}

let bundle: Awaited<ReturnType<typeof bundleStdioServer>>;
let bundleDir: string;
let serverBundle: string;
const running: RunningBridge[] = [];

async function readBody(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return chunks.length === 0 ? undefined : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

/** A watcher (asked for with `x-test-watch`) that keeps only the `echo` tool in a tools/list result. */
const onlyEcho: ResponseWatcher = (response) => {
  const tools = response.result?.['tools'];
  if (!Array.isArray(tools)) return;
  return { ...response, result: { ...response.result, tools: tools.filter((tool: { name?: string }) => tool.name === 'echo') } } satisfies JsonRpcResponse;
};

/** The bridge behind a plain node:http server on 127.0.0.1; the caller comes from `x-test-user` and `x-test-client`. */
async function startBridge(options: Partial<StdioBridgeOptions> = {}): Promise<RunningBridge> {
  const { logger, lines } = capturingLogger('debug');
  let gets = 0;
  const bridge = createStdioBridge({ command: process.execPath, args: [serverBundle], env: { NODE_COMPILE_CACHE: join(bundleDir, 'compile-cache') }, maxSessions: 200, maxSessionsPerUser: 200, idleTimeoutMs: 60_000, logger, ...options });
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = req.method === 'POST' ? await readBody(req) : undefined;
      const watchers = new Map<string | number, ResponseWatcher>();
      if (req.headers['x-test-watch'] !== undefined) {
        for (const message of [body].flat()) {
          const { id, method } = message as { id?: string | number; method?: string };
          if (method === 'tools/list' && id !== undefined) watchers.set(id, onlyEcho);
        }
      }
      const caller = { userId: String(req.headers['x-test-user'] ?? 'alice'), clientId: String(req.headers['x-test-client'] ?? 'client-a'), scope: 'mcp:tools notes:write' };
      const request: GatewayRequest = { raw: req, res, body, caller, watchers };
      if (req.method === 'GET') gets += 1;
      try {
        await bridge.handle(request);
      } finally {
        if (req.method === 'GET') gets -= 1;
      }
    })().catch((error: unknown) => {
      logger.error({ err: error }, 'test server failed');
      if (!res.headersSent) res.writeHead(500).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  const stop = async () => {
    await bridge.close();
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };
  const result = { url, bridge, logs: lines, openGets: () => gets, stop };
  running.push(result);
  return result;
}

async function connect(url: URL, headers: Record<string, string> = {}): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(url, { requestInit: { headers } });
  const client = new Client({ name: 'stdio-bridge-test', version: '1.0.0' });
  await client.connect(transport);
  return { client, transport };
}

/** A raw POST of one JSON-RPC message, as a client would send it. */
async function post(url: URL, body: unknown, headers: Record<string, string> = {}, signal?: AbortSignal): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    ...(signal ? { signal } : {}),
    headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18', ...headers },
    body: JSON.stringify(body),
  });
}

/** The child's pid, from the bridge's "started" log line of the session. */
function pidOf(logs: LogLine[], session: string | undefined): number {
  const line = logs.find((entry) => entry.msg === 'MCP server process started' && entry['session'] === session);
  assert.ok(line, `no start line for session ${session}`);
  return line['pid'] as number;
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

before(async () => {
  process.env[secret] = 'the-database-password';
  bundle = await bundleStdioServer();
  bundleDir = bundle.dir;
  serverBundle = bundle.file;
});

after(async () => {
  await Promise.all(running.map((entry) => entry.stop()));
  delete process.env[secret];
  await bundle.cleanup();
});

describe('stdio bridge', () => {
  let main: RunningBridge;
  before(async () => {
    main = await startBridge();
  });

  it('lists and calls the child’s tools through the SDK client', async () => {
    const { client } = await connect(main.url);
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name).sort(), ['big', 'count', 'crash', 'delete_note', 'echo', 'whoami']);
    const echoed = await client.callTool({ name: 'echo', arguments: { text: 'über the bridge' } });
    assert.deepEqual(echoed.content, [{ type: 'text', text: 'über the bridge' }]);
    await client.close();
  });

  it('gives the child the caller’s identity in LATCHKEY_* and none of the gateway’s own environment', async () => {
    const { client } = await connect(main.url, { 'x-test-user': 'user-42', 'x-test-client': 'client-7' });
    const result = await client.callTool({ name: 'whoami', arguments: {} });
    const env = JSON.parse((result.content as [{ text: string }])[0].text) as Record<string, string>;
    assert.equal(secret in env, false, 'the secret in the gateway’s process.env stays there');
    assert.deepEqual(env, { LATCHKEY_USER_ID: 'user-42', LATCHKEY_CLIENT_ID: 'client-7', LATCHKEY_SCOPE: 'mcp:tools notes:write' });
    await client.close();
  });

  it('delivers progress notifications on the call’s stream before its result', async () => {
    const { client } = await connect(main.url);
    const events: string[] = [];
    const result = await client.callTool({ name: 'count', arguments: { to: 4, delayMs: 5 } }, undefined, { onprogress: (progress) => events.push(`progress ${progress.progress}/${progress.total}`) });
    events.push((result.content as [{ text: string }])[0].text);
    assert.deepEqual(events, ['progress 1/4', 'progress 2/4', 'progress 3/4', 'progress 4/4', 'counted to 4']);
    await client.close();
  });

  it('ends the session when the child crashes: the pending call fails clearly, the session is 404, a new one works', async () => {
    const { client, transport } = await connect(main.url);
    const sessionId = transport.sessionId;
    const pid = pidOf(main.logs, sessionId);
    await assert.rejects(client.callTool({ name: 'crash', arguments: {} }), /The MCP server process exited \(code 3\); start a new session\./);
    const next = await post(main.url, { jsonrpc: '2.0', id: 9, method: 'tools/list' }, { 'mcp-session-id': String(sessionId) });
    assert.equal(next.status, 404);
    assert.deepEqual(await next.json(), notFound);
    assert.equal(isRunning(pid), false);
    const warning = main.logs.find((line) => line.level === 40 && line['session'] === sessionId);
    assert.equal(warning?.['code'], 3);
    await client.close();
    const fresh = await connect(main.url);
    assert.equal((await fresh.client.listTools()).tools.length, 6);
    await fresh.client.close();
  });

  it('answers 404 alike for another user’s session, another client’s session and an unknown session', async () => {
    const { client, transport } = await connect(main.url);
    const list = { jsonrpc: '2.0', id: 2, method: 'tools/list' };
    for (const headers of [
      { 'mcp-session-id': String(transport.sessionId), 'x-test-user': 'mallory' },
      { 'mcp-session-id': String(transport.sessionId), 'x-test-client': 'client-b' },
      { 'mcp-session-id': '00000000-0000-4000-8000-000000000000' },
    ]) {
      const response = await post(main.url, list, headers);
      assert.equal(response.status, 404, JSON.stringify(headers));
      assert.deepEqual(await response.json(), notFound);
    }
    assert.equal((await client.listTools()).tools.length, 6, 'the owner still uses the session');
    await client.close();
  });

  it('logs each stderr line of the child with its session and pid', async () => {
    const { client, transport } = await connect(main.url);
    const pid = pidOf(main.logs, transport.sessionId);
    await until(() => main.logs.some((line) => line.msg === 'MCP server stderr' && line['session'] === transport.sessionId), 'the stderr line');
    const line = main.logs.find((entry) => entry.msg === 'MCP server stderr' && entry['session'] === transport.sessionId);
    assert.equal(line?.level, 30);
    assert.equal(line?.['pid'], pid);
    assert.equal(line?.['line'], `stdio upstream started (pid ${pid})`);
    await client.close();
  });

  it('lets a response watcher rewrite the child’s tools/list', async () => {
    const { client } = await connect(main.url, { 'x-test-watch': '1' });
    const { tools } = await client.listTools();
    assert.deepEqual(tools.map((tool) => tool.name), ['echo']);
    await client.close();
  });

  it('stops the child when the client DELETEs its session', async () => {
    const { client, transport } = await connect(main.url);
    const sessionId = transport.sessionId;
    const pid = pidOf(main.logs, sessionId);
    await transport.terminateSession();
    await until(() => !isRunning(pid), 'the child to exit');
    const response = await post(main.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, { 'mcp-session-id': String(sessionId) });
    assert.equal(response.status, 404);
    await client.close();
  });

  it('refuses a request with no session that is not an initialize (400)', async () => {
    const response = await post(main.url, { jsonrpc: '2.0', id: 4, method: 'tools/list' });
    assert.equal(response.status, 400);
    assert.equal(((await response.json()) as { error: { code: number } }).error.code, -32000);
  });
});

describe('stdio bridge limits', () => {
  it('answers 502 with a JSON-RPC error when the command cannot be started, and logs it', async () => {
    const { url, logs, bridge } = await startBridge({ command: join(tmpdir(), 'no-such-mcp-server') });
    const response = await post(url, initialize);
    assert.equal(response.status, 502);
    assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'The MCP server could not be started.' } });
    assert.ok(logs.some((line) => line.level === 50 && line.msg === 'The MCP server process could not be started'));
    assert.equal(bridge.sessions, 0);
  });

  it('cuts a stderr line at 8 KiB and drops the rest of it', async () => {
    const script = fileURLToPath(new URL('./support-stdio/noisy-stderr.mjs', import.meta.url));
    const { url, logs } = await startBridge({ args: [script] });
    const aborted = new AbortController();
    // The child never answers initialize: the POST stays open until aborted.
    const pending = post(url, initialize, {}, aborted.signal).catch(() => undefined);
    await until(() => logs.some((line) => line['line'] === 'short line'), 'the short stderr line');
    const lines = logs.filter((line) => line.msg === 'MCP server stderr').map((line) => String(line['line']));
    assert.deepEqual(lines, ['a'.repeat(8 * 1024), 'short line']);
    aborted.abort();
    await pending;
  });

  it('answers 503 with Retry-After past maxSessions', async () => {
    const { url } = await startBridge({ maxSessions: 1 });
    const { client } = await connect(url);
    const refused = await post(url, initialize);
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '5');
    assert.deepEqual(await refused.json(), { jsonrpc: '2.0', id: null, error: { code: -32000, message: 'Too many MCP sessions are open; try again later.' } });
    await client.close();
  });

  it('ends an idle session and stops its child', async () => {
    const { url, logs, bridge } = await startBridge({ idleTimeoutMs: 1500 });
    const { client, transport } = await connect(url);
    const pid = pidOf(logs, transport.sessionId);
    assert.equal(isRunning(pid), true);
    await until(() => !isRunning(pid), 'the idle child to exit');
    assert.equal(bridge.sessions, 0);
    const response = await post(url, { jsonrpc: '2.0', id: 5, method: 'tools/list' }, { 'mcp-session-id': String(transport.sessionId) });
    assert.equal(response.status, 404);
    await client.close();
  });

  it('serves 100 concurrent sessions with maxSessions 100 and refuses the 101st', async () => {
    const { url, logs, bridge, stop } = await startBridge({ maxSessions: 100 });
    const clients = await Promise.all(Array.from({ length: 100 }, (_, i) => connect(url, { 'x-test-user': `user-${i}` })));
    const listed = await Promise.all(clients.map(({ client }) => client.listTools()));
    assert.ok(listed.every(({ tools }) => tools.length === 6));
    assert.equal(bridge.sessions, 100);
    const refused = await post(url, initialize);
    assert.equal(refused.status, 503);
    const pids = clients.map(({ transport }) => pidOf(logs, transport.sessionId));
    assert.equal(new Set(pids).size, 100);
    await stop();
    assert.deepEqual(pids.filter(isRunning), []);
    await Promise.all(clients.map(({ client }) => client.close()));
  });

  it('close() ends a session with an open GET stream and a long call, and resolves once every child is gone', async () => {
    const { url, logs, bridge, openGets } = await startBridge();
    const { client, transport } = await connect(url);
    const pid = pidOf(logs, transport.sessionId);
    await until(() => openGets() === 1, 'the client’s GET stream');
    let steps = 0;
    const call = client.callTool({ name: 'count', arguments: { to: 1000, delayMs: 20 } }, undefined, { onprogress: () => (steps += 1), timeout: 60_000 });
    const failed = assert.rejects(call, /shutting down/);
    await until(() => steps >= 3, 'progress from the long call');
    await bridge.close();
    assert.equal(isRunning(pid), false);
    assert.equal(bridge.sessions, 0);
    await until(() => openGets() === 0, 'the GET stream to end');
    await failed;
    const refused = await post(url, initialize);
    assert.equal(refused.status, 503, 'no new session once closing');
    await client.close();
  });
});
