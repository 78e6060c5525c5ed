/**
 * `npm run bench:admin` (and the third part of `npm run bench`): the admin dashboard's clients pages with
 * 100,000 clients stored. Target (issue 5): each page answers in ≤ 100 ms (p99 of sequential requests).
 *
 * For each database (SQLite: a fresh file; PostgreSQL: a fresh database, dropped afterwards, skipped when it
 * cannot be reached) the benchmark migrates it and seeds it in-process through the storage API (see
 * bench/admin-seed.ts: clients as Latchkey writes them, their last use, a `client.registered` event each, an
 * administrator), then starts the built server on it as a child process, signs in over HTTP as a browser does
 * (GET /signin for the CSRF cookie and field, POST /signin, keep the session cookie), and for each page:
 *
 *   - checks that it answers 200 with client rows (or, for a client's page, its metadata);
 *   - times `BENCH_ADMIN_SAMPLES` sequential GETs after `BENCH_ADMIN_WARMUP_REQUESTS` untimed ones: one request
 *     at a time is what an operator does, and what the target is about (p50/p95/p99/max);
 *   - loads it with autocannon (`BENCH_ADMIN_CONNECTIONS` connections for `BENCH_DURATION` seconds) for req/s.
 *
 * The pages: the first page of the list; searches (`q=cursor`, and issue 18's broad ones: `127.0.0.1`, `agent`, `a`,
 * one that nothing holds, and the start of one client's id); the `iat` source; flagged look-alikes; never
 * used; page 51, reached by following the "Next page" link 50 times (keyset paging: it should cost what page
 * one does); one client's page (metadata, grants, events); and, for information only (no target), the overview
 * with its 30-day charts.
 *
 * The CPU used by other processes is measured during each page's timed requests; a page during which they used
 * more than 0.15 of a core is flagged as disturbed. Missing a target is reported, not an error: the exit code is
 * 0 unless the benchmark could not run (e.g. a page that does not answer 200 with rows).
 *
 * Environment:
 *   BENCH_ADMIN_CLIENTS=100000      clients stored
 *   BENCH_ADMIN_SAMPLES=200         timed sequential requests per page
 *   BENCH_ADMIN_WARMUP_REQUESTS=20  untimed requests per page first
 *   BENCH_ADMIN_CONNECTIONS=10      autocannon connections
 *   BENCH_ADMIN_DEEP_PAGES=50       "Next page" links followed to reach the deep page
 *   BENCH_DURATION=5                autocannon seconds per page
 *   BENCH_ONLY=sqlite,postgres      the databases (baseline and oidc-provider, which other benchmarks have, are ignored here)
 *   BENCH_DATABASE_URL, TEST_DATABASE_URL  the PostgreSQL server (default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_TMPDIR                    where the SQLite temp dir goes (default: the OS temp dir)
 *   BENCH_LATCHKEY_ENTRY            the server entry point (default dist/cli/main.js, built first); a .ts file runs through tsx
 *   BENCH_NODE_FLAGS                extra node flags for the Latchkey servers
 */
import { cpus } from 'node:os';
import { join, resolve } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { openStorage } from '../src/storage/open-storage.js';
import { seedAdminDatabase, type SeedResult } from './admin-seed.js';
import {
  machineCores,
  allTargets,
  buildUnlessGiven,
  busyMachine,
  cleanEnv,
  cpuSnapshot,
  cpuUsage,
  createPostgresDatabase,
  envNumber,
  installExitHandlers,
  MiB,
  onCleanup,
  redact,
  root,
  round,
  sampleRss,
  spawnServer,
  table,
  tempDir,
  type ServerProcess,
  type TargetName,
  runBench,
  peerTarget,
} from './support.js';

buildUnlessGiven();

// ---------------------------------------------------------------------------------------------------------
// Settings.

type AdminTarget = Exclude<TargetName, 'baseline'>;

