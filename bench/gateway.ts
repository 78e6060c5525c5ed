/**
 * `npm run bench -- gateway`: MCP tool calls through Latchkey's gateway (`latchkey gateway --upstream <url>`)
 * against direct calls to the same upstream, in the same run. Target (the gateway issue): the gateway keeps at
 * least 0.75× of the direct throughput and adds at most 2 ms at p50.
 *
 * The upstream is the gateway tests' MCP server (test/support/mcp-upstream/http-server.ts: the MCP SDK's
 * Streamable HTTP server with sessions, the `echo` tool), run as its own process by bench/gateway-upstream.ts.
 * Every server, the upstream and each Latchkey, is pinned to the last core, and autocannon (this process) to the
 * others: the upstream shares the server core in the direct runs too (the gateway then idles there), so both
 * sides of the ratio have one core for all the server-side work, and the gateway's cost shows as the share of
 * that core it takes from the upstream. (A gateway on a core of its own would hide its cost on a 2-core machine
 * whose other core the load generator needs.) `BENCH_PIN=0` turns pinning off.
 *
 * Each gateway is Latchkey on a fresh SQLite file at the server's default log level (info: every request is
 * logged, every tool call audited), with `gateway.rateLimit` on (the default; its points raised to 10,000,000 a
 * minute so that the load is limited but never refused) and, as `gateway-no-limit`, off. Before the load, a
 * user is created with `latchkey users add`, and a real access token obtained by the real flow over HTTP
 * (register a public client, /authorize, sign in, consent, /token with PKCE S256), and an MCP session is
 * initialized through the gateway (its bound Mcp-Session-Id), as one is directly on the upstream.
 *
 * The load: autocannon POSTs `tools/call` of `echo` in the one session of its target (the SDK serves concurrent
 * requests of one session; every request has its own JSON-RPC id). Every answer must be 200 with a JSON-RPC
 * result: others are counted, and a run with any is not a result. Each target is warmed up once, then measured
 * in `BENCH_ROUNDS` rounds, the order rotated each round; after each measured load, `BENCH_GATEWAY_SEQUENTIAL`
 * requests one at a time on one keep-alive connection give the latency without queueing, to the microsecond
 * (autocannon's histogram has whole milliseconds, and under load its p50 is mostly the queue: connections ÷
 * req/s). Both modes of the upstream are measured: JSON answers (`enableJsonResponse`) and SSE streams.
 *
 * Environment (as for the other suites):
 *   BENCH_DURATION=10          measured seconds per target and round
 *   BENCH_WARMUP=3             warm-up seconds per target (0: none)
 *   BENCH_CONNECTIONS=50       autocannon connections
 *   BENCH_ONLY=direct,gateway,gateway-no-limit   the targets (direct is always run: the others are compared with it)
 *   BENCH_TMPDIR, BENCH_LATCHKEY_ENTRY, BENCH_NODE_FLAGS, BENCH_PIN
 *   BENCH_CPU_PROF_DIR         write V8 CPU profiles of each gateway to <dir>/gateway-<mode>-<target>/
 * and for this benchmark:
 *   BENCH_ROUNDS=3             measured rounds
 *   BENCH_GATEWAY_MODES=json,sse  the upstream's answer modes
 *   BENCH_GATEWAY_SEQUENTIAL=500  one-at-a-time requests per target and round (0: none)
 *   BENCH_GATEWAY_LOG_LEVEL    the gateways' --log-level (default: the server's default, info)
 */
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { Agent, request as httpRequest } from 'node:http';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import {
  machineCores,
  buildUnlessGiven,
  busyMachine,
  cleanEnv,
  cpuSnapshot,
  cpuUsage,
  envNumber,
  installExitHandlers,
  MiB,
  onCleanup,
  pinning,
  root,
  round,
  sampleRss,
  spawnServer,
  table,
  tempDir,
  type RssSampler,
  type ServerProcess,
  runBench,
  envList,
} from './support.js';

buildUnlessGiven();

