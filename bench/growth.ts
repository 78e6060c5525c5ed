/**
 * `npm run bench -- growth`: what a million clients and a million stored grants cost (issue 18 item 5, issue 15
 * item 5), each figure a ratio to an empty database measured in the same run, on SQLite and PostgreSQL.
 *
 * Per database, a template is seeded once through Latchkey's storage code (bench/growth-seed.ts: clients with
 * their `client.registered` events, last uses, grants with live refresh tokens; progress on stderr), and an empty
 * template is migrated beside it (with the same administrator). Every measurement gets its own copy of a template
 * (SQLite: the checkpointed file copied; PostgreSQL: `CREATE DATABASE … TEMPLATE …`):
 *
 *   1. registration: the built server (pinned as the other benchmarks pin it, log level warn, the periodic
 *      cleanup off so it does not sweep during the load) under autocannon, warm-up then measured run; req/s, p99,
 *      max RSS, and per registration the bytes written to disk and the fsyncs of the server (`/proc/<pid>/io`,
 *      `perf stat` on the fsync tracepoints), or PostgreSQL's WAL bytes and syncs (`pg_stat_wal`, server-wide);
 *   2. on a second copy and server: the operator pages one request at a time (`/admin/clients?q=cursor` and
 *      `/admin`), then refresh with rotation on fresh refresh tokens (as bench/token.ts); then, the server stopped,
 *      `latchkey gc` as a process with nothing to delete (`cleanup.unusedAfter` at its maximum, one year), its wall
 *      time minus that of `latchkey --version`;
 *   3. on a third copy, in this process: batches of the cleanup of unused clients (`deleteUnusedClients` through
 *      `cleanUpClients`, 500 a batch) over the backlog of never-used clients older than a day, timed one by one;
 *      the sweep of a 1,000,000 backlog is estimated from the mean batch;
 *   and the size of the database (the SQLite file; `pg_database_size`) and its bytes per client.
 *
 * Targets (issue 18): registration and refresh ≥ 0.90 of empty, p99 ≤ 1.5× empty, pages ≤ 100 ms (p99 of the
 * sequential requests), a 1M backlog swept in ≤ 2 minutes. Missing one is reported, not an error.
 *
 * Environment:
 *   BENCH_GROWTH_CLIENTS=1000000   clients seeded (100000 for a quick run)
 *   BENCH_GROWTH_GRANTS            grants with a refresh token seeded (default: as many as clients)
 *   BENCH_GROWTH_SWEEP_BATCHES=200 cleanup batches timed (10 were biased by the copy's cold start: on SQLite at 1M
 *                                  their mean was 15 ms, that of 200 was 5 ms; the whole sweep: bench/cleanup-scale.ts)
 *   BENCH_GROWTH_PAGE_SAMPLES=20   sequential requests per page (after 3 untimed)
 *   BENCH_GROWTH_GC_RUNS=3         `latchkey gc` runs (the median counts)
 *   BENCH_GROWTH_ROUNDS=1          rounds of every measurement, empty and grown alternating, each on fresh copies;
 *                                  every figure is the median of the rounds (errors: the most of any round). One
 *                                  10 s run per figure moves by ±15% on a shared machine: use 3 to decide a target
 *   BENCH_GROWTH_KEEP=<dir>        keep the templates (SQLite files and their seed records in <dir>, PostgreSQL
 *                                  databases `latchkey_growth_<clients>_<grants>`) and reuse them when the counts
 *                                  match; a reused template is migrated to the current schema first. Unset: every
 *                                  run seeds anew and removes what it made
 *   BENCH_DURATION=10, BENCH_WARMUP=3, BENCH_CONNECTIONS=50, BENCH_ONLY=sqlite,postgres, BENCH_TMPDIR,
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL, BENCH_LATCHKEY_ENTRY, BENCH_NODE_FLAGS: as for the other benchmarks
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type autocannon from 'autocannon';
import { cleanUpClients } from '../src/cleanup/clean-up-clients.js';
import { withAuditTrail } from '../src/cli/command-support.js';
import { loadConfig } from '../src/config/load.js';
import type { ClientCleanupStore } from '../src/ports/cleanup.js';
import { openStorage } from '../src/storage/open-storage.js';
import {
  checkpointSqlite,
  clonePostgres,
  copySqlite,
  countSyncs,
  mintRefreshTokens,
  readIo,
  readPgWal,
  refreshLoad,
  registerRefreshClient,
  registrationLoad,
  seedGrowth,
  seedUsers,
  signIn,
  withPg,
  type GrowthSeed,
} from './growth-seed.js';
import {
  buildUnlessGiven,
  busyMachine,
  cleanEnv,
  cpuSnapshot,
  cpuUsage,
  createPostgresDatabase,
  envList,
  envNumber,
  installExitHandlers,
  machineCores,
  MiB,
  onCleanup,
  pinning,
  redact,
  root,
  round,
  runBench,
  sampleRss,
  spawnServer,
  table,
  tempDir,
  type ServerProcess,
} from './support.js';

buildUnlessGiven();

const clients = Math.round(envNumber('BENCH_GROWTH_CLIENTS', 1_000_000, 1));
const settings = {
  clients,
  grants: Math.round(envNumber('BENCH_GROWTH_GRANTS', clients, 0)),
  sweepBatches: Math.round(envNumber('BENCH_GROWTH_SWEEP_BATCHES', 200, 1)),
  pageSamples: Math.round(envNumber('BENCH_GROWTH_PAGE_SAMPLES', 20, 1)),
  gcRuns: Math.round(envNumber('BENCH_GROWTH_GC_RUNS', 3, 1)),
  rounds: Math.round(envNumber('BENCH_GROWTH_ROUNDS', 1, 1)),
  duration: envNumber('BENCH_DURATION', 10, 1),
  warmup: envNumber('BENCH_WARMUP', 3, 0),
  connections: Math.round(envNumber('BENCH_CONNECTIONS', 50, 1)),
  postgresUrl: process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
  latchkeyEntry: process.env['BENCH_LATCHKEY_ENTRY'] ? resolve(process.env['BENCH_LATCHKEY_ENTRY']) : join(root, 'dist/cli/main.js'),
  nodeFlags: (process.env['BENCH_NODE_FLAGS'] ?? '').split(/\s+/).filter(Boolean),
  targets: envList('BENCH_ONLY', ['sqlite', 'postgres'] as const),
  keepDir: process.env['BENCH_GROWTH_KEEP'] ? resolve(process.env['BENCH_GROWTH_KEEP']) : undefined,
};
const defaults = loadConfig({});
const backlog1M = 1_000_000;

// ---------------------------------------------------------------------------------------------------------
// What is measured on one copy of a template.

type Dialect = 'sqlite' | 'postgres';

/** A seeded (or empty) database to copy from. */
interface Template {
  dialect: Dialect;
  clients: number;
  admin: GrowthSeed['admin'];
  sizeBytes: number;
  /** A fresh copy, and how to remove it. */
  copy(name: string): Promise<{ url: string; remove: () => Promise<void> }>;
}

