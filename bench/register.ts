/**
 * `npm run bench`: registration throughput and latency of Latchkey against a raw node:http baseline and against
 * node-oidc-provider (the peer users would pick instead: its dynamic registration endpoint, its in-memory
 * adapter; see bench/oidc-provider-server.ts), all in the same run.
 *
 * Each server runs as its own child process, pinned to one core when there are two or more, and is loaded in
 * turn by autocannon from this process (pinned to the others): a warm-up, then the measured run. Latchkey runs
 * at its default log level (info) on SQLite (a fresh file, synchronous=full, the durable default) and on
 * PostgreSQL (a fresh database, dropped afterwards; skipped when PostgreSQL cannot be reached). The server's
 * VmRSS is sampled from /proc during the load, and its CPU time per request is reported. Latchkey's req/s is
 * compared with the baseline's and with the peer's (issue 15: SQLite ≥ 3×, PostgreSQL ≥ 2× node-oidc-provider).
 * Missing a target is reported, not an error: the exit code is 0 unless the benchmark itself could not run.
 *
 * The CPU used during each run is split between the server, autocannon (this process), a local PostgreSQL,
 * and everything else; a run during which other processes used more than 0.15 of a core is flagged as
 * disturbed (on a shared 2-core machine that changes the figures a lot).
 *
 * Environment:
 *   BENCH_DURATION=10          measured seconds per target
 *   BENCH_WARMUP=3             warm-up seconds per target (0: none)
 *   BENCH_CONNECTIONS=50       autocannon connections
 *   BENCH_ONLY=sqlite,postgres run a subset of baseline | oidc-provider | sqlite | sqlite-no-metrics | sqlite-protected
 *                              | postgres (comma-separated; sqlite brings the two runs compared with it along);
 *                              oidc-provider: node-oidc-provider's POST /register with the same bodies;
 *                              sqlite-no-metrics: the same load with metrics.enabled false
 *                              (LATCHKEY_METRICS_ENABLED=false: no hook at all), compared with sqlite's req/s in the
 *                              same round (issue 5: /metrics adds no measurable cost, ≥ 0.95×; with one round it
 *                              always runs right after sqlite, and order alone has moved the ratio by 10–25% on a
 *                              shared machine: judge it over three rounds); the sqlite run scrapes GET /metrics once
 *                              at the end to show it counted the load;
 *                              sqlite-protected: registration.mode protected, each request with an initial access
 *                              token and under a policy (allow-list, scopes, methods), compared with sqlite
 *   BENCH_BODY=varied          varied: each connection cycles through 32 bodies with distinct client_names;
 *                              fixed: one identical body
 *   BENCH_SQLITE_SYNCHRONOUS=full  full | normal (normal is not the durable setting; for comparison)
 *   BENCH_DATABASE_URL, TEST_DATABASE_URL  the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_TMPDIR               where the SQLite temp dir goes (default: the OS temp dir)
 *   BENCH_LATCHKEY_ENTRY       the server entry point (default dist/cli/main.js, built first by `npm run build`,
 *                              run with plain node as `npm start` does); a .ts file runs through tsx
 *   BENCH_NODE_FLAGS           extra node flags for the Latchkey servers, e.g. --max-semi-space-size=2
 *   BENCH_CPU_PROF_DIR         write V8 CPU profiles of each Latchkey server to <dir>/<target>/ (node --cpu-prof)
 *   BENCH_ROUNDS=1             run every target this many times, in an order rotated by one each round; the table
 *                              shows each target's run of median req/s, and every ratio is the median of the ratios
 *                              taken within each round (each round's ratios are printed beside it)
 */
import { execFileSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import {
  machineCores,
  buildUnlessGiven,
  busyMachine,
  envChoice,
  envNumber,
  root,
  round,
  table,
  type TargetName,
  cleanEnv,
  cpuSnapshot,
  cpuUsage,
  createPostgresDatabase,
  installExitHandlers,
  onCleanup,
  readRss,
  redact,
  sampleRss,
  spawnServer,
  tempDir,
  measured,
  measuredJson,
  type Measured,
  type ServerProcess,
  runBench,
  cpuMicrosPerRequest,
  peer,
  peerRatios,
  peerTarget,
  ratioToPeer,
  benchRounds,
  rotated,
  roundRatios,
  sameRoundRatio,
  summaryOf,
  startOidcProvider,
  type PeerGoal,
  type PeerTarget,
} from './support.js';

buildUnlessGiven();

// ---------------------------------------------------------------------------------------------------------
// Settings.


/**
 * This benchmark's targets: the shared ones, plus two variants of open SQLite run right after it and compared with
 * it: without metrics, and protected registration.
 */
type RegisterTarget = TargetName | PeerTarget | 'sqlite-no-metrics' | 'sqlite-protected';
const registerTargets: readonly RegisterTarget[] = ['baseline', peerTarget, 'sqlite', 'sqlite-no-metrics', 'sqlite-protected', 'postgres'];
const sqliteVariants: readonly RegisterTarget[] = ['sqlite-no-metrics', 'sqlite-protected'];

function selectedTargets(): RegisterTarget[] {
  const raw = process.env['BENCH_ONLY'];
  if (raw === undefined || raw.trim() === '') return [...registerTargets];
  const names = raw.split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    if (!(registerTargets as readonly string[]).includes(name)) {
      throw new Error(`BENCH_ONLY must list ${registerTargets.join(', ')} (comma-separated); got ${JSON.stringify(raw)}`);
    }
  }
  return registerTargets.filter((name) => names.includes(name) || (sqliteVariants.includes(name) && names.includes('sqlite')));
}

const settings = {
  duration: envNumber('BENCH_DURATION', 10, 1),
  warmup: envNumber('BENCH_WARMUP', 3, 0),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 50, 1)),
  body: envChoice('BENCH_BODY', ['varied', 'fixed'] as const, 'varied'),
  sqliteSynchronous: envChoice('BENCH_SQLITE_SYNCHRONOUS', ['full', 'normal'] as const, 'full'),
  postgresUrl: process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
  latchkeyEntry: process.env['BENCH_LATCHKEY_ENTRY'] ? resolve(process.env['BENCH_LATCHKEY_ENTRY']) : join(root, 'dist/cli/main.js'),
  nodeFlags: (process.env['BENCH_NODE_FLAGS'] ?? '').split(/\s+/).filter(Boolean),
  cpuProfDir: process.env['BENCH_CPU_PROF_DIR'] ? resolve(process.env['BENCH_CPU_PROF_DIR']) : undefined,
  targets: selectedTargets(),
  rounds: benchRounds(),
};

/** The targets of the issue (2-core machine). */
const targets = {
  sqlite: { minRatio: 0.7, maxP99Ms: 15 as number | undefined, maxRssMiB: 100 },
  postgres: { minRatio: 0.35, maxP99Ms: undefined as number | undefined, maxRssMiB: 100 },
  // Issue 4: policy checks and the initial access token lookup cost at most 10% of open registration.
  'sqlite-protected': { minRatioOfOpen: 0.9 },
  // Issue 5: /metrics adds no measurable cost: open SQLite (metrics on, the default) ≥ 0.95× the same without.
  'sqlite-no-metrics': { minRatioOnToOff: 0.95 },
  // Issue 15: registration ≥ 3× node-oidc-provider on SQLite, ≥ 2× on PostgreSQL, measured in the same run.
  peer: { sqlite: 3, postgres: 2 } satisfies PeerGoal,
};

/** The policy of the protected run: every kind of check, each of which the bench requests pass. */
const benchPolicies = JSON.stringify({
  bench: {
    allowRedirectHosts: ['bench.example', '*.bench.example'],
    denyRedirectHosts: ['evil.bench.example'],
    allowRedirectSchemes: ['https'],
    allowScopes: ['openid', 'mcp'],
    allowTokenEndpointAuthMethods: ['none'],
    maxRedirectUris: 3,
  },
});

// ---------------------------------------------------------------------------------------------------------
// Load.

const registrationPath = '/register';
/** CPU (in cores) used by other processes during a run above which the run is flagged as disturbed. */

function registration(n: number | undefined): string {
  return JSON.stringify({
    client_name: n === undefined ? 'Bench' : `Bench ${n}`,
    redirect_uris: ['https://bench.example/cb'],
    token_endpoint_auth_method: 'none',
  });
}

/**
 * Distinct bodies each connection cycles through. They are built up front: a `setupRequest` that builds a
 * body per request costs autocannon so much CPU that, on a 2-core machine, it rather than the baseline server
 * sets the baseline's req/s (and so flatters the ratio). Few of them, though: autocannon builds every one
 * for every connection before it starts, blocking its event loop (256 × 50 take 0.25 s, which then shows up
 * as the max latency).
 */
const variedBodies = 32;