type Target = 'direct' | 'gateway' | 'gateway-no-limit';
type Mode = 'json' | 'sse';
const allTargets: readonly Target[] = ['direct', 'gateway', 'gateway-no-limit'];

const settings = {
  duration: envNumber('BENCH_DURATION', 10, 1),
  warmup: envNumber('BENCH_WARMUP', 3, 0),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 50, 1)),
  rounds: Math.round(envNumber('BENCH_ROUNDS', 3, 1)),
  sequential: Math.round(envNumber('BENCH_GATEWAY_SEQUENTIAL', 500, 0)),
  // direct is the reference of every ratio: always run.
  targets: [...new Set<Target>(['direct', ...envList('BENCH_ONLY', allTargets)])].sort((a, b) => allTargets.indexOf(a) - allTargets.indexOf(b)),
  modes: envList<Mode>('BENCH_GATEWAY_MODES', ['json', 'sse']),
  logLevel: process.env['BENCH_GATEWAY_LOG_LEVEL'] || undefined,
  latchkeyEntry: process.env['BENCH_LATCHKEY_ENTRY'] ? resolve(process.env['BENCH_LATCHKEY_ENTRY']) : join(root, 'dist/cli/main.js'),
  nodeFlags: (process.env['BENCH_NODE_FLAGS'] ?? '').split(/\s+/).filter(Boolean),
  cpuProfDir: process.env['BENCH_CPU_PROF_DIR'] ? resolve(process.env['BENCH_CPU_PROF_DIR']) : undefined,
};

/** The issue's targets: throughput kept, and p50 added. */
const goals = { minRatio: 0.75, maxAddedP50Ms: 2 };
/** Points per window far above any load here: the limiter runs on every request, and never refuses. */
const unlimitedPoints = '10000000';

// ---------------------------------------------------------------------------------------------------------
// Servers.

function startUpstream(mode: Mode): Promise<ServerProcess> {
  return spawnServer({
    args: [join(root, 'bench/gateway-upstream.ts'), '--port', '{port}', ...(mode === 'json' ? ['--json'] : [])],
    env: cleanEnv({}),
    // Any answer will do (it is a 404).
    readyPath: '/ready',
    cwd: root,
  });
}

function startGateway(mode: Mode, target: Exclude<Target, 'direct'>, upstreamUrl: string, databaseUrl: string): Promise<ServerProcess> {
  const flags = [...settings.nodeFlags];
  if (settings.cpuProfDir) flags.push('--cpu-prof', '--cpu-prof-dir', join(settings.cpuProfDir, `gateway-${mode}-${target}`));
  return spawnServer({
    args: [
      settings.latchkeyEntry,
      'gateway',
      '--upstream',
      upstreamUrl,
      '--host',
      '127.0.0.1',
      '--port',
      '{port}',
      '--issuer',
      'http://127.0.0.1:{port}',
      '--database',
      databaseUrl,
      ...(settings.logLevel ? ['--log-level', settings.logLevel] : []),
    ],
    env: cleanEnv({
      LATCHKEY_GATEWAY_RATE_LIMIT: target === 'gateway' ? 'true' : 'false',
      LATCHKEY_GATEWAY_RATE_LIMIT_USER_POINTS: unlimitedPoints,
      LATCHKEY_GATEWAY_RATE_LIMIT_CLIENT_POINTS: unlimitedPoints,
    }),
    readyPath: '/healthz',
    nodeFlags: flags,
    tsx: settings.latchkeyEntry.endsWith('.ts'),
    cwd: root,
  });
}

/** A started server with its RSS sampler, stopped at cleanup. */
interface Running {
  server: ServerProcess;
  rss: RssSampler;
  stop: () => Promise<void>;
}

function watch(server: ServerProcess): Running {
  const rss = sampleRss(server.pid, 100);
  const stop = onCleanup(async () => {
    rss.stop();
    await server.stop();
  });
  return { server, rss, stop };
}

// ---------------------------------------------------------------------------------------------------------
// The OAuth flow, MCP sessions, and the load.

const protocolVersion = '2025-06-18';
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': protocolVersion };
const redirectUri = 'https://bench.example/cb';