interface LoadFigures {
  reqPerSec: number;
  p99Ms: number;
  non2xx: number;
  maxRssMiB: number | null;
  serverCpu: number | null;
  /** CPU cores other processes used during the run: above {@link busyMachine}, the figures are disturbed. */
  othersCpu: number | null;
  /** Per answered request: the server's bytes to disk and fsyncs (SQLite), or the WAL's bytes and syncs (PostgreSQL). */
  writeBytes: number | null;
  syncs: number | null;
}

interface PageFigures {
  p50Ms: number;
  p99Ms: number;
  non200: number;
}

interface Figures {
  registration: LoadFigures;
  refresh: LoadFigures;
  search: PageFigures;
  overview: PageFigures;
  /** `latchkey gc` with nothing to delete, minus `latchkey --version`. */
  gcSeconds: number;
  sweep: { batches: number; deleted: number; meanMs: number; maxMs: number };
  sizeBytes: number;
  clients: number;
}

function startServer(databaseUrl: string): Promise<ServerProcess> {
  return spawnServer({
    args: [settings.latchkeyEntry, 'serve', '--host', '127.0.0.1', '--port', '{port}', '--database', databaseUrl, '--log-level', 'warn'],
    env: cleanEnv({ LATCHKEY_REGISTRATION_RATE_LIMIT: 'false', LATCHKEY_TOKEN_RATE_LIMIT: 'false', LATCHKEY_CLEANUP: 'false' }),
    readyPath: '/healthz',
    nodeFlags: settings.nodeFlags,
    tsx: settings.latchkeyEntry.endsWith('.ts'),
    cwd: root,
    timeoutMs: 120_000,
  });
}