function load(address: string, seconds: number, authorization?: string): Promise<autocannon.Result> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) };
  const requests: autocannon.Request[] =
    settings.body === 'fixed'
      ? [{ method: 'POST', path: registrationPath, headers, body: registration(undefined) }]
      : Array.from({ length: variedBodies }, (_, n) => ({ method: 'POST' as const, path: registrationPath, headers, body: registration(n) }));
  return autocannon({
    url: address,
    connections: settings.connections,
    duration: seconds,
    requests,
    timeout: 10,
  });
}

// ---------------------------------------------------------------------------------------------------------
// Runs.

interface RunResult extends Measured {
  target: RegisterTarget;
  /** The round it ran in (BENCH_ROUNDS), from 0. */
  round?: number;
  label: string;
  /** Latchkey only: rows in `clients` after the run, and 2xx answers counted by autocannon (warm-up included). */
  rowsStored?: number;
  answered2xx?: number;
  /** Latchkey only: what `GET /metrics` answered after the run, before the server stopped. */
  metrics?: MetricsProbe;
  notes: string[];
}

/** What `GET /metrics` answered at the end of a run. */
interface MetricsProbe {
  status: number;
  /** Whether the body has the per-route request counter, `latchkey_http_requests_total`. */
  hasRequestCounter: boolean;
  /** The `POST /register` answers with `201` that counter holds; null when the metrics were not served. */
  registered201: number | null;
}

/** Scrapes `GET /metrics` once: on, it shows the load was counted; off, it answers 404. */
async function probeMetrics(address: string): Promise<MetricsProbe> {
  const response = await fetch(`${address}/metrics`);
  const body = await response.text();
  let registered201: number | null = null;
  if (response.status === 200) {
    registered201 = 0;
    for (const [, labels = '', value] of body.matchAll(/^latchkey_http_requests_total\{([^}]*)\}\s+(\S+)$/gm)) {
      if (labels.includes(`route="${registrationPath}"`) && labels.includes('method="POST"') && labels.includes('status="201"')) registered201 += Number(value);
    }
  }
  return { status: response.status, hasRequestCounter: body.includes('latchkey_http_requests_total'), registered201 };
}

interface Skipped {
  target: RegisterTarget;
  label: string;
  skipped: string;
}

async function smokeTest(address: string, authorization?: string): Promise<void> {
  const response = await fetch(`${address}${registrationPath}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(authorization ? { authorization } : {}) },
    body: registration(undefined),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST ${registrationPath} answered ${response.status}, not 201: ${text.slice(0, 300)}`);
}

/** Starts nothing: loads an already started server (warm-up, then measured run), sampling its RSS. */
async function measure(target: RegisterTarget, label: string, server: ServerProcess, databaseProcess?: string, authorization?: string): Promise<RunResult> {
  await smokeTest(server.address, authorization);
  const idleRss = await readRss(server.pid);
  const rss = sampleRss(server.pid, 100);
  let answered2xx = 1;
  const notes: string[] = [];
  try {
    if (settings.warmup > 0) {
      process.stdout.write(`  warm-up ${settings.warmup} s… `);
      const warm = await load(server.address, settings.warmup, authorization);
      answered2xx += warm['2xx'];
      process.stdout.write(`${Math.round(warm.requests.average)} req/s, non-2xx ${warm.non2xx}, errors ${warm.errors}\n`);
      if (warm.non2xx > 0 || warm.errors > 0) notes.push(`warm-up: ${warm.non2xx} non-2xx, ${warm.errors} errors`);
    }
    process.stdout.write(`  measuring ${settings.duration} s… `);
    const cpuBefore = await cpuSnapshot([server.pid, process.pid], databaseProcess);
    const result = await load(server.address, settings.duration, authorization);
    const usage = cpuUsage(cpuBefore, await cpuSnapshot([server.pid, process.pid], databaseProcess));
    const cpu = {
      server: usage.processes.get(server.pid) ?? null,
      loadGenerator: usage.processes.get(process.pid) ?? null,
      database: databaseProcess === undefined ? null : usage.named,
      others: usage.others ?? null,
    };
    answered2xx += result['2xx'];
    const cores = (value: number | null) => (value === null ? 'n/a' : value.toFixed(2));
    process.stdout.write(
      `${Math.round(result.requests.average)} req/s (CPU cores: server ${cores(cpu.server)}, autocannon ${cores(cpu.loadGenerator)}, ` +
        `${databaseProcess === undefined ? '' : `${databaseProcess} ${cores(cpu.database)}, `}other processes ${cores(cpu.others)})\n`,
    );
    if (cpu.others !== null && cpu.others > busyMachine) {
      notes.push(`other processes used ${cpu.others.toFixed(2)} CPU cores during the run: the machine was not quiet, so these figures are disturbed`);
    }
    const maxRss = rss.max();
    const statusCounts = result.statusCodeStats
      ? Object.entries(result.statusCodeStats)
          .filter(([code]) => !code.startsWith('2'))
          .map(([code, stat]) => `${code}×${stat.count ?? 0}`)
      : [];
    if (statusCounts.length > 0) notes.push(`non-2xx status codes: ${statusCounts.join(', ')}`);
    return {
      target,
      label,
      ...measured(result, { max: maxRss, idle: idleRss }, cpu),
      answered2xx,
      notes,
    };
  } finally {
    rss.stop();
  }
}