/** Where the tool calls go, and with which headers (the session's id, and the token through the gateway). */
interface Session {
  url: string;
  headers: Record<string, string>;
  sessionId: string;
  userId?: string;
  clientId?: string;
}

/** Every request has a JSON-RPC id of its own: the SDK routes a session's answers by id. */
let nextId = 1;
const toolCall = () => `{"jsonrpc":"2.0","id":${nextId++},"method":"tools/call","params":{"name":"echo","arguments":{"text":"hello through the gateway"}}}`;
/** A 200 carrying a JSON-RPC result (in a JSON body or an SSE event), not an error nor a tool error. */
const isResult = (status: number, body: string) => status === 200 && body.includes('"result":') && !body.includes('"isError":true');

/** `initialize`, then `notifications/initialized`, then one tool call: the session id to load with. */
async function initializeSession(url: string, headers: Record<string, string>): Promise<string> {
  const initialize = { jsonrpc: '2.0', id: 0, method: 'initialize', params: { protocolVersion, capabilities: {}, clientInfo: { name: 'latchkey-bench', version: '1.0.0' } } };
  const init = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, ...headers }, body: JSON.stringify(initialize) });
  const text = await init.text();
  const sessionId = init.headers.get('mcp-session-id');
  if (init.status !== 200 || !sessionId || !text.includes('"result":')) throw new Error(`initialize at ${url} answered ${init.status} (session ${sessionId}): ${text.slice(0, 300)}`);
  const inSession = { ...mcpHeaders, ...headers, 'mcp-session-id': sessionId };
  const ack = await fetch(url, { method: 'POST', headers: inSession, body: '{"jsonrpc":"2.0","method":"notifications/initialized"}' });
  await ack.arrayBuffer();
  if (ack.status !== 202) throw new Error(`notifications/initialized at ${url} answered ${ack.status}, not 202`);
  const call = await fetch(url, { method: 'POST', headers: inSession, body: toolCall() });
  const answer = await call.text();
  if (!isResult(call.status, answer)) throw new Error(`tools/call at ${url} answered ${call.status}: ${answer.slice(0, 300)}`);
  return sessionId;
}

async function setUpDirect(url: string): Promise<Session> {
  const sessionId = await initializeSession(url, {});
  return { url, headers: { ...mcpHeaders, 'mcp-session-id': sessionId }, sessionId };
}

/** A page of the flow: status, where it redirects, its HTML. */
interface Page {
  status: number;
  location: string | undefined;
  body: string;
}

/** Just enough of a browser over fetch for Latchkey's pages: a cookie jar, forms, same-server redirects. */
class Browser {
  private readonly cookies = new Map<string, string>();
  constructor(private readonly address: string) {}

  async get(path: string): Promise<Page> {
    return this.follow(await this.send(path, 'GET'));
  }

  /** Submits the page's form, its hidden fields and `fields`, and follows redirects on this server. */
  async submit(page: Page, fields: Record<string, string>): Promise<Page> {
    const action = /<form method="post" action="([^"]+)"/.exec(page.body)?.[1];
    if (!action) throw new Error(`no form on the page (${page.status}): ${page.body.slice(0, 300)}`);
    const hidden: Record<string, string> = {};
    for (const match of page.body.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) hidden[match[1]!] = decodeEntities(match[2]!);
    return this.follow(await this.send(decodeEntities(action), 'POST', new URLSearchParams({ ...hidden, ...fields }).toString()));
  }

  private async follow(page: Page): Promise<Page> {
    let current = page;
    while ([302, 303].includes(current.status) && current.location !== undefined && (current.location.startsWith('/') || current.location.startsWith(this.address))) {
      current = await this.send(current.location.startsWith('/') ? current.location : current.location.slice(this.address.length), 'GET');
    }
    return current;
  }

  private async send(path: string, method: 'GET' | 'POST', body?: string): Promise<Page> {
    const headers: Record<string, string> = { origin: this.address };
    if (this.cookies.size > 0) headers['cookie'] = [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
    if (body !== undefined) headers['content-type'] = 'application/x-www-form-urlencoded';
    const response = await fetch(`${this.address}${path}`, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body }) });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const at = pair!.indexOf('=');
      this.cookies.set(pair!.slice(0, at).trim(), pair!.slice(at + 1).trim());
    }
    return { status: response.status, location: response.headers.get('location') ?? undefined, body: await response.text() };
  }
}