/** Warm-up, then the measured run with the disk or WAL counters read around it. */
async function measureLoad(server: ServerProcess, dialect: Dialect, databaseUrl: string, load: (seconds: number) => Promise<autocannon.Result>): Promise<LoadFigures> {
  const rss = sampleRss(server.pid, 100);
  try {
    if (settings.warmup > 0) await load(settings.warmup);
    const io = dialect === 'sqlite' ? await readIo(server.pid) : undefined;
    const wal = dialect === 'postgres' ? await readPgWal(databaseUrl) : undefined;
    const syncs = dialect === 'sqlite' ? countSyncs(server.pid) : undefined;
    const cpu = await cpuSnapshot([server.pid, process.pid], dialect === 'postgres' ? 'postgres' : undefined);
    const result = await load(settings.duration);
    const usage = cpuUsage(cpu, await cpuSnapshot([server.pid, process.pid], dialect === 'postgres' ? 'postgres' : undefined));
    const used = usage.processes.get(server.pid) ?? null;
    const syncCount = (await syncs?.stop()) ?? null;
    const answered = Math.max(1, result['2xx']);
    let writeBytes: number | null = null;
    let syncsPer: number | null = null;
    if (dialect === 'sqlite') {
      const after = await readIo(server.pid);
      if (io && after) writeBytes = (after.writeBytes - io.writeBytes) / answered;
      if (syncCount !== null) syncsPer = syncCount / answered;
    } else {
      const after = await readPgWal(databaseUrl);
      if (wal && after) {
        writeBytes = (after.walBytes - wal.walBytes) / answered;
        syncsPer = (after.walSync - wal.walSync) / answered;
      }
    }
    const maxRss = rss.max();
    return { reqPerSec: result.requests.average, p99Ms: result.latency.p99, non2xx: result.non2xx + result.errors, maxRssMiB: maxRss > 0 ? maxRss / MiB : null, serverCpu: used, othersCpu: usage.others ?? null, writeBytes, syncs: syncsPer };
  } finally {
    rss.stop();
  }
}

/** Runs `work` with a server on `url`, always stopped afterwards. */
async function withServer<T>(url: string, work: (server: ServerProcess) => Promise<T>): Promise<T> {
  const server = await startServer(url);
  const stop = onCleanup(() => server.stop());
  try {
    return await work(server);
  } finally {
    await stop();
  }
}

/** Nearest-rank p50 and p99 of `samples` sequential GETs, after three untimed ones. */
async function measurePage(get: (path: string) => Promise<{ status: number }>, path: string): Promise<PageFigures> {
  for (let n = 0; n < 3; n++) await get(path);
  const times: number[] = [];
  let non200 = 0;
  for (let n = 0; n < settings.pageSamples; n++) {
    const started = performance.now();
    const { status } = await get(path);
    times.push(performance.now() - started);
    if (status !== 200) non200++;
  }
  times.sort((a, b) => a - b);
  const at = (fraction: number) => times[Math.min(times.length - 1, Math.ceil(fraction * times.length) - 1)]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), non200 };
}

