// `latchkey gateway -- <command>` as an operator runs it (PRODUCT §12): the real command in its own process, a stdio
// MCP server behind it (a child per session), a user's token got over HTTP, and a SIGTERM with streams open: the
// process exits 0 at once, the streams end, and no child outlives it. Also the command's usage errors (exit 2).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { createUser } from '../../src/users/users.js';
import { runLatchkey, withDatabase } from '../support/cli.js';
import { bundleStdioServer } from '../support/mcp-upstream/bundle.js';
import { HttpBrowser } from '../support/http-browser.js';
import { freePort } from '../support/real-port.js';
import { isRunning, latchkeyCommand } from '../support/process.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const alice = { username: 'alice', password: 'correct horse battery' };
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

interface GatewayProcess {
  child: ChildProcess;
  issuer: string;
  /** Every JSON line the process logged so far. */
  logs: Array<Record<string, unknown>>;
  /** Every line it wrote, for failure messages. */
  output: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `latchkey gateway … -- <command>` on a free port; resolves once it listens. */
async function spawnGateway(databaseUrl: string, command: string[]): Promise<GatewayProcess> {
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const child = spawn(
    process.execPath,
    [...latchkeyCommand, 'gateway', '--port', String(port), '--host', '127.0.0.1', '--issuer', issuer, '--database', databaseUrl, '--log-level', 'info', '--', ...command],
    {
      cwd: root,
      env: { ...process.env, LATCHKEY_REGISTRATION_RATE_LIMIT: 'false', LATCHKEY_TOKEN_RATE_LIMIT: 'false', LATCHKEY_AUTHORIZE_RATE_LIMIT: 'false' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  const logs: GatewayProcess['logs'] = [];
  const output: string[] = [];
  let listening!: () => void;
  const listens = new Promise<void>((resolve) => (listening = resolve));
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop()!;
    for (const line of lines) {
      output.push(line);
      try {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry['msg'] === 'Latchkey is listening') listening();
      } catch {
        // Not a JSON log line.
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => output.push(...chunk.split('\n').filter(Boolean).map((line) => `[stderr] ${line}`)));
  const started = await Promise.race([listens.then(() => true), exited.then(() => false), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 30_000).unref())]);
  if (!started) {
    child.kill('SIGKILL');
    assert.fail(`latchkey gateway did not start:\n${output.join('\n')}`);
  }
  return { child, issuer, logs, output, exited };
}

/** Alice's access token for the gateway, as an agent gets one: registration, her sign-in and consent, PKCE. */
async function userToken(issuer: string, resource: string): Promise<string> {
  const redirectUri = 'https://agent.example/cb';
  const registered = await fetch(`${issuer}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Process agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }),
  });
  assert.equal(registered.status, 201);
  const { client_id: clientId } = (await registered.json()) as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256', scope: 'mcp', resource, state: 's' });
  const browser = new HttpBrowser(issuer);
  const login = await browser.get(`/authorize?${query}`);
  assert.equal(login.status, 200, login.body);
  const consent = await browser.follow(await browser.submit(login, alice));
  const done = await browser.submit(consent, { decision: 'allow' });
  assert.equal(done.status, 303, done.body);
  const code = new URL(done.location!).searchParams.get('code') ?? assert.fail(`no code: ${done.location}`);
  const issued = await fetch(`${issuer}/token`, {
    method: 'POST',
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri, resource }),
  });
  assert.equal(issued.status, 200);
  return ((await issued.json()) as { access_token: string }).access_token;
}

/** Reads a stream to its end; resolves `ended` or `errored`, or `open` if it is still going after `ms`. */
async function endOf(reader: ReadableStreamDefaultReader<Uint8Array>, ms: number): Promise<'ended' | 'errored' | 'open'> {
  const reading = (async () => {
    try {
      while (!(await reader.read()).done);
      return 'ended' as const;
    } catch {
      return 'errored' as const;
    }
  })();
  return Promise.race([reading, new Promise<'open'>((resolve) => setTimeout(() => resolve('open'), ms).unref())]);
}

/** Reads until `pattern` appears in what the stream sent. */
async function readUntil(reader: ReadableStreamDefaultReader<Uint8Array>, pattern: RegExp): Promise<string> {
  const decoder = new TextDecoder();
  let seen = '';
  while (!pattern.test(seen)) {
    const { done, value } = await reader.read();
    if (done) assert.fail(`the stream ended before ${pattern}: ${seen}`);
    seen += decoder.decode(value, { stream: true });
  }
  return seen;
}

describe('latchkey gateway -- <stdio MCP server>, as a process', () => {
  let dir: string;
  let gateway: GatewayProcess | undefined;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'latchkey-gateway-process-'));
    const databaseUrl = `sqlite:${join(dir, 'latchkey.db')}`;
    await withDatabase(databaseUrl, (storage) => createUser(storage.users, alice, { now: Date.now(), newId: () => 'user-alice' }));
    gateway = await spawnGateway(databaseUrl, [process.execPath, (await bundleStdioServer(dir)).file]);
  });
  after(async () => {
    if (gateway && gateway.child.exitCode === null && gateway.child.signalCode === null) gateway.child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('on SIGTERM ends the open streams, stops every MCP server process and exits 0 within seconds', { timeout: 30_000 }, async () => {
    const { issuer, logs } = gateway!;
    const url = `${issuer}/mcp`;
    const auth = { ...mcpHeaders, authorization: `Bearer ${await userToken(issuer, url)}` };
    const post = (body: unknown, session?: string) => fetch(url, { method: 'POST', headers: { ...auth, ...(session ? { 'mcp-session-id': session } : {}) }, body: JSON.stringify(body) });

    const sessions: string[] = [];
    for (let n = 0; n < 2; n++) {
      const opened = await post(initialize);
      assert.equal(opened.status, 200);
      assert.match(await opened.text(), /"serverInfo"/);
      const session = opened.headers.get('mcp-session-id') ?? assert.fail('no session id');
      assert.equal((await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).status, 202);
      sessions.push(session);
    }
    // The first session: its GET stream, and a call that would count for 20 s, both open.
    const stream = await fetch(url, { headers: { ...auth, accept: 'text/event-stream', 'mcp-session-id': sessions[0]! } });
    assert.equal(stream.status, 200);
    const call = await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'count', arguments: { to: 200, delayMs: 100 }, _meta: { progressToken: 'p' } } }, sessions[0]);
    assert.equal(call.headers.get('content-type'), 'text/event-stream');
    const callReader = call.body!.getReader();
    await readUntil(callReader, /"progress":1\b/);

    // Each session's child, from the gateway's log: its pid, as the child itself wrote it on stderr.
    const pids = sessions.map((session) => {
      const started = logs.find((entry) => entry['msg'] === 'MCP server process started' && entry['session'] === session);
      assert.ok(started, `no start line for session ${session}`);
      const said = logs.find((entry) => entry['msg'] === 'MCP server stderr' && entry['session'] === session);
      assert.equal(said?.['line'], `stdio upstream started (pid ${String(started['pid'])})`);
      return started['pid'] as number;
    });
    assert.ok(pids.every(isRunning));

    const signalledAt = Date.now();
    gateway!.child.kill('SIGTERM');
    const [exit, callEnd, streamEnd] = await Promise.all([
      Promise.race([gateway!.exited, new Promise<'still running'>((resolve) => setTimeout(() => resolve('still running'), 10_000).unref())]),
      endOf(callReader, 10_000),
      endOf(stream.body!.getReader(), 10_000),
    ]);
    const tookMs = Date.now() - signalledAt;
    assert.deepEqual(exit, { code: 0, signal: null }, gateway!.output.join('\n'));
    assert.ok(tookMs < 5_000, `the shutdown took ${tookMs} ms`);
    assert.notEqual(callEnd, 'open', 'the call stream ended');
    assert.notEqual(streamEnd, 'open', 'the GET stream ended');
    assert.deepEqual(pids.filter(isRunning), [], 'no MCP server process outlived the gateway');
    assert.deepEqual(logs.filter((entry) => (entry['level'] as number) >= 50), [], 'the shutdown logged no error');
  });
});

describe('latchkey gateway usage', () => {
  it('exits 2 with a one-line message when no MCP server is named', () => {
    const result = runLatchkey(['gateway', '--database', 'sqlite::memory:']);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /latchkey gateway needs an MCP server to put behind it: --upstream <url> \(Streamable HTTP\), or -- <command>/);
  });

  it('exits 2 with a one-line message when given both --upstream and a command', () => {
    const result = runLatchkey(['gateway', '--database', 'sqlite::memory:', '--upstream', 'http://127.0.0.1:1/mcp', '--', process.execPath, 'server.mjs']);
    assert.equal(result.status, 2, result.stderr);
    assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    assert.match(result.stderr, /gateway\.upstream and gateway\.command are both set/);
  });
});