function decodeEntities(text: string): string {
  return text.replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code))).replace(/&amp;/g, '&');
}

/**
 * An access token for the gateway as an agent gets one: a public client registers (RFC 7591), the user signs in
 * and consents on Latchkey's pages, and the code is exchanged with PKCE S256 (RFC 7636) for the gateway's resource.
 */
async function userToken(address: string, resource: string, username: string, password: string): Promise<{ accessToken: string; clientId: string }> {
  const registered = await fetch(`${address}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Gateway bench agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: 'mcp' }),
  });
  const registration = (await registered.json()) as { client_id?: string };
  if (registered.status !== 201 || !registration.client_id) throw new Error(`POST /register answered ${registered.status}: ${JSON.stringify(registration).slice(0, 300)}`);
  const clientId = registration.client_id;
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope: 'mcp',
    resource,
    state: randomBytes(8).toString('base64url'),
  });
  const browser = new Browser(address);
  const signIn = await browser.get(`/authorize?${query}`);
  if (signIn.status !== 200) throw new Error(`/authorize answered ${signIn.status}: ${signIn.body.slice(0, 300)}`);
  const consent = await browser.submit(signIn, { username, password });
  const done = consent.status === 200 ? await browser.submit(consent, { decision: 'allow' }) : consent;
  const code = done.location?.startsWith(redirectUri) ? new URL(done.location).searchParams.get('code') : null;
  if (!code) throw new Error(`the flow ended at ${done.status} ${done.location ?? ''}: ${done.body.slice(0, 300)}`);
  const issued = await fetch(`${address}/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri, resource }).toString(),
  });
  const tokens = (await issued.json()) as { access_token?: string };
  if (issued.status !== 200 || !tokens.access_token) throw new Error(`POST /token answered ${issued.status}: ${JSON.stringify(tokens).slice(0, 300)}`);
  return { accessToken: tokens.access_token, clientId };
}

/** A user (`latchkey users add`, as an operator adds one), a token by the real flow, and a session through the gateway. */
async function setUpGateway(address: string, databaseUrl: string): Promise<Session> {
  const username = 'bench-user';
  const password = randomBytes(18).toString('base64url');
  const loader = settings.latchkeyEntry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  execFileSync(process.execPath, [...loader, settings.latchkeyEntry, 'users', 'add', username, '--password-stdin', '--database', databaseUrl], {
    input: password,
    env: cleanEnv({}),
    cwd: root,
    stdio: ['pipe', 'ignore', 'inherit'],
  });
  // The issuer is the address, so the gateway's resource (RFC 8707) is the address and gateway.path.
  const url = `${address}/mcp`;
  const { accessToken, clientId } = await userToken(address, url, username, password);
  const authorization = { authorization: `Bearer ${accessToken}` };
  const sessionId = await initializeSession(url, authorization);
  return { url, headers: { ...mcpHeaders, ...authorization, 'mcp-session-id': sessionId }, sessionId, userId: username, clientId };
}

/** autocannon's tool calls in `session` for `seconds`; `bad` counts the 200s without a JSON-RPC result. */
async function gatewayLoad(session: Session, connections: number, seconds: number): Promise<{ result: autocannon.Result; bad: number }> {
  let bad = 0;
  const url = new URL(session.url);
  const result = await autocannon({
    url: url.origin,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [
      {
        method: 'POST',
        path: url.pathname,
        headers: session.headers,
        setupRequest: (request) => ({ ...request, body: toolCall() }),
        onResponse: (status, body) => {
          if (status === 200 && !isResult(status, body)) bad++;
        },
      },
    ],
  });
  return { result, bad };
}