function latchkeyNodeFlags(name: string): string[] {
  const flags = [...settings.nodeFlags];
  // One file per thread (the main thread, and tsx's module-loader thread), so no --cpu-prof-name.
  if (settings.cpuProfDir) flags.push('--cpu-prof', '--cpu-prof-dir', join(settings.cpuProfDir, name));
  return flags;
}

function startLatchkey(name: string, databaseUrl: string, extraEnv: Record<string, string>): Promise<ServerProcess> {
  return spawnServer({
    // At its default log level (info), as a user runs it.
    args: [settings.latchkeyEntry, 'serve', '--host', '127.0.0.1', '--port', '{port}', '--database', databaseUrl],
    env: cleanEnv({ LATCHKEY_REGISTRATION_RATE_LIMIT: 'false', ...extraEnv }),
    readyPath: '/healthz',
    nodeFlags: latchkeyNodeFlags(name),
    tsx: settings.latchkeyEntry.endsWith('.ts'),
    cwd: root,
  });
}

interface RunOptions {
  /** Runs after the measured run, while the server still runs (e.g. to scrape its metrics). */
  beforeStop?: (server: ServerProcess, result: RunResult) => Promise<void>;
  /** Runs once the server has stopped (e.g. to count the rows it stored). */
  after?: (result: RunResult) => Promise<void>;
  /** A local database server whose CPU belongs to the run (see `cpuSnapshot`). */
  databaseProcess?: string;
  /** The `Authorization` header of every request. */
  authorization?: string;
}

/** Starts `start()`, measures it, and always stops it (and reports log lines at warn or above seen under load). */
async function withServer(target: RegisterTarget, label: string, start: () => Promise<ServerProcess>, options: RunOptions = {}): Promise<RunResult> {
  const { beforeStop, after, databaseProcess, authorization } = options;
  const server = await start();
  const stop = onCleanup(() => server.stop());
  process.stdout.write(`  pid ${server.pid} at ${server.address}\n`);
  let result: RunResult;
  try {
    result = await measure(target, label, server, databaseProcess, authorization);
    if (beforeStop) await beforeStop(server, result);
  } finally {
    await stop();
  }
  const problems = server.problems();
  if (problems.length > 0) {
    result.notes.push(`${problems.length} log line(s) at warn or above under load; first: ${problems[0]!.slice(0, 300)}`);
  }
  if (after) await after(result);
  return result;
}

async function runBaseline(): Promise<RunResult> {
  return withServer('baseline', 'baseline (node:http, fixed 201)', () =>
    spawnServer({
      args: [join(root, 'bench/baseline-server.ts'), '--host', '127.0.0.1', '--port', '{port}'],
      env: cleanEnv({}),
      readyPath: '/',
      cwd: root,
    }),
  );
}

/** node-oidc-provider's dynamic registration endpoint, loaded with the same bodies as Latchkey's. */
async function runPeer(): Promise<RunResult> {
  return withServer(peerTarget, peer.label, startOidcProvider);
}

/** Records what `GET /metrics` answers at the end of a Latchkey run. */
async function scrapeMetrics(server: ServerProcess, run: RunResult): Promise<void> {
  run.metrics = await probeMetrics(server.address);
}

/**
 * Open SQLite (metrics on, the default), or one of its variants compared with it: `no-metrics` (the same with
 * `metrics.enabled` false) and `protected` (an initial access token and a policy).
 */