function selectedTargets(): AdminTarget[] {
  const raw = process.env['BENCH_ONLY'];
  const names = (raw ?? '').split(',').map((name) => name.trim()).filter(Boolean);
  for (const name of names) {
    // The peer (node-oidc-provider), like baseline, is a target of the register and token benchmarks only.
    if (name === peerTarget) continue;
    if (!(allTargets as readonly string[]).includes(name)) throw new Error(`BENCH_ONLY must list ${allTargets.join(', ')} (comma-separated); got ${JSON.stringify(raw)}`);
  }
  const databases: AdminTarget[] = ['sqlite', 'postgres'];
  return names.length === 0 ? databases : databases.filter((name) => names.includes(name));
}

const settings = {
  clients: Math.round(envNumber('BENCH_ADMIN_CLIENTS', 100_000, 1)),
  samples: Math.round(envNumber('BENCH_ADMIN_SAMPLES', 200, 1)),
  warmupRequests: Math.round(envNumber('BENCH_ADMIN_WARMUP_REQUESTS', 20, 0)),
  connections: Math.round(envNumber('BENCH_ADMIN_CONNECTIONS', 10, 1)),
  deepPages: Math.round(envNumber('BENCH_ADMIN_DEEP_PAGES', 50, 1)),
  duration: envNumber('BENCH_DURATION', 5, 1),
  postgresUrl: process.env['BENCH_DATABASE_URL'] || process.env['TEST_DATABASE_URL'] || 'postgres://postgres@127.0.0.1:5432/postgres',
  latchkeyEntry: process.env['BENCH_LATCHKEY_ENTRY'] ? resolve(process.env['BENCH_LATCHKEY_ENTRY']) : join(root, 'dist/cli/main.js'),
  nodeFlags: (process.env['BENCH_NODE_FLAGS'] ?? '').split(/\s+/).filter(Boolean),
  targets: selectedTargets(),
};

/** The target of issue 5, for every clients page. */
const maxP99Ms = 100;

// ---------------------------------------------------------------------------------------------------------
// Pages.

interface Page {
  name: string;
  path: string;
  /** What a correct answer contains: list rows, or a client's metadata. */
  expect: 'rows' | 'none' | 'client' | 'overview';
  /** Whether the ≤ 100 ms target applies (the overview is measured for information). */
  target: boolean;
  /** Why the page could not even be found (the deep page, when following the links failed). */
  unreachable?: string;
}

function listPages(): Page[] {
  return [
    { name: 'clients, first page', path: '/admin/clients', expect: 'rows', target: true },
    { name: 'search q=cursor', path: '/admin/clients?q=cursor', expect: 'rows', target: true },
    // Issue 18's broad searches: a loopback host, a word in a few names, one letter, and one that nothing holds.
    { name: 'search q=127.0.0.1', path: '/admin/clients?q=127.0.0.1', expect: 'rows', target: true },
    { name: 'search q=agent', path: '/admin/clients?q=agent', expect: 'rows', target: true },
    { name: 'search q=a', path: '/admin/clients?q=a', expect: 'rows', target: true },
    { name: 'search, no match', path: '/admin/clients?q=zzqqxx', expect: 'none', target: true },
    // Searches PostgreSQL's pg_trgm cannot narrow (no run of three letters or digits, or the trigrams of a common
    // host in another order), and a search with another filter.
    { name: 'search q="', path: '/admin/clients?q=%22', expect: 'none', target: true },
    { name: 'search q=ü', path: '/admin/clients?q=%C3%BC', expect: 'none', target: true },
    { name: 'search q=127 0 0 1', path: '/admin/clients?q=127+0+0+1', expect: 'none', target: true },
    { name: 'search q=agent, unused', path: '/admin/clients?q=agent&usage=never', expect: 'rows', target: true },
    { name: 'source=iat', path: '/admin/clients?source=iat', expect: 'rows', target: true },
    { name: 'flagged=1', path: '/admin/clients?flagged=1', expect: 'rows', target: true },
    { name: 'usage=never', path: '/admin/clients?usage=never', expect: 'rows', target: true },
  ];
}