/** Median wall time of `runs` runs of the CLI with `args`, in seconds. */
function cliSeconds(args: string[], env: NodeJS.ProcessEnv): number {
  const times = Array.from({ length: settings.gcRuns }, () => {
    const started = performance.now();
    execFileSync(process.execPath, [settings.latchkeyEntry, ...args], { env, stdio: 'ignore', cwd: root });
    return (performance.now() - started) / 1000;
  });
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

/** `latchkey gc` with nothing to delete (unused clients kept a year), minus Node's and the CLI's start-up. */
function gcSeconds(databaseUrl: string): number {
  const env = cleanEnv({ LATCHKEY_CLEANUP_UNUSED_AFTER: '31536000' });
  const startup = cliSeconds(['--version'], env);
  return cliSeconds(['gc', '--database', databaseUrl], env) - startup;
}

/** Times `sweepBatches` batches of the cleanup of unused clients as the server runs it (`cleanUpClients`), then stops. */
async function sweep(databaseUrl: string): Promise<Figures['sweep']> {
  const storage = await openStorage({ url: databaseUrl, sqliteSynchronous: defaults.database.sqliteSynchronous, poolSize: 10 });
  const close = onCleanup(() => storage.close());
  const times: number[] = [];
  let deleted = 0;
  try {
    let batches = 0;
    // The store stops answering after the timed batches: cleanUpClients ends at the first short batch.
    const limited: ClientCleanupStore = {
      ...storage.cleanup,
      deleteUnusedClients: async (criteria, limit, cursor) => {
        if (batches++ >= settings.sweepBatches) return [];
        const started = performance.now();
        const rows = await storage.cleanup.deleteUnusedClients(criteria, limit, cursor);
        times.push(performance.now() - started);
        deleted += rows.length;
        return rows;
      },
    };
    await withAuditTrail(storage, (audit) => cleanUpClients({ cleanup: limited, config: defaults, clock: { now: () => Date.now() }, audit }));
  } finally {
    await close();
  }
  return { batches: times.length, deleted, meanMs: times.reduce((sum, time) => sum + time, 0) / times.length, maxMs: Math.max(...times) };
}

/** Every figure of one template, each measurement on a copy of its own. */
async function measureTemplate(template: Template, name: string): Promise<Figures> {
  const { dialect } = template;
  const say = (line: string) => process.stdout.write(`  ${name}: ${line}\n`);

  const first = await template.copy(`${name}-register`);
  let registration: LoadFigures;
  try {
    registration = await withServer(first.url, (server) => measureLoad(server, dialect, first.url, (seconds) => registrationLoad(server.address, seconds, settings.connections)));
  } finally {
    await first.remove();
  }
  say(`registration ${Math.round(registration.reqPerSec)} req/s, p99 ${registration.p99Ms} ms`);

  const second = await template.copy(`${name}-pages`);
  try {
    const { search, overview, refresh } = await withServer(second.url, async (server) => {
      const get = await signIn(server.address, template.admin.username, template.admin.password);
      const search = await measurePage(get, '/admin/clients?q=cursor');
      const overview = await measurePage(get, '/admin');
      const clientId = await registerRefreshClient(server.address);
      const tokens = await mintRefreshTokens(second.url, clientId, 4 * settings.connections);
      const perRun = 2 * settings.connections;
      let run = 0;
      const refresh = await measureLoad(server, dialect, second.url, (seconds) => refreshLoad(server.address, seconds, settings.connections, tokens.slice(perRun * run, perRun * ++run), clientId));
      return { search, overview, refresh };
    });
    say(`search p99 ${search.p99Ms.toFixed(1)} ms, overview p99 ${overview.p99Ms.toFixed(1)} ms, refresh ${Math.round(refresh.reqPerSec)} req/s`);
    const gc = gcSeconds(second.url);
    say(`gc ${gc.toFixed(2)} s`);

    const third = await template.copy(`${name}-sweep`);
    let swept: Figures['sweep'];
    try {
      swept = await sweep(third.url);
    } finally {
      await third.remove();
    }
    say(`cleanup ${swept.meanMs.toFixed(0)} ms per batch (${swept.deleted} deleted in ${swept.batches} batches)`);
    return { registration, refresh, search, overview, gcSeconds: gc, sweep: swept, sizeBytes: template.sizeBytes, clients: template.clients };
  } finally {
    await second.remove();
  }
}

// ---------------------------------------------------------------------------------------------------------
// Templates.

/** Seeds (or, with 0 clients, only migrates and adds the administrator to) the database at `url`, then closes it. */
async function fill(url: string, clientCount: number): Promise<GrowthSeed> {
  const storage = await openStorage({ url, sqliteSynchronous: 'normal', poolSize: 10 });
  const close = onCleanup(() => storage.close());
  try {
    await storage.migrate();
    if (clientCount > 0) return await seedGrowth(storage, url, { clients: clientCount, grants: settings.grants });
    const { admin } = await seedUsers(storage);
    return { clients: 0, grants: 0, neverUsed: 0, admin, seconds: { clients: 0, auditEvents: 0, lastUses: 0, grants: 0, total: 0 } };
  } finally {
    await close();
  }
}

/**
 * The seed record of a kept template (see `BENCH_GROWTH_KEEP`), migrated to the current schema, or, when there is
 * none, `fill`'s result, recorded for the next run.
 */
async function keptOrFilled(url: string, recordFile: string | undefined, fill: () => Promise<GrowthSeed>): Promise<GrowthSeed> {
  if (recordFile && existsSync(recordFile)) {
    const seed = JSON.parse(readFileSync(recordFile, 'utf8')) as GrowthSeed;
    process.stdout.write(`  reusing the template seeded earlier (${recordFile}); migrating it\n`);
    const storage = await openStorage({ url, sqliteSynchronous: 'normal', poolSize: 2 });
    try {
      await storage.migrate();
    } finally {
      await storage.close();
    }
    return seed;
  }
  const seed = await fill();
  if (recordFile) writeFileSync(recordFile, JSON.stringify(seed));
  return seed;
}

async function sqliteTemplate(dir: string, name: string, clientCount: number): Promise<{ template: Template; seed: GrowthSeed }> {
  const keep = settings.keepDir && join(settings.keepDir, `sqlite-${clientCount}-${clientCount === 0 ? 0 : settings.grants}`);
  const file = keep ? `${keep}.db` : join(dir, `${name}.db`);
  // A template file without its record is an interrupted seeding: it is seeded anew.
  if (keep && !existsSync(`${keep}.json`)) ['', '-wal', '-shm'].forEach((suffix) => rmSync(`${file}${suffix}`, { force: true }));
  const seed = await keptOrFilled(`sqlite:${file}`, keep && `${keep}.json`, () => fill(`sqlite:${file}`, clientCount));
  checkpointSqlite(file);
  const template: Template = {
    dialect: 'sqlite',
    clients: clientCount,
    admin: seed.admin,
    sizeBytes: statSync(file).size,
    copy: async (copyName) => {
      const to = join(dir, `${copyName}.db`);
      copySqlite(file, to);
      return { url: `sqlite:${to}`, remove: async () => ['', '-wal', '-shm'].forEach((suffix) => rmSync(`${to}${suffix}`, { force: true })) };
    },
  };
  return { template, seed };
}

async function postgresTemplate(clientCount: number): Promise<{ template: Template; seed: GrowthSeed } | { skipped: string }> {
  const grants = clientCount === 0 ? 0 : settings.grants;
  const keepName = settings.keepDir && `latchkey_growth_${clientCount}_${grants}`;
  const { database, skipped } = keepName ? await keptPostgresDatabase(keepName) : await createPostgresDatabase(settings.postgresUrl);
  if (!database) return { skipped: skipped ?? 'PostgreSQL is unavailable' };
  const seed = await keptOrFilled(database.url, keepName && join(settings.keepDir!, `${keepName}.json`), () => fill(database.url, clientCount));
  // Autovacuum would vacuum and analyze the tables within a minute of the inserts: done now, for the steady state.
  const sizeBytes = await withPg(database.url, async (client) => {
    await client.query('VACUUM (ANALYZE)');
    return Number((await client.query<{ size: string }>('SELECT pg_database_size(current_database()) AS size')).rows[0]?.size ?? 0);
  });
  const template: Template = {
    dialect: 'postgres',
    clients: clientCount,
    admin: seed.admin,
    sizeBytes,
    copy: async (copyName) => {
      const clone = await clonePostgres(settings.postgresUrl, database.name, `${database.name}_${copyName.replace(/\W/g, '_')}`);
      return { url: clone.url, remove: clone.drop };
    },
  };
  return { template, seed };
}

/**
 * The kept PostgreSQL template `name` (see `BENCH_GROWTH_KEEP`), created when missing (and its seed record removed,
 * so that it is seeded); never dropped.
 */
async function keptPostgresDatabase(name: string): Promise<{ database?: { name: string; url: string }; skipped?: string }> {
  try {
    await withPg(settings.postgresUrl, async (client) => {
      const exists = (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
      if (!exists) {
        rmSync(join(settings.keepDir!, `${name}.json`), { force: true });
        await client.query(`CREATE DATABASE ${name}`);
      }
    });
  } catch (error) {
    return { skipped: `cannot create a database on ${redact(settings.postgresUrl)}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const url = new URL(settings.postgresUrl);
  url.pathname = `/${name}`;
  return { database: { name, url: url.toString() } };
}

/**
 * Every figure of `runs` as the median of the rounds (the upper one of an even count), field by field; counts of
 * errors (`non2xx`, `non200`) as the most of any round, so that no round's failures are hidden; a figure missing
 * (null) in any round is missing.
 */
function medianOf<T>(runs: T[]): T {
  const values = runs as unknown[];
  const merge = (items: unknown[], key: string): unknown => {
    if (items.some((item) => item === null || item === undefined)) return null;
    if (typeof items[0] === 'number') {
      const numbers = (items as number[]).slice().sort((a, b) => a - b);
      return key.startsWith('non') ? numbers[numbers.length - 1] : numbers[Math.floor(numbers.length / 2)];
    }
    const first = items[0] as Record<string, unknown>;
    return Object.fromEntries(Object.keys(first).map((field) => [field, merge(items.map((item) => (item as Record<string, unknown>)[field]), field)]));
  };
  return merge(values, '') as T;
}

// ---------------------------------------------------------------------------------------------------------
// Report.

interface DatabaseResult {
  dialect: Dialect;
  seed: GrowthSeed;
  grown: Figures;
  empty: Figures;
}

interface Row {
  figure: string;
  grown: string;
  empty: string;
  ratio: number | null;
  /** ✓ or ✗ with the target, or empty when the figure has none. */
  check: { pass: boolean; target: string } | undefined;
}

const ms = (value: number) => `${value.toFixed(1)} ms`;
const perReq = (value: number | null, unit: string) => (value === null ? 'n/a' : `${value.toFixed(unit === 'B' ? 0 : 2)} ${unit}`);
const ratioOf = (grown: number | null, empty: number | null) => (grown === null || empty === null || empty === 0 ? null : grown / empty);

function rowsFor({ dialect, grown, empty }: DatabaseResult): Row[] {
  const bytesLabel = dialect === 'sqlite' ? 'bytes to disk' : 'WAL bytes';
  const syncLabel = dialect === 'sqlite' ? 'fsyncs' : 'WAL syncs';
  // Per client deleted: on SQLite the sweep sizes its batches to their cost, so a batch deletes fewer than
  // cleanup.batchSize when its clients cost more.
  const sweepSeconds = grown.sweep.deleted > 0 ? (grown.sweep.meanMs * grown.sweep.batches * (backlog1M / grown.sweep.deleted)) / 1000 : Number.POSITIVE_INFINITY;
  const rows: Row[] = [];
  for (const load of ['registration', 'refresh'] as const) {
    const g = grown[load];
    const e = empty[load];
    const ratio = g.reqPerSec / e.reqPerSec;
    rows.push({ figure: `${load} req/s`, grown: String(Math.round(g.reqPerSec)), empty: String(Math.round(e.reqPerSec)), ratio, check: { pass: ratio >= 0.9, target: '≥ 0.90' } });
    const p99 = g.p99Ms / e.p99Ms;
    rows.push({ figure: `${load} p99`, grown: `${g.p99Ms} ms`, empty: `${e.p99Ms} ms`, ratio: p99, check: { pass: p99 <= 1.5, target: '≤ 1.5×' } });
    rows.push({ figure: `${load}: server CPU`, grown: perReq(g.serverCpu, 'cores'), empty: perReq(e.serverCpu, 'cores'), ratio: ratioOf(g.serverCpu, e.serverCpu), check: undefined });
    rows.push({ figure: `${load}: other processes' CPU`, grown: perReq(g.othersCpu, 'cores'), empty: perReq(e.othersCpu, 'cores'), ratio: null, check: undefined });
    rows.push({ figure: `${load}: max RSS`, grown: perReq(g.maxRssMiB, 'MiB'), empty: perReq(e.maxRssMiB, 'MiB'), ratio: ratioOf(g.maxRssMiB, e.maxRssMiB), check: undefined });
    rows.push({ figure: `${load}: ${bytesLabel} per request`, grown: perReq(g.writeBytes, 'B'), empty: perReq(e.writeBytes, 'B'), ratio: ratioOf(g.writeBytes, e.writeBytes), check: undefined });
    rows.push({ figure: `${load}: ${syncLabel} per request`, grown: perReq(g.syncs, ''), empty: perReq(e.syncs, ''), ratio: ratioOf(g.syncs, e.syncs), check: undefined });
  }
  rows.push({
    figure: `cleanup, per batch of ≤ ${defaults.cleanup.batchSize} (max)`,
    grown: `${ms(grown.sweep.meanMs)} (${ms(grown.sweep.maxMs)})`,
    empty: `${ms(empty.sweep.meanMs)} (${ms(empty.sweep.maxMs)})`,
    ratio: grown.sweep.meanMs / empty.sweep.meanMs,
    check: { pass: sweepSeconds <= 120, target: `1M backlog ≈ ${Math.round(sweepSeconds)} s ≤ 120 s (${grown.sweep.deleted} deleted in ${grown.sweep.batches} batches)` },
  });
  rows.push({ figure: '`latchkey gc`, nothing to delete', grown: `${grown.gcSeconds.toFixed(2)} s`, empty: `${empty.gcSeconds.toFixed(2)} s`, ratio: grown.gcSeconds / empty.gcSeconds, check: undefined });
  for (const page of ['search', 'overview'] as const) {
    const g = grown[page];
    const e = empty[page];
    rows.push({
      figure: page === 'search' ? '/admin/clients?q=cursor p50 (p99)' : '/admin overview p50 (p99)',
      grown: `${ms(g.p50Ms)} (${ms(g.p99Ms)})`,
      empty: `${ms(e.p50Ms)} (${ms(e.p99Ms)})`,
      ratio: g.p50Ms / e.p50Ms,
      check: { pass: g.p99Ms <= 100 && g.non200 === 0, target: `p99 ≤ 100 ms${g.non200 > 0 ? `, ${g.non200} not 200` : ''}` },
    });
  }
  rows.push({
    figure: 'database size (bytes per client)',
    grown: `${(grown.sizeBytes / MiB).toFixed(0)} MiB (${Math.round(grown.sizeBytes / grown.clients)})`,
    empty: `${(empty.sizeBytes / MiB).toFixed(1)} MiB`,
    ratio: null,
    check: undefined,
  });
  return rows;
}

function report(results: DatabaseResult[], skipped: { dialect: Dialect; reason: string }[]): void {
  for (const result of results) {
    const { seed } = result;
    process.stdout.write(
      `\n${result.dialect}: ${seed.clients.toLocaleString('en-US')} clients (${seed.neverUsed.toLocaleString('en-US')} never used), ${seed.grants.toLocaleString('en-US')} grants with a refresh token; ` +
        `seeded in ${seed.seconds.total.toFixed(0)} s (${Math.round(seed.clients / seed.seconds.total).toLocaleString('en-US')} clients/s with everything; ` +
        `clients ${seed.seconds.clients.toFixed(0)} s, events ${seed.seconds.auditEvents.toFixed(0)} s, last uses ${seed.seconds.lastUses.toFixed(0)} s, grants ${seed.seconds.grants.toFixed(0)} s)\n\n`,
    );
    const rows = rowsFor(result);
    process.stdout.write(
      `${table([
        [`${result.dialect}, at ${seed.clients.toLocaleString('en-US')} clients`, 'at N', 'empty', 'ratio', 'target'],
        ...rows.map((row) => [row.figure, row.grown, row.empty, row.ratio === null ? '' : row.ratio.toFixed(2), row.check ? `${row.check.pass ? '✓' : '✗'} ${row.check.target}` : '']),
      ])}\n`,
    );
  }
  for (const result of results) {
    for (const [name, figures] of [['at N', result.grown], ['empty', result.empty]] as const) {
      for (const load of ['registration', 'refresh'] as const) {
        const others = figures[load].othersCpu;
        if (others !== null && others > busyMachine) process.stdout.write(`  note (${result.dialect} ${name} ${load}): other processes used ${others.toFixed(2)} cores: the machine was not quiet\n`);
      }
    }
  }
  for (const { dialect, reason } of skipped) process.stdout.write(`\n${dialect}: skipped (${reason})\n`);
  process.stdout.write(
    `\n(${settings.rounds > 1 ? `median of ${settings.rounds} rounds, empty and grown alternating; ` : 'one round: a figure moves by ±15% between runs; '}${settings.connections} connections, ${settings.warmup} s warm-up + ${settings.duration} s per load; server ${pinning ? `pinned to core ${pinning.server}` : 'not pinned'}, log level warn, ` +
      `periodic cleanup off; pages: ${settings.pageSamples} sequential requests; gc: median of ${settings.gcRuns} minus \`latchkey --version\`; ` +
      'PostgreSQL WAL counters are server-wide)\n',
  );
  const json = {
    bench: 'growth',
    date: new Date().toISOString(),
    node: process.version,
    cpus: machineCores,
    clients: settings.clients,
    rounds: settings.rounds,
    grants: settings.grants,
    results: results.map((result) => ({
      target: result.dialect,
      seedSeconds: Object.fromEntries(Object.entries(result.seed.seconds).map(([step, value]) => [step, round(value, 1)])),
      neverUsed: result.seed.neverUsed,
      grown: result.grown,
      empty: result.empty,
      checks: rowsFor(result).flatMap((row) => (row.check ? [{ name: row.figure, pass: row.check.pass, target: row.check.target, ratio: row.ratio === null ? null : round(row.ratio, 3) }] : [])),
    })),
    skipped,
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
}

// ---------------------------------------------------------------------------------------------------------

async function measureDatabase(dialect: Dialect, dir: string): Promise<DatabaseResult | { skipped: string }> {
  process.stdout.write(`\n▶ ${dialect}: seeding ${settings.clients.toLocaleString('en-US')} clients and ${settings.grants.toLocaleString('en-US')} grants…\n`);
  const grown = dialect === 'sqlite' ? await sqliteTemplate(dir, 'grown', settings.clients) : await postgresTemplate(settings.clients);
  if ('skipped' in grown) return grown;
  const empty = dialect === 'sqlite' ? await sqliteTemplate(dir, 'empty', 0) : await postgresTemplate(0);
  if ('skipped' in empty) return empty;
  process.stdout.write(`  seeded in ${grown.seed.seconds.total.toFixed(0)} s; database ${(grown.template.sizeBytes / MiB).toFixed(0)} MiB\n`);
  // Empty first, then grown, round after round: the same order for both databases, each on copies of its own.
  const emptyRuns: Figures[] = [];
  const grownRuns: Figures[] = [];
  for (let round = 1; round <= settings.rounds; round++) {
    const suffix = settings.rounds > 1 ? ` (round ${round})` : '';
    emptyRuns.push(await measureTemplate(empty.template, `empty${suffix}`));
    grownRuns.push(await measureTemplate(grown.template, `grown${suffix}`));
  }
  return { dialect, seed: grown.seed, grown: medianOf(grownRuns), empty: medianOf(emptyRuns) };
}

async function main(): Promise<void> {
  installExitHandlers();
  process.stdout.write(
    `Growth benchmark: ${settings.clients.toLocaleString('en-US')} clients and ${settings.grants.toLocaleString('en-US')} grants against an empty database; ` +
      `${machineCores} CPU(s), Node ${process.version}; Latchkey from ${settings.latchkeyEntry}\n`,
  );
  const results: DatabaseResult[] = [];
  const skipped: { dialect: Dialect; reason: string }[] = [];
  for (const dialect of settings.targets) {
    const temp = tempDir('latchkey-bench-growth-');
    try {
      if (temp.warning) process.stdout.write(`  warning: ${temp.warning}\n`);
      if (dialect === 'postgres') process.stdout.write(`  PostgreSQL at ${redact(settings.postgresUrl)}\n`);
      const result = await measureDatabase(dialect, temp.dir);
      if ('skipped' in result) {
        process.stdout.write(`  skipped: ${result.skipped}\n`);
        skipped.push({ dialect, reason: result.skipped });
      } else results.push(result);
    } finally {
      await temp.remove();
    }
  }
  report(results, skipped);
}

runBench(main);