async function runSqlite(mode: 'open' | 'no-metrics' | 'protected' = 'open'): Promise<RunResult> {
  const temp = tempDir('latchkey-bench-');
  try {
    if (temp.warning) process.stdout.write(`  warning: ${temp.warning}\n`);
    const file = join(temp.dir, 'latchkey.db');
    const protectedMode = mode === 'protected';
    const target: RegisterTarget = mode === 'open' ? 'sqlite' : `sqlite-${mode}`;
    const label = `Latchkey SQLite (synchronous=${settings.sqliteSynchronous})${protectedMode ? ', protected + policy' : mode === 'no-metrics' ? ', metrics off' : ''}`;
    const env: Record<string, string> = { LATCHKEY_SQLITE_SYNCHRONOUS: settings.sqliteSynchronous };
    if (mode === 'no-metrics') env['LATCHKEY_METRICS_ENABLED'] = 'false';
    let authorization: string | undefined;
    if (protectedMode) {
      Object.assign(env, { LATCHKEY_REGISTRATION_MODE: 'protected', LATCHKEY_REGISTRATION_POLICIES: benchPolicies });
      authorization = `Bearer ${createInitialAccessToken(`sqlite:${file}`, env)}`;
    }
    const result = await withServer(target, label, () => startLatchkey(target, `sqlite:${file}`, env), {
      beforeStop: scrapeMetrics,
      after: async (run) => {
        const db = new BetterSqlite3(file, { readonly: true });
        try {
          const row = db.prepare('SELECT count(*) AS n FROM clients').get() as { n: number };
          run.rowsStored = row.n;
          if (protectedMode) {
            // Every registration spent one use of the token, in the same commit as its client.
            const spent = db.prepare('SELECT uses FROM initial_access_tokens').get() as { uses: number };
            if (spent.uses !== row.n) run.notes.push(`the token shows ${spent.uses} uses for ${row.n} clients`);
          }
        } finally {
          db.close();
        }
      },
      ...(authorization === undefined ? {} : { authorization }),
    });
    if (temp.warning) result.notes.push(temp.warning);
    return result;
  } finally {
    await temp.remove();
  }
}

/**
 * An unlimited initial access token under the bench policy, created with the CLI as an operator would on a fresh
 * install: `latchkey migrate` creates the database (commands that read it refuse a file that does not exist).
 */
function createInitialAccessToken(databaseUrl: string, env: Record<string, string>): string {
  const loader = settings.latchkeyEntry.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const latchkey = (...args: string[]) =>
    execFileSync(process.execPath, [...loader, settings.latchkeyEntry, ...args, '--database', databaseUrl], { env: cleanEnv(env), cwd: root, encoding: 'utf8' });
  latchkey('migrate');
  return (JSON.parse(latchkey('iat', 'create', '--policy', 'bench', '--json')) as { token: string }).token;
}