/** `count` tool calls one at a time on one keep-alive connection: each one's latency in microseconds. */
async function sequentialLatency(session: Session, count: number): Promise<number[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const micros: number[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const body = toolCall();
      const started = performance.now();
      const { status, text } = await new Promise<{ status: number; text: string }>((resolvePromise, reject) => {
        const request = httpRequest(session.url, { method: 'POST', agent, headers: { ...session.headers, 'content-length': Buffer.byteLength(body) } }, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolvePromise({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
      micros.push((performance.now() - started) * 1000);
      if (!isResult(status, text)) throw new Error(`a sequential tools/call at ${session.url} answered ${status}: ${text.slice(0, 300)}`);
    }
  } finally {
    agent.destroy();
  }
  return micros;
}

// ---------------------------------------------------------------------------------------------------------
// Measuring.

/** One measured load of one target, and the one-at-a-time latencies after it. */
interface Round {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** 200s without a JSON-RPC result (an error, or a tool error). */
  bad: number;
  /** CPU seconds of each process during the load. */
  cpuSeconds: { gateway: number | null; upstream: number | null; loadGenerator: number | null; others: number | null };
  sequentialMicros: number[];
}

interface TargetResult {
  mode: Mode;
  target: Target;
  rounds: Round[];
  gatewayRssMiB: number | null;
  upstreamRssMiB: number | null;
  notes: string[];
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const percentile = (sorted: readonly number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);

async function measureRound(session: Session, upstream: ServerProcess, gateway: ServerProcess | undefined): Promise<Round> {
  const pids = [upstream.pid, process.pid, ...(gateway ? [gateway.pid] : [])];
  const before = await cpuSnapshot(pids);
  const load = await gatewayLoad(session, settings.connections, settings.duration);
  const after = await cpuSnapshot(pids);
  const usage = cpuUsage(before, after);
  const seconds = (after.at - before.at) / 1000;
  const cpuOf = (pid: number | undefined) => (pid === undefined ? null : (usage.processes.get(pid) ?? NaN) * seconds);
  const { result, bad } = load;
  const sequentialMicros = settings.sequential > 0 ? await sequentialLatency(session, settings.sequential) : [];
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    bad,
    cpuSeconds: { gateway: cpuOf(gateway?.pid), upstream: cpuOf(upstream.pid), loadGenerator: cpuOf(process.pid), others: usage.others === undefined ? null : usage.others * seconds },
    sequentialMicros,
  };
}

async function runMode(mode: Mode): Promise<TargetResult[]> {
  const upstream = watch(await startUpstream(mode));
  const running: Running[] = [upstream];
  const removals: Array<() => Promise<void>> = [];
  try {
    const upstreamUrl = upstream.server.recentOutput().find((line) => line.startsWith('http://')) ?? `${upstream.server.address}/mcp`;
    process.stdout.write(`  upstream (${mode === 'json' ? 'JSON answers' : 'SSE answers'}) pid ${upstream.server.pid} at ${upstreamUrl}\n`);
    const sessions = new Map<Target, { session: Session; gateway?: Running }>();
    sessions.set('direct', { session: await setUpDirect(upstreamUrl) });
    for (const target of settings.targets) {
      if (target === 'direct') continue;
      const temp = tempDir('latchkey-bench-gateway-');
      removals.push(temp.remove);
      if (temp.warning) process.stdout.write(`  warning: ${temp.warning}\n`);
      const gateway = watch(await startGateway(mode, target, upstreamUrl, `sqlite:${join(temp.dir, 'latchkey.db')}`));
      running.push(gateway);
      const session = await setUpGateway(gateway.server.address, `sqlite:${join(temp.dir, 'latchkey.db')}`);
      process.stdout.write(`  ${target}: pid ${gateway.server.pid} at ${gateway.server.address}, token for ${session.userId} (client ${session.clientId}), session ${session.sessionId.slice(0, 12)}…\n`);
      sessions.set(target, { session, gateway });
    }
    process.stdout.write(`  ${pinning ? `every server pinned to core ${pinning.server} (load on ${pinning.load})` : 'not pinned (one core, BENCH_PIN=0, or no taskset)'}\n`);

    if (settings.warmup > 0) {
      for (const target of settings.targets) {
        const warm = await gatewayLoad(sessions.get(target)!.session, settings.connections, settings.warmup);
        process.stdout.write(`  warm-up ${target} ${settings.warmup} s: ${Math.round(warm.result.requests.average)} req/s, non-2xx ${warm.result.non2xx}, bad ${warm.bad}\n`);
      }
    }
    for (const each of running) each.rss.reset();

    const rounds = new Map<Target, Round[]>(settings.targets.map((target) => [target, []]));
    for (let index = 0; index < settings.rounds; index++) {
      const order = settings.targets.map((_, i) => settings.targets[(i + index) % settings.targets.length]!);
      for (const target of order) {
        const { session, gateway } = sessions.get(target)!;
        const measured = await measureRound(session, upstream.server, gateway?.server);
        rounds.get(target)!.push(measured);
        const seq = [...measured.sequentialMicros].sort((a, b) => a - b);
        process.stdout.write(
          `  round ${index + 1} ${target.padEnd(16)} ${Math.round(measured.reqPerSec)} req/s, p50 ${measured.p50Ms} ms, p99 ${measured.p99Ms} ms, ` +
            `non-2xx ${measured.non2xx}, bad ${measured.bad}${seq.length > 0 ? `; one at a time p50 ${(percentile(seq, 50) / 1000).toFixed(3)} ms` : ''}\n`,
        );
      }
    }

    return settings.targets.map((target) => {
      const { gateway } = sessions.get(target)!;
      const notes: string[] = [];
      const targetRounds = rounds.get(target)!;
      const others = sum(targetRounds.map((r) => r.cpuSeconds.others ?? 0)) / (settings.duration * targetRounds.length);
      if (others > busyMachine) notes.push(`other processes used ${others.toFixed(2)} CPU cores during the runs: the machine was not quiet, so these figures are disturbed`);
      if (gateway) {
        const problems = gateway.server.problems();
        if (problems.length > 0) notes.push(`${problems.length} log line(s) at warn or above; first: ${problems[0]!.slice(0, 300)}`);
      }
      const upstreamRss = upstream.rss.max();
      const gatewayRss = gateway?.rss.max() ?? 0;
      return {
        mode,
        target,
        rounds: targetRounds,
        gatewayRssMiB: gatewayRss > 0 ? gatewayRss / MiB : null,
        upstreamRssMiB: upstreamRss > 0 ? upstreamRss / MiB : null,
        notes,
      };
    });
  } finally {
    for (const each of running.reverse()) await each.stop();
    for (const remove of removals) await remove();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report.

/** A target's figures over its rounds: mean req/s, median latencies, CPU per request over every request. */
function summary(result: TargetResult) {
  const rounds = result.rounds;
  const requests = sum(rounds.map((r) => r.requests));
  const perRequest = (pick: (r: Round) => number | null) => {
    const values = rounds.map(pick);
    return values.some((v) => v === null || Number.isNaN(v)) ? null : (sum(values as number[]) * 1e6) / requests;
  };
  const seq = rounds.flatMap((r) => r.sequentialMicros).sort((a, b) => a - b);
  return {
    reqPerSec: sum(rounds.map((r) => r.reqPerSec)) / rounds.length,
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
    p999Ms: median(rounds.map((r) => r.p999Ms)),
    requests,
    non2xx: sum(rounds.map((r) => r.non2xx)),
    errors: sum(rounds.map((r) => r.errors + r.timeouts)),
    bad: sum(rounds.map((r) => r.bad)),
    sequentialP50Ms: seq.length > 0 ? percentile(seq, 50) / 1000 : null,
    sequentialP99Ms: seq.length > 0 ? percentile(seq, 99) / 1000 : null,
    gatewayCpuMicros: result.target === 'direct' ? null : perRequest((r) => r.cpuSeconds.gateway),
    upstreamCpuMicros: perRequest((r) => r.cpuSeconds.upstream),
    loadCpuMicros: perRequest((r) => r.cpuSeconds.loadGenerator),
    roundReqPerSec: rounds.map((r) => r.reqPerSec),
  };
}

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

function report(results: TargetResult[]): void {
  const fixed = (value: number | null, digits: number) => (value === null ? 'n/a' : value.toFixed(digits));
  const summaries = new Map(results.map((result) => [`${result.mode} ${result.target}`, summary(result)]));
  const checks: Check[] = [];
  const comparisons: Record<string, unknown>[] = [];
  process.stdout.write(
    `\nResults (${settings.connections} connections, ${settings.rounds} round(s) of ${settings.duration} s after ${settings.warmup} s warm-up; ` +
      `req/s the mean of the rounds, latencies their median; "1-at-a-time": ${settings.sequential} sequential requests per round)\n`,
  );
  for (const mode of settings.modes) {
    const direct = summaries.get(`${mode} direct`)!;
    const rows: string[][] = [[`tools/call echo, upstream ${mode === 'json' ? 'JSON' : 'SSE'}`, 'req/s', 'p50 ms', 'p99 ms', '1-at-a-time p50', 'p99', 'non-2xx', 'bad', 'CPU µs/req gw', 'upstream', 'gw RSS MiB', 'up RSS MiB', 'vs direct']];
    for (const result of results.filter((r) => r.mode === mode)) {
      const s = summaries.get(`${mode} ${result.target}`)!;
      rows.push([
        result.target,
        Math.round(s.reqPerSec).toString(),
        s.p50Ms.toFixed(1),
        s.p99Ms.toFixed(1),
        fixed(s.sequentialP50Ms, 3),
        fixed(s.sequentialP99Ms, 3),
        s.non2xx.toString(),
        (s.bad + s.errors).toString(),
        fixed(s.gatewayCpuMicros, 0),
        fixed(s.upstreamCpuMicros, 0),
        fixed(result.gatewayRssMiB, 1),
        fixed(result.upstreamRssMiB, 1),
        `${(s.reqPerSec / direct.reqPerSec).toFixed(2)}×`,
      ]);
      const name = `${mode} ${result.target}`;
      checks.push({ name: `${name}: every answer 200 + result`, pass: s.non2xx === 0 && s.errors === 0 && s.bad === 0, detail: `${s.non2xx} non-2xx, ${s.errors} errors/timeouts, ${s.bad} without a result` });
      if (result.target === 'direct') continue;
      const ratio = s.reqPerSec / direct.reqPerSec;
      const addedP50 = s.p50Ms - direct.p50Ms;
      const addedSequential = s.sequentialP50Ms === null || direct.sequentialP50Ms === null ? null : s.sequentialP50Ms - direct.sequentialP50Ms;
      const roundRatios = s.roundReqPerSec.map((value, i) => value / direct.roundReqPerSec[i]!);
      checks.push({ name: `${name}: ≥ ${goals.minRatio}× direct req/s`, pass: ratio >= goals.minRatio, detail: `${ratio.toFixed(2)}× (rounds ${roundRatios.map((r) => r.toFixed(2)).join(', ')})` });
      checks.push({ name: `${name}: adds ≤ ${goals.maxAddedP50Ms} ms at p50 under load`, pass: addedP50 <= goals.maxAddedP50Ms, detail: `+${addedP50.toFixed(1)} ms (autocannon, whole ms)` });
      if (addedSequential !== null) {
        checks.push({ name: `${name}: adds ≤ ${goals.maxAddedP50Ms} ms at p50, one at a time`, pass: addedSequential <= goals.maxAddedP50Ms, detail: `+${addedSequential.toFixed(3)} ms` });
      }
      comparisons.push({ mode, target: result.target, ratio: round(ratio, 3), roundRatios: roundRatios.map((r) => round(r, 3)), addedP50Ms: addedP50, addedSequentialP50Ms: addedSequential === null ? null : round(addedSequential, 3) });
    }
    process.stdout.write(`\n${table(rows)}\n`);
  }
  process.stdout.write(
    '(CPU µs/req: CPU time of the gateway and of the upstream over the measured requests; RSS: VmRSS sampled every 100 ms over the rounds;\n' +
      ` every server on ${pinning ? `core ${pinning.server}, the upstream with the gateway in every run, autocannon on ${pinning.load}` : 'any core (not pinned)'})\n`,
  );
  process.stdout.write(`\nTargets (the gateway issue; ${machineCores}-core machine)\n`);
  for (const check of checks) process.stdout.write(`  ${check.pass ? '✓' : '✗'} ${check.name.padEnd(52)} ${check.detail}\n`);
  for (const result of results) for (const note of result.notes) process.stdout.write(`  note (${result.mode} ${result.target}): ${note}\n`);
  const failed = checks.filter((check) => !check.pass);
  process.stdout.write(failed.length === 0 ? '\nAll targets met.\n\n' : `\n${failed.length} of ${checks.length} target(s) missed (a measurement: the exit code stays 0).\n\n`);

  const json = {
    bench: 'gateway',
    date: new Date().toISOString(),
    node: process.version,
    cpus: machineCores,
    cpuModel: cpus()[0]?.model ?? null,
    pinning: pinning ? { servers: pinning.server, load: pinning.load, upstreamWithGateway: true } : null,
    connections: settings.connections,
    durationSeconds: settings.duration,
    warmupSeconds: settings.warmup,
    rounds: settings.rounds,
    sequentialPerRound: settings.sequential,
    gatewayLogLevel: settings.logLevel ?? 'default (info)',
    latchkeyEntry: settings.latchkeyEntry,
    ...(settings.nodeFlags.length > 0 ? { nodeFlags: settings.nodeFlags } : {}),
    results: results.map((result) => {
      const s = summaries.get(`${result.mode} ${result.target}`)!;
      const micros = (value: number | null) => (value === null ? null : round(value, 0));
      return {
        mode: result.mode,
        target: result.target,
        reqPerSec: round(s.reqPerSec, 1),
        roundReqPerSec: s.roundReqPerSec.map((value) => round(value, 1)),
        p50Ms: s.p50Ms,
        p99Ms: s.p99Ms,
        p999Ms: s.p999Ms,
        sequentialP50Ms: s.sequentialP50Ms === null ? null : round(s.sequentialP50Ms, 3),
        sequentialP99Ms: s.sequentialP99Ms === null ? null : round(s.sequentialP99Ms, 3),
        requests: s.requests,
        non2xx: s.non2xx,
        errors: s.errors,
        withoutResult: s.bad,
        cpuMicrosPerRequest: { gateway: micros(s.gatewayCpuMicros), upstream: micros(s.upstreamCpuMicros), autocannon: micros(s.loadCpuMicros) },
        gatewayRssMiB: result.gatewayRssMiB === null ? null : round(result.gatewayRssMiB, 1),
        upstreamRssMiB: result.upstreamRssMiB === null ? null : round(result.upstreamRssMiB, 1),
      };
    }),
    comparisons,
    checks: checks.map((check) => ({ name: check.name, pass: check.pass, value: check.detail })),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  installExitHandlers();
  process.stdout.write(
    `Gateway benchmark: POST tools/call (echo) direct to the MCP server and through latchkey gateway --upstream (${settings.targets.join(', ')}), ` +
      `${settings.connections} connections, ${settings.warmup} s warm-up + ${settings.rounds} × ${settings.duration} s per target; ${machineCores} CPU(s), Node ${process.version}\n`,
  );
  process.stdout.write(`Latchkey runs from ${settings.latchkeyEntry}${settings.latchkeyEntry.endsWith('.ts') ? ' through tsx' : ' with plain node'}, log level ${settings.logLevel ?? 'default (info)'}\n`);
  if (settings.cpuProfDir) process.stdout.write(`CPU profiles of the gateways go to ${settings.cpuProfDir}/gateway-<mode>-<target>/\n`);
  const results: TargetResult[] = [];
  for (const mode of settings.modes) {
    process.stdout.write(`\n▶ upstream answers ${mode === 'json' ? 'JSON' : 'SSE'}\n`);
    results.push(...(await runMode(mode)));
  }
  report(results);
}

runBench(main);