/** `&amp;`, `&#38;` and friends in an attribute, as the page's `html` template escapes them. */
function decodeHtml(value: string): string {
  return value
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCharCode(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) => String.fromCharCode(parseInt(code, 16)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The href of the list's "Next page" link, or undefined on the last page. */
function nextPageHref(body: string): string | undefined {
  const match = /<a\b[^>]*data-testid="next-page"[^>]*>/.exec(body);
  const href = match && /\bhref="([^"]*)"/.exec(match[0])?.[1];
  return href ? decodeHtml(href) : undefined;
}

/** Follows "Next page" `count` times from the first page: the path of page `count + 1`. */
async function deepPagePath(session: Session, count: number): Promise<string> {
  let path = '/admin/clients';
  for (let n = 0; n < count; n++) {
    const { status, body } = await session.get(path);
    if (status !== 200) throw new Error(`GET ${path} answered ${status} while following the "Next page" links (page ${n + 1})`);
    const next = nextPageHref(body);
    if (!next) throw new Error(`page ${n + 1} of the clients list has no "Next page" link (with ${settings.clients} clients stored)`);
    path = next;
  }
  return path;
}

interface PageCheck {
  ok: boolean;
  /** Client rows on the page (for a client's page: its grant rows). */
  rows: number;
  /** The count the page states ("1,234 clients match"), if any. */
  total: number | null;
  problem?: string;
}

function checkAnswer(page: Page, status: number, body: string, detailClientId: string): PageCheck {
  const count = (testId: string) => body.split(`data-testid="${testId}"`).length - 1;
  const stated = /data-testid="client-count"[^>]*>\s*([\d,]+)/.exec(body)?.[1];
  const total = stated === undefined ? null : Number(stated.replaceAll(',', ''));
  if (status !== 200) return { ok: false, rows: 0, total, problem: `answered ${status}: ${body.replace(/\s+/g, ' ').slice(0, 200)}` };
  if (page.expect === 'rows') {
    const rows = count('client-row');
    return rows > 0 ? { ok: true, rows, total } : { ok: false, rows, total, problem: 'answered 200 without any data-testid="client-row"' };
  }
  if (page.expect === 'none') {
    const rows = count('client-row');
    return rows === 0 ? { ok: true, rows, total } : { ok: false, rows, total, problem: `answered ${rows} data-testid="client-row" where none should match` };
  }
  if (page.expect === 'client') {
    const ok = count('client-metadata') > 0 && body.includes(detailClientId);
    return ok ? { ok, rows: count('grant-row'), total } : { ok, rows: 0, total, problem: 'answered 200 without the client\'s metadata (data-testid="client-metadata")' };
  }
  // The overview: its 30-day charts are server-rendered SVG.
  return body.includes('<svg') ? { ok: true, rows: 0, total } : { ok: false, rows: 0, total, problem: 'answered 200 without a chart (<svg)' };
}

// ---------------------------------------------------------------------------------------------------------
// A signed-in browser.

interface Session {
  cookie: string;
  get(path: string): Promise<{ status: number; body: string }>;
}