async function runPostgres(): Promise<RunResult | Skipped> {
  const label = 'Latchkey PostgreSQL';
  const { database, skipped } = await createPostgresDatabase(settings.postgresUrl);
  if (!database) return { target: 'postgres', label, skipped: skipped ?? 'PostgreSQL is unavailable' };
  try {
    const { server_version: version, fsync, synchronous_commit: syncCommit } = database.settings;
    process.stdout.write(`  database ${database.name} on ${redact(settings.postgresUrl)} (PostgreSQL ${version}, fsync=${fsync}, synchronous_commit=${syncCommit})\n`);
    const result = await withServer('postgres', label, () => startLatchkey('postgres', database.url, {}), {
      beforeStop: scrapeMetrics,
      after: async (run) => {
        run.rowsStored = await database.count('clients');
      },
      // A PostgreSQL on this machine: its backends' CPU is part of the run, not a disturbance.
      databaseProcess: 'postgres',
    });
    if (fsync !== 'on' || syncCommit === 'off') result.notes.push(`PostgreSQL runs with fsync=${fsync}, synchronous_commit=${syncCommit}: commits are not durable`);
    return result;
  } finally {
    await database.drop();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report.

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

/**
 * Open SQLite's req/s over the same load without metrics, and its server CPU per request over the other's, each
 * taken within a round (median over the rounds); undefined without a round that ran both.
 */
function metricsCost(runs: readonly RunResult[]): { ratio: number; each: number[]; cpuPerRequestRatio: number | null } | undefined {
  const found = sameRoundRatio(runs, 'sqlite', 'sqlite-no-metrics');
  if (!found) return undefined;
  const cpu = sameRoundRatio(runs, 'sqlite', 'sqlite-no-metrics', (run) => (run.cpu.server === null || run.reqPerSec === 0 ? null : run.cpu.server / run.reqPerSec));
  return { ...found, cpuPerRequestRatio: cpu?.ratio ?? null };
}

/** The checks of one target, `result` being its run of median req/s and `runs` every run of every round. */
function checksFor(result: RunResult, runs: readonly RunResult[]): Check[] {
  if (result.target === 'baseline') return [];
  // The peer's ratios are Latchkey's checks; its own run only has to be valid.
  if (result.target === peerTarget) {
    return [{ name: `${peerTarget}: non-2xx = 0`, pass: result.non2xx === 0 && result.errors === 0, detail: `${result.non2xx} non-2xx, ${result.errors} errors` }];
  }
  if (result.target === 'sqlite-no-metrics') {
    const { minRatioOnToOff } = targets['sqlite-no-metrics'];
    const checks: Check[] = [
      { name: 'no-metrics: non-2xx = 0', pass: result.non2xx === 0 && result.errors === 0, detail: `${result.non2xx} non-2xx, ${result.errors} errors` },
      { name: 'no-metrics: GET /metrics is 404', pass: result.metrics?.status === 404, detail: `answered ${result.metrics?.status ?? 'nothing'}` },
    ];
    const cost = metricsCost(runs);
    if (cost) {
      const { ratio, cpuPerRequestRatio } = cost;
      checks.push({
        name: `metrics on ≥ ${minRatioOnToOff}× metrics off req/s`,
        pass: ratio >= minRatioOnToOff,
        detail:
          `${ratio.toFixed(3)}×${cpuPerRequestRatio === null ? '' : ` (server CPU per request ${cpuPerRequestRatio.toFixed(3)}× off's)`}` +
          roundRatios(cost),
      });
    }
    return checks;
  }
  if (result.target === 'sqlite-protected') {
    const { minRatioOfOpen } = targets['sqlite-protected'];
    const checks: Check[] = [{ name: 'protected: non-2xx = 0', pass: result.non2xx === 0 && result.errors === 0, detail: `${result.non2xx} non-2xx, ${result.errors} errors` }];
    const ofOpen = sameRoundRatio(runs, 'sqlite-protected', 'sqlite');
    if (ofOpen) {
      checks.push({
        name: `protected: ≥ ${minRatioOfOpen}× open SQLite req/s`,
        pass: ofOpen.ratio >= minRatioOfOpen,
        detail: `${ofOpen.ratio.toFixed(2)}×${roundRatios(ofOpen)}`,
      });
    }
    return checks;
  }
  const goal = targets[result.target];
  const name = result.target;
  const checks: Check[] = [];
  checks.push({ name: `${name}: non-2xx = 0`, pass: result.non2xx === 0 && result.errors === 0, detail: `${result.non2xx} non-2xx, ${result.errors} errors` });
  const ofBaseline = sameRoundRatio(runs, name, 'baseline');
  if (ofBaseline) {
    checks.push({
      name: `${name}: ≥ ${goal.minRatio}× baseline req/s`,
      pass: ofBaseline.ratio >= goal.minRatio,
      detail: `${ofBaseline.ratio.toFixed(2)}×${roundRatios(ofBaseline)}`,
    });
  }
  if (goal.maxP99Ms !== undefined) {
    checks.push({ name: `${name}: p99 ≤ ${goal.maxP99Ms} ms`, pass: result.p99Ms <= goal.maxP99Ms, detail: `${result.p99Ms} ms` });
  }
  if (result.maxRssMiB !== null) {
    checks.push({ name: `${name}: max RSS ≤ ${goal.maxRssMiB} MiB`, pass: result.maxRssMiB <= goal.maxRssMiB, detail: `${result.maxRssMiB.toFixed(1)} MiB` });
  }
  if (result.target === 'sqlite' && result.metrics) {
    // The counter sees every 201 the server sent, including those still in flight when autocannon stopped counting.
    const { status, hasRequestCounter, registered201 } = result.metrics;
    const counted = registered201 ?? 0;
    checks.push({
      name: `${name}: GET /metrics counted the load`,
      pass: status === 200 && hasRequestCounter && counted >= (result.answered2xx ?? 0),
      detail: status === 200 ? `${counted} POST ${registrationPath} 201s counted for ${result.answered2xx ?? '?'} answered` : `answered ${status}`,
    });
  }
  if (result.rowsStored !== undefined && result.answered2xx !== undefined) {
    // autocannon stops counting at the deadline while up to `connections` requests are still in flight, so a
    // few more rows than counted answers is expected; fewer would mean a 201 without a stored client.
    checks.push({
      name: `${name}: every 201 stored`,
      pass: result.rowsStored >= result.answered2xx,
      detail: `${result.rowsStored} rows for ${result.answered2xx} counted 201s`,
    });
  }
  return checks;
}


/** The JSON fields of the metrics comparison: open SQLite (metrics on) over this run (metrics off). */
function metricsCostJson(cost: { ratio: number; each: number[]; cpuPerRequestRatio: number | null }) {
  return {
    ratioMetricsOnToOff: round(cost.ratio, 3),
    ...(cost.each.length > 1 ? { roundRatiosMetricsOnToOff: cost.each.map((ratio) => round(ratio, 3)) } : {}),
    serverCpuPerRequestOnToOff: cost.cpuPerRequestRatio === null ? null : round(cost.cpuPerRequestRatio, 3),
  };
}

/**
 * The table, the checks and the JSON line. `all` holds every run of every round; each target's row is its run of
 * median req/s, and each ratio the median of the ratios within a round.
 */
function report(all: (RunResult | Skipped)[]): void {
  const runs = all.filter((result): result is RunResult => !('skipped' in result));
  const results = settings.targets.flatMap((target) => summaryOf<RunResult, Skipped>(all.filter((result) => result.target === target)) ?? []);
  const summary = results.filter((result): result is RunResult => !('skipped' in result));
  const baseline = summary.find((result) => result.target === 'baseline');
  const ratioOf = (result: RunResult) => sameRoundRatio(runs, result.target, 'baseline')?.ratio;

  const rounds = settings.rounds > 1 ? `; ${settings.rounds} rounds, each row the run of median req/s, each ratio the median of the ratios within a round` : '';
  process.stdout.write(`\nResults (${settings.connections} connections, ${settings.duration} s after ${settings.warmup} s warm-up, ${settings.body} bodies${rounds})\n\n`);
  const rows: string[][] = [
    ['target', 'req/s', 'p50 ms', 'p99 ms', 'p99.9 ms', 'non-2xx', 'errors', 'max RSS MiB', 'server CPU', 'CPU µs/req', 'vs baseline', `vs ${peerTarget}`],
  ];
  for (const result of results) {
    if ('skipped' in result) {
      rows.push([result.label, 'skipped', '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    const ratio = ratioOf(result);
    const toPeer = ratioToPeer(result, runs);
    const perRequest = cpuMicrosPerRequest(result);
    rows.push([
      result.label,
      Math.round(result.reqPerSec).toString(),
      result.p50Ms.toFixed(1),
      result.p99Ms.toFixed(1),
      result.p999Ms.toFixed(1),
      result.non2xx.toString(),
      result.errors.toString(),
      result.maxRssMiB === null ? 'n/a' : result.maxRssMiB.toFixed(1),
      result.cpu.server === null ? 'n/a' : `${Math.round(result.cpu.server * 100)}%`,
      perRequest === null ? 'n/a' : Math.round(perRequest).toString(),
      result.target === 'baseline' ? '1.00×' : ratio === undefined ? 'n/a' : `${ratio.toFixed(2)}×`,
      result.target === peerTarget ? '1.00×' : toPeer === undefined ? '' : `${toPeer.toFixed(2)}×`,
    ]);
  }
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(
    '(max RSS: VmRSS of the server sampled every 100 ms over warm-up and run; server CPU: share of one core during the run; ' +
      'CPU µs/req: server CPU time per answered request)\n',
  );
  if (runs.some((result) => result.target === peerTarget)) {
    process.stdout.write(`(${peer.label}: ${peer.adapter}; open registration at POST ${registrationPath}, the same bodies as Latchkey's)\n`);
  }

  for (const result of results) {
    if ('skipped' in result) process.stdout.write(`\n${result.label}: the PostgreSQL run was skipped (${result.skipped}).\n`);
  }

  const open = summary.find((result) => result.target === 'sqlite');
  const toPeer = peerRatios(runs, targets.peer);
  const checks = [
    ...summary.flatMap((result) => checksFor(result, runs)),
    ...toPeer.map((found) => ({ name: `${found.target}: ≥ ${found.goal}× ${peerTarget} req/s`, pass: found.pass, detail: `${found.ratio.toFixed(2)}×${roundRatios(found)}` })),
  ];
  if (checks.length > 0) {
    process.stdout.write('\nTargets (2-core machine)\n');
    for (const check of checks) process.stdout.write(`  ${check.pass ? '✓' : '✗'} ${check.name.padEnd(40)} ${check.detail}\n`);
    if (!baseline) process.stdout.write('  (no baseline run: the req/s ratios are not checked; drop BENCH_ONLY or add baseline to it)\n');
    if (toPeer.length === 0) process.stdout.write(`  (no ${peerTarget} run beside Latchkey: the peer ratios are not checked; drop BENCH_ONLY or add ${peerTarget} to it)\n`);
  }
  for (const result of runs) {
    for (const note of result.notes) process.stdout.write(`  note (${result.target}${settings.rounds > 1 ? `, round ${(result.round ?? 0) + 1}` : ''}): ${note}\n`);
  }
  const failed = checks.filter((check) => !check.pass);
  process.stdout.write(
    checks.length === 0 ? '\n' : failed.length === 0 ? '\nAll targets met.\n\n' : `\n${failed.length} of ${checks.length} target(s) missed (a measurement: the exit code stays 0).\n\n`,
  );

  const json = {
    bench: 'register',
    date: new Date().toISOString(),
    node: process.version,
    cpus: machineCores,
    cpuModel: cpus()[0]?.model ?? null,
    connections: settings.connections,
    durationSeconds: settings.duration,
    warmupSeconds: settings.warmup,
    rounds: settings.rounds,
    body: settings.body,
    sqliteSynchronous: settings.sqliteSynchronous,
    ...(settings.latchkeyEntry ? { latchkeyEntry: settings.latchkeyEntry } : {}),
    ...(settings.nodeFlags.length > 0 ? { nodeFlags: settings.nodeFlags } : {}),
    results: results.map((result) =>
      'skipped' in result
        ? { target: result.target, skipped: result.skipped }
        : {
            target: result.target,
            ...measuredJson(result),
            ratio: result.target === 'baseline' ? 1 : ratioOf(result) === undefined ? null : round(ratioOf(result)!, 3),
            ...(ratioToPeer(result, runs) === undefined ? {} : { ratioToPeer: round(ratioToPeer(result, runs)!, 3) }),
            ...(settings.rounds > 1 ? { roundsReqPerSec: runs.filter((run) => run.target === result.target).map((run) => round(run.reqPerSec, 1)) } : {}),
            ...(result.target === 'sqlite-protected' && open ? { ratioOfOpen: round(sameRoundRatio(runs, 'sqlite-protected', 'sqlite')?.ratio ?? 0, 3) } : {}),
            ...(result.target === 'sqlite-no-metrics' && metricsCost(runs) ? metricsCostJson(metricsCost(runs)!) : {}),
            ...(result.metrics ? { metrics: result.metrics } : {}),
            ...(result.rowsStored === undefined ? {} : { rowsStored: result.rowsStored, answered2xx: result.answered2xx }),
          },
    ),
    checks: checks.map((check) => ({ name: check.name, pass: check.pass, value: check.detail })),
    peer: {
      target: peerTarget,
      name: peer.name,
      version: peer.version,
      adapter: peer.adapter,
      ratios: Object.fromEntries(toPeer.map(({ target, ratio }) => [target, round(ratio, 3)])),
      ...(settings.rounds > 1 ? { roundRatios: Object.fromEntries(toPeer.map(({ target, each }) => [target, each.map((ratio) => round(ratio, 3))])) } : {}),
    },
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  installExitHandlers();
  const cores = machineCores;
  process.stdout.write(
    `Registration benchmark: POST ${registrationPath}, ${settings.connections} connections, ${settings.warmup} s warm-up + ${settings.duration} s per target; ` +
      `${cores} CPU(s), Node ${process.version}\n`,
  );
  if (cores !== 2) process.stdout.write(`(the targets are for a 2-core machine; this one has ${cores})\n`);
  process.stdout.write(`Latchkey runs from ${settings.latchkeyEntry}${settings.latchkeyEntry.endsWith('.ts') ? ' through tsx' : ' with plain node'}\n`);
  if (settings.nodeFlags.length > 0) process.stdout.write(`Latchkey runs with node flags ${settings.nodeFlags.join(' ')} (BENCH_NODE_FLAGS)\n`);
  if (settings.cpuProfDir) process.stdout.write(`CPU profiles of the Latchkey servers go to ${settings.cpuProfDir}\n`);

  const results: (RunResult | Skipped)[] = [];
  for (let round = 0; round < settings.rounds; round++) {
    if (settings.rounds > 1) process.stdout.write(`\n■ round ${round + 1} of ${settings.rounds}\n`);
    for (const target of rotated(settings.targets, round)) {
      process.stdout.write(`\n▶ ${target}\n`);
      let result: RunResult | Skipped;
      if (target === 'baseline') result = await runBaseline();
      else if (target === peerTarget) result = await runPeer();
      else if (target === 'sqlite') result = await runSqlite();
      else if (target === 'sqlite-no-metrics') result = await runSqlite('no-metrics');
      else if (target === 'sqlite-protected') result = await runSqlite('protected');
      else {
        result = await runPostgres();
        if ('skipped' in result) process.stdout.write(`  the PostgreSQL run was skipped: ${result.skipped}\n`);
      }
      if (!('skipped' in result)) result.round = round;
      results.push(result);
    }
  }
  report(results);
}

runBench(main);