/** Signs in as a browser does: the form's CSRF cookie and field, then the session cookie from the POST. */
async function signIn(address: string, username: string, password: string): Promise<Session> {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const pair = line.split(';', 1)[0] ?? '';
      const equals = pair.indexOf('=');
      if (equals <= 0) continue;
      const name = pair.slice(0, equals).trim();
      const value = pair.slice(equals + 1).trim();
      if (value === '' || /;\s*max-age=0\b/i.test(line)) jar.delete(name);
      else jar.set(name, value);
    }
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');

  const form = await fetch(`${address}/signin?return_to=${encodeURIComponent('/admin/clients')}`, { redirect: 'manual' });
  keep(form);
  const formBody = await form.text();
  const csrf = /name="csrf" value="([^"]+)"/.exec(formBody)?.[1];
  if (form.status !== 200 || csrf === undefined) throw new Error(`GET /signin answered ${form.status} without a CSRF field: ${formBody.slice(0, 200)}`);

  const post = await fetch(`${address}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ username, password, csrf: decodeHtml(csrf), return_to: '/admin/clients' }),
  });
  keep(post);
  const postBody = await post.text();
  if (post.status !== 303) throw new Error(`POST /signin answered ${post.status}, not 303: ${postBody.replace(/\s+/g, ' ').slice(0, 300)}`);

  const header = cookie();
  return {
    cookie: header,
    async get(path) {
      const response = await fetch(`${address}${path}`, { headers: { cookie: header }, redirect: 'manual' });
      return { status: response.status, body: await response.text() };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Measuring one page.

interface PageResult {
  page: Page;
  check: PageCheck;
  sequential?: { samples: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number; meanMs: number; non200: number };
  load?: { reqPerSec: number; p50Ms: number; p99Ms: number; non2xx: number; errors: number; timeouts: number };
  /** CPU (cores) of the server, a local PostgreSQL and other processes during the timed requests, and under load. */
  cpu: {
    sequentialServer: number | null;
    sequentialDatabase: number | null;
    sequentialOthers: number | null;
    loadServer: number | null;
    loadDatabase: number | null;
    loadOthers: number | null;
  };
  notes: string[];
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], fraction: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1))]!;
}

async function measurePage(page: Page, session: Session, server: ServerProcess, detailClientId: string, databaseProcess: string | undefined): Promise<PageResult> {
  let check: PageCheck;
  if (page.unreachable === undefined) {
    const first = await session.get(page.path);
    check = checkAnswer(page, first.status, first.body, detailClientId);
  } else {
    check = { ok: false, rows: 0, total: null, problem: page.unreachable };
  }
  const result: PageResult = { page, check, cpu: { sequentialServer: null, sequentialDatabase: null, sequentialOthers: null, loadServer: null, loadDatabase: null, loadOthers: null }, notes: [] };
  if (!check.ok) return result;

  for (let n = 0; n < settings.warmupRequests; n++) await session.get(page.path);
  const times: number[] = [];
  let non200 = 0;
  const before = await cpuSnapshot([server.pid], databaseProcess);
  for (let n = 0; n < settings.samples; n++) {
    const started = performance.now();
    const { status } = await session.get(page.path);
    times.push(performance.now() - started);
    if (status !== 200) non200++;
  }
  const sequentialUsage = cpuUsage(before, await cpuSnapshot([server.pid], databaseProcess));
  times.sort((a, b) => a - b);
  result.sequential = {
    samples: times.length,
    p50Ms: percentile(times, 0.5),
    p95Ms: percentile(times, 0.95),
    p99Ms: percentile(times, 0.99),
    maxMs: times.at(-1)!,
    meanMs: times.reduce((sum, time) => sum + time, 0) / times.length,
    non200,
  };
  result.cpu.sequentialServer = sequentialUsage.processes.get(server.pid) ?? null;
  result.cpu.sequentialOthers = sequentialUsage.others ?? null;
  result.cpu.sequentialDatabase = databaseProcess === undefined ? null : sequentialUsage.named;
  if (non200 > 0) result.notes.push(`${non200} of ${settings.samples} timed requests did not answer 200`);

  const loadBefore = await cpuSnapshot([server.pid, process.pid], databaseProcess);
  const load = await autocannon({ url: `${server.address}${page.path}`, connections: settings.connections, duration: settings.duration, headers: { cookie: session.cookie }, timeout: 10 });
  const loadUsage = cpuUsage(loadBefore, await cpuSnapshot([server.pid, process.pid], databaseProcess));
  result.load = {
    reqPerSec: load.requests.average,
    p50Ms: load.latency.p50,
    p99Ms: load.latency.p99,
    non2xx: load.non2xx,
    errors: load.errors,
    timeouts: load.timeouts,
  };
  result.cpu.loadServer = loadUsage.processes.get(server.pid) ?? null;
  result.cpu.loadOthers = loadUsage.others ?? null;
  result.cpu.loadDatabase = databaseProcess === undefined ? null : loadUsage.named;
  if (load.non2xx > 0 || load.errors > 0) result.notes.push(`under load: ${load.non2xx} non-2xx, ${load.errors} errors, ${load.timeouts} timeouts`);
  return result;
}

// ---------------------------------------------------------------------------------------------------------
// One database.

interface TargetResult {
  target: AdminTarget;
  label: string;
  seed: SeedResult;
  storedClients: number;
  migrateSeconds: number;
  pages: PageResult[];
  maxRssMiB: number | null;
  notes: string[];
}

interface Skipped {
  target: AdminTarget;
  label: string;
  skipped: string;
}

/** Migrates and seeds `databaseUrl` in this process, then closes it (which flushes the group commit). */
async function prepare(databaseUrl: string): Promise<{ seed: SeedResult; storedClients: number; migrateSeconds: number }> {
  const storage = await openStorage({ url: databaseUrl, sqliteSynchronous: 'normal', poolSize: 10 });
  const close = onCleanup(() => storage.close());
  try {
    const started = performance.now();
    await storage.migrate();
    const migrateSeconds = (performance.now() - started) / 1000;
    process.stdout.write(`  seeding ${settings.clients.toLocaleString('en-US')} clients…\n`);
    const seed = await seedAdminDatabase(storage, databaseUrl, settings.clients, (line) => process.stdout.write(`    ${line}\n`));
    const storedClients = await storage.clients.countClients({});
    const { bySource } = seed;
    process.stdout.write(
      `    stored ${storedClients.toLocaleString('en-US')} clients (dynamic ${bySource.dynamic}, iat ${bySource.iat}, software_statement ${bySource.software_statement}, ` +
        `cimd ${bySource.cimd}; flagged ${seed.flagged}; never used ${seed.neverUsed}) in ${seed.seconds.total.toFixed(1)} s\n`,
    );
    return { seed, storedClients, migrateSeconds };
  } finally {
    await close();
  }
}

async function runTarget(
  target: AdminTarget,
  label: string,
  databaseUrl: string,
  databaseProcess: string | undefined,
  afterSeed?: () => Promise<void>,
): Promise<TargetResult> {
  const { seed, storedClients, migrateSeconds } = await prepare(databaseUrl);
  if (afterSeed) await afterSeed();
  const notes: string[] = [];
  if (storedClients !== settings.clients) notes.push(`${storedClients} clients stored, not ${settings.clients}`);

  const server = await spawnServer({
    args: [settings.latchkeyEntry, 'serve', '--host', '127.0.0.1', '--port', '{port}', '--database', databaseUrl, '--log-level', 'warn'],
    env: cleanEnv({}),
    readyPath: '/healthz',
    nodeFlags: settings.nodeFlags,
    tsx: settings.latchkeyEntry.endsWith('.ts'),
    cwd: root,
  });
  const stop = onCleanup(() => server.stop());
  process.stdout.write(`  pid ${server.pid} at ${server.address}\n`);
  const rss = sampleRss(server.pid, 100);
  const pages: PageResult[] = [];
  try {
    const session = await signIn(server.address, seed.admin.username, seed.admin.password);
    const deepName = `page ${settings.deepPages + 1} (keyset)`;
    const deep: Page = await deepPagePath(session, settings.deepPages).then(
      (path) => ({ name: deepName, path, expect: 'rows', target: true }),
      (error: unknown) => ({ name: deepName, path: '/admin/clients', expect: 'rows', target: true, unreachable: error instanceof Error ? error.message : String(error) }),
    );
    const all: Page[] = [
      ...listPages(),
      deep,
      // A rare search: the start of one client's id (one match, or a few).
      { name: 'search, rare', path: `/admin/clients?q=${encodeURIComponent(seed.detailClientId.slice(0, 10))}`, expect: 'rows', target: true },
      { name: 'one client', path: `/admin/clients/${encodeURIComponent(seed.detailClientId)}`, expect: 'client', target: true },
      { name: 'overview (info)', path: '/admin', expect: 'overview', target: false },
    ];
    for (const page of all) {
      process.stdout.write(`  ${page.name.padEnd(24)} `);
      const result = await measurePage(page, session, server, seed.detailClientId, databaseProcess);
      pages.push(result);
      if (!result.check.ok) process.stdout.write(`✗ ${result.check.problem}\n`);
      else {
        const { sequential, load } = result;
        process.stdout.write(
          `${result.check.rows} rows${result.check.total === null ? '' : ` of ${result.check.total.toLocaleString('en-US')}`}; ` +
            `p50 ${sequential!.p50Ms.toFixed(1)} ms, p99 ${sequential!.p99Ms.toFixed(1)} ms; ${Math.round(load!.reqPerSec)} req/s ` +
            `(other processes ${result.cpu.sequentialOthers?.toFixed(2) ?? 'n/a'} cores)\n`,
        );
      }
    }
  } finally {
    rss.stop();
    await stop();
  }
  const disturbed = pages.filter((page) => page.cpu.sequentialOthers !== null && page.cpu.sequentialOthers > busyMachine);
  if (disturbed.length > 0) {
    const most = Math.max(...disturbed.map((page) => page.cpu.sequentialOthers!));
    notes.push(
      `other processes used more than ${busyMachine} of a core during the timed requests of ${disturbed.length} of ${pages.length} pages (up to ${most.toFixed(2)} cores): ` +
        'the machine was not quiet, so these latencies are disturbed',
    );
  }
  const problems = server.problems();
  if (problems.length > 0) notes.push(`${problems.length} log line(s) at warn or above; first: ${problems[0]!.slice(0, 300)}`);
  const maxRss = rss.max();
  return { target, label, seed, storedClients, migrateSeconds, pages, maxRssMiB: maxRss > 0 ? maxRss / MiB : null, notes };
}

async function runSqlite(): Promise<TargetResult> {
  const temp = tempDir('latchkey-bench-admin-');
  try {
    if (temp.warning) process.stdout.write(`  warning: ${temp.warning}\n`);
    return await runTarget('sqlite', 'Latchkey SQLite', `sqlite:${join(temp.dir, 'latchkey.db')}`, undefined);
  } finally {
    await temp.remove();
  }
}

async function runPostgres(): Promise<TargetResult | Skipped> {
  const label = 'Latchkey PostgreSQL';
  const { database, skipped } = await createPostgresDatabase(settings.postgresUrl);
  if (!database) return { target: 'postgres', label, skipped: skipped ?? 'PostgreSQL is unavailable' };
  try {
    const { server_version: version } = database.settings;
    process.stdout.write(`  database ${database.name} on ${redact(settings.postgresUrl)} (PostgreSQL ${version})\n`);
    return await runTarget('postgres', label, database.url, 'postgres', async () => vacuumAnalyze(database.url));
  } finally {
    await database.drop();
  }
}

/**
 * PostgreSQL's autovacuum vacuums and analyzes a table within about a minute of 100,000 inserts; done now, so the
 * figures are those of the steady state and do not depend on whether it has run yet (without statistics the
 * planner picks other plans; without the visibility map a `count(*)` cannot be an index-only scan). SQLite has
 * no such daemon and Latchkey runs no `ANALYZE`, so the SQLite database is measured as the server leaves it.
 */
async function vacuumAnalyze(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('VACUUM (ANALYZE)');
  } finally {
    await client.end().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------------
// Report.

interface Check {
  name: string;
  pass: boolean;
  detail: string;
}

function checksFor(result: TargetResult): Check[] {
  const checks: Check[] = [];
  if (result.storedClients !== settings.clients) {
    checks.push({ name: `${result.target}: clients stored`, pass: false, detail: `${result.storedClients} of ${settings.clients}` });
  }
  for (const { page, check, sequential } of result.pages) {
    if (!page.target) continue;
    if (!check.ok || !sequential) {
      checks.push({ name: `${result.target} ${page.name}: answers 200 with rows`, pass: false, detail: check.problem ?? 'not measured' });
      continue;
    }
    checks.push({ name: `${result.target} ${page.name}: p99 ≤ ${maxP99Ms} ms`, pass: sequential.p99Ms <= maxP99Ms, detail: `${sequential.p99Ms.toFixed(1)} ms` });
  }
  return checks;
}

const fixed = (value: number | undefined, digits = 1) => (value === undefined ? '' : value.toFixed(digits));

function report(results: (TargetResult | Skipped)[]): Check[] {
  const runs = results.filter((result): result is TargetResult => !('skipped' in result));
  process.stdout.write(
    `\nResults (${settings.clients.toLocaleString('en-US')} clients; ${settings.samples} sequential requests per page after ${settings.warmupRequests} untimed; ` +
      `autocannon ${settings.connections} connections × ${settings.duration} s)\n\n`,
  );
  const rows: string[][] = [['target', 'page', 'rows', 'of', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms', 'req/s', 'load p99 ms', 'server CPU', 'db CPU', 'others']];
  for (const result of results) {
    if ('skipped' in result) {
      rows.push([result.label, 'skipped', '', '', '', '', '', '', '', '', '', '', '']);
      continue;
    }
    for (const { page, check, sequential, load, cpu } of result.pages) {
      rows.push([
        result.target,
        page.name,
        check.ok ? String(check.rows) : '✗',
        check.total === null ? '' : check.total.toLocaleString('en-US'),
        fixed(sequential?.p50Ms),
        fixed(sequential?.p95Ms),
        fixed(sequential?.p99Ms),
        fixed(sequential?.maxMs),
        load ? String(Math.round(load.reqPerSec)) : '',
        load ? load.p99Ms.toFixed(0) : '',
        cpu.loadServer === null ? '' : `${Math.round(cpu.loadServer * 100)}%`,
        cpu.loadDatabase === null ? '' : `${Math.round(cpu.loadDatabase * 100)}%`,
        cpu.sequentialOthers === null ? '' : cpu.sequentialOthers.toFixed(2),
      ]);
    }
  }
  process.stdout.write(`${table(rows)}\n`);
  process.stdout.write(
    '(p50–max: sequential requests, one at a time, as an operator browses; req/s and load p99: autocannon; server and db CPU: share of\n' +
      ' one core under load (db: the local PostgreSQL); others: CPU cores other processes used during the sequential requests;\n' +
      ' "one client": rows are its grants)\n',
  );
  for (const result of runs) {
    const { seconds } = result.seed;
    process.stdout.write(
      `\n${result.label}: migrated in ${result.migrateSeconds.toFixed(1)} s; seeded in ${seconds.total.toFixed(1)} s ` +
        `(clients ${seconds.clients.toFixed(1)} s, last uses ${seconds.lastUse.toFixed(1)} s, audit events ${seconds.auditEvents.toFixed(1)} s); ` +
        `server max RSS ${result.maxRssMiB === null ? 'n/a' : `${result.maxRssMiB.toFixed(1)} MiB`}\n`,
    );
  }
  for (const result of results) {
    if ('skipped' in result) process.stdout.write(`\n${result.label}: skipped (${result.skipped}).\n`);
  }

  const checks = runs.flatMap(checksFor);
  if (checks.length > 0) {
    process.stdout.write('\nTargets (2-core machine)\n');
    for (const check of checks) process.stdout.write(`  ${check.pass ? '✓' : '✗'} ${check.name.padEnd(46)} ${check.detail}\n`);
  }
  for (const result of runs) {
    for (const note of result.notes) process.stdout.write(`  note (${result.target}): ${note}\n`);
    for (const page of result.pages) {
      if (!page.page.target && !page.check.ok) process.stdout.write(`  note (${result.target} ${page.page.name}): ${page.check.problem}\n`);
      for (const note of page.notes) process.stdout.write(`  note (${result.target} ${page.page.name}): ${note}\n`);
    }
  }
  const failed = checks.filter((check) => !check.pass);
  const broken = runs.flatMap((result) => result.pages.filter(({ page, check }) => page.target && !check.ok)).length;
  process.stdout.write(
    checks.length === 0
      ? '\n'
      : failed.length === 0
        ? '\nAll targets met.\n\n'
        : broken > 0
          ? `\n${failed.length} of ${checks.length} target(s) missed, ${broken} page(s) of them not measurable: the exit code is 1.\n\n`
          : `\n${failed.length} of ${checks.length} target(s) missed (a measurement: the exit code stays 0).\n\n`,
  );

  const cores = (value: number | null) => (value === null ? null : round(value, 2));
  const json = {
    bench: 'admin',
    date: new Date().toISOString(),
    node: process.version,
    cpus: machineCores,
    cpuModel: cpus()[0]?.model ?? null,
    clients: settings.clients,
    samples: settings.samples,
    warmupRequests: settings.warmupRequests,
    connections: settings.connections,
    durationSeconds: settings.duration,
    maxP99Ms,
    latchkeyEntry: settings.latchkeyEntry,
    ...(settings.nodeFlags.length > 0 ? { nodeFlags: settings.nodeFlags } : {}),
    results: results.map((result) =>
      'skipped' in result
        ? { target: result.target, skipped: result.skipped }
        : {
            target: result.target,
            storedClients: result.storedClients,
            bySource: result.seed.bySource,
            flagged: result.seed.flagged,
            neverUsed: result.seed.neverUsed,
            migrateSeconds: round(result.migrateSeconds, 2),
            seedSeconds: Object.fromEntries(Object.entries(result.seed.seconds).map(([step, value]) => [step, round(value, 2)])),
            maxRssMiB: result.maxRssMiB === null ? null : round(result.maxRssMiB, 1),
            pages: result.pages.map(({ page, check, sequential, load, cpu }) => ({
              page: page.name,
              path: page.path,
              target: page.target,
              ok: check.ok,
              rows: check.rows,
              total: check.total,
              ...(check.problem ? { problem: check.problem } : {}),
              ...(sequential
                ? {
                    p50Ms: round(sequential.p50Ms, 2),
                    p95Ms: round(sequential.p95Ms, 2),
                    p99Ms: round(sequential.p99Ms, 2),
                    maxMs: round(sequential.maxMs, 2),
                    meanMs: round(sequential.meanMs, 2),
                    non200: sequential.non200,
                  }
                : {}),
              ...(load
                ? { reqPerSec: round(load.reqPerSec, 1), loadP50Ms: load.p50Ms, loadP99Ms: load.p99Ms, non2xx: load.non2xx, errors: load.errors, timeouts: load.timeouts }
                : {}),
              cpuCores: {
                serverSequential: cores(cpu.sequentialServer),
                databaseSequential: cores(cpu.sequentialDatabase),
                othersSequential: cores(cpu.sequentialOthers),
                serverLoad: cores(cpu.loadServer),
                databaseLoad: cores(cpu.loadDatabase),
                othersLoad: cores(cpu.loadOthers),
              },
            })),
          },
    ),
    checks: checks.map((check) => ({ name: check.name, pass: check.pass, value: check.detail })),
  };
  process.stdout.write(`${JSON.stringify(json)}\n`);
  return checks;
}

// ---------------------------------------------------------------------------------------------------------

async function main(): Promise<number> {
  installExitHandlers();
  const cores = machineCores;
  process.stdout.write(
    `Admin dashboard benchmark: the clients pages with ${settings.clients.toLocaleString('en-US')} clients stored, ${settings.samples} sequential requests ` +
      `per page, then autocannon ${settings.connections} connections × ${settings.duration} s; ${cores} CPU(s), Node ${process.version}\n`,
  );
  if (cores !== 2) process.stdout.write(`(the target is for a 2-core machine; this one has ${cores})\n`);
  process.stdout.write(`Latchkey runs from ${settings.latchkeyEntry}${settings.latchkeyEntry.endsWith('.ts') ? ' through tsx' : ' with plain node'}\n`);
  if (settings.targets.length === 0) {
    process.stdout.write('BENCH_ONLY names neither sqlite nor postgres: nothing to measure here.\n');
    return 0;
  }

  const results: (TargetResult | Skipped)[] = [];
  for (const target of settings.targets) {
    process.stdout.write(`\n▶ ${target}\n`);
    if (target === 'sqlite') results.push(await runSqlite());
    else {
      const result = await runPostgres();
      if ('skipped' in result) process.stdout.write(`  skipped: ${result.skipped}\n`);
      results.push(result);
    }
  }
  report(results);
  // A page that did not answer correctly means the benchmark could not measure what it is for.
  const broken = results.some((result) => !('skipped' in result) && result.pages.some(({ page, check }) => page.target && !check.ok));
  return broken ? 1 : 0;
}

runBench(main);
