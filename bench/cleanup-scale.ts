/**
 * `npx tsx bench/cleanup-scale.ts`: what a sweep of abandoned clients costs at scale (issue 18 item 2: a backlog
 * of 1,000,000 deletable clients swept in ≤ 2 minutes, no batch holding the database for more than ~50 ms), on
 * SQLite and PostgreSQL, in minutes rather than the half hour `npm run bench -- growth` takes to seed.
 *
 * Per database: a fresh database is migrated by Latchkey's own storage code (so the schema, indexes and triggers
 * are the real ones), then filled by direct SQL (`INSERT … SELECT` over a recursive CTE or `generate_series`, the
 * triggers firing as for any insert) with N clients, one in twenty of each kind by `i % 20`:
 *
 *   0       used a day ago, five grants with live refresh tokens                     kept (not a candidate)
 *   1       never used (its use unrecorded), five grants with live refresh tokens     kept, but a candidate of the
 *           sweep of never-used clients, interleaved with the abandoned ones          sweep: read, then passed over
 *   2       last used 100 days ago, five grants with unexpired unused refresh tokens  kept, a candidate of the idle sweep
 *   3       last used 100 days ago, five revoked grants, their refresh tokens used    deleted (idle), with the cascade
 *   4–18    never used, registered 2–60 days ago, no grant (i % 20 = 4 also has a     deleted (unused)
 *           consent and an expired code)
 *   19      never used, registered within the last 12 hours                           kept
 *
 * so N clients, N grants, N refresh tokens, and a backlog of 0.8 N. The clients are inserted in the order they
 * registered, and their ids (as the grants') are time-ordered UUIDs of their registration (creation) time, as the
 * server makes them (`random.timeOrderedUuid(now)`): a sweep that deletes in registration order then finds a
 * batch's rows, and their entries in the primary-key index, on neighbouring pages. `CLEANUP_SCALE_SEED=random`
 * seeds the ids of the first version of this bench instead ('client-' || i, inserted in the order of i, random
 * relative to registration time): the worst case, about two random page writes more per deleted client. Refresh
 * tokens' digests and codes' digests are random relative to time in both, as hashes are.
 *
 * Then, with the storage opened afresh (on PostgreSQL after ANALYZE, as autovacuum would), `cleanUpClients` runs as
 * the server runs it (default batch size, audit events written), every batch timed (`SweepObserver`): per-batch
 * p50 / p99 / max, the sweep's total, and the time for a 1,000,000 backlog at that rate. Beside it a request is
 * played every 5 ms (`storage.ping()`, a `select 1` through the connection or pool), timed from when it was due:
 * what a request waits during the sweep, for a batch, a checkpoint or the event loop (p50 / p99 / max).
 * Afterwards the survivors are checked against the table above.
 *
 * Environment:
 *   CLEANUP_SCALE_CLIENTS=100000      clients seeded (1000000 for the issue's figure)
 *   CLEANUP_SCALE_ONLY=sqlite,postgres
 *   CLEANUP_SCALE_MAX_SECONDS=600     the sweep stops after this long (its figures are then for the part swept)
 *   CLEANUP_SCALE_BATCH_SIZE          `cleanup.batchSize` (default: the configuration's default)
 *   CLEANUP_SCALE_SEED=ordered        `random`: ids random relative to registration time (see above), the worst case
 *   CLEANUP_SCALE_NO_CURSOR=1         every batch reads the candidates from the oldest (the store without its cursor),
 *                                     for comparison
 *   CLEANUP_SCALE_SEED_TO=<file|url>  only seed a SQLite database at <file>, or the existing empty PostgreSQL database
 *                                     at <url>, and stop (to explain queries on it)
 *   CLEANUP_SCALE_TRACE=1             what a request waited for: every probe that waited over 50 ms, split into the
 *                                     event loop's delay (its timer fired late) and the storage call, with what ran
 *                                     beside it: batches (limit, deleted, on SQLite the WAL's frames before and after,
 *                                     the main thread's CPU and, on Linux, its time waiting for a CPU), checkpoint
 *                                     holds (sqlite-checkpointer's diagnostics channel), audit flushes and GC pauses;
 *                                     and how long the checkpoints held the connection
 *   BENCH_TMPDIR                      where the SQLite file goes (default: the system's temporary directory)
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL   the PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres);
 *                                     a database is created on it and dropped afterwards
 */
import { subscribe } from 'node:diagnostics_channel';
import { mkdtempSync, openSync, readFileSync, readSync, rmSync, statSync } from 'node:fs';
import { PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import pg from 'pg';
import { cleanUpClients } from '../src/cleanup/clean-up-clients.js';
import type { SweepObserver } from '../src/cleanup/sweep-observer.js';
import { withAuditTrail } from '../src/cli/command-support.js';
import { loadConfig } from '../src/config/load.js';
import type { ClientCleanupStore } from '../src/ports/cleanup.js';
import { openStorage } from '../src/storage/open-storage.js';
import { shardSearchIndex } from '../src/storage/sql/search-index-shards.js';
import { cpuSnapshot, cpuUsage, createPostgresDatabase, envList, envNumber, onCleanup, runBench } from './support.js';

const day = 86_400_000;
const hour = 3_600_000;
const clients = envNumber('CLEANUP_SCALE_CLIENTS', 100_000, 100);
const maxSeconds = envNumber('CLEANUP_SCALE_MAX_SECONDS', 600, 1);
const targets = envList('CLEANUP_SCALE_ONLY', ['sqlite', 'postgres'] as const);
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const withoutCursor = process.env['CLEANUP_SCALE_NO_CURSOR'] === '1';
const seedKind = envList('CLEANUP_SCALE_SEED', ['ordered', 'random'] as const)[0] ?? 'ordered';
const users = 100;
const trace = process.env['CLEANUP_SCALE_TRACE'] === '1';
/** Timeline of what ran, for probes that waited > 50 ms (CLEANUP_SCALE_TRACE=1). */
const events: { at: number; end?: number; what: string }[] = [];
/** The main thread's time on a CPU and waiting for one, in nanoseconds (Linux). */
const schedstat = (): [number, number] => {
  try {
    const [run, wait] = readFileSync(`/proc/self/task/${process.pid}/schedstat`, 'utf8').split(' ').map(Number);
    return [run ?? 0, wait ?? 0];
  } catch {
    return [0, 0];
  }
};
/** The WAL index header's mxFrame and nBackfill, read from the -shm file (CLEANUP_SCALE_TRACE=1, SQLite). */
let walState = (): string => '';
const note = (what: string, at = performance.now(), end?: number) => {
  if (trace) events.push(end === undefined ? { at, what } : { at, end, what });
};
if (trace) {
  subscribe('latchkey:sqlite-checkpoint', (message) => {
    const m = message as { phase: string; at: number; frames?: number; result?: object };
    note(`ckpt ${m.phase} ${m.frames ?? ''} ${m.result ? JSON.stringify(m.result) : ''}`, m.at);
  });
  new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) note(`gc kind ${((entry as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind} ${entry.duration.toFixed(1)} ms`, entry.startTime, entry.startTime + entry.duration);
  }).observe({ entryTypes: ['gc'] });
}
const grantsPerHolder = 5;

type Dialect = 'sqlite' | 'postgres';
type Run = (statement: string) => Promise<void>;

/**
 * The seeding statements. `now` is fixed for the run; `{series}` yields `i` from 0 to N - 1 and `{json}` is the
 * metadata column's type. Everything else is SQL both databases accept.
 */
function seedStatements(dialect: Dialect, now: number): string[] {
  const series = (n: number, alias = 's') =>
    dialect === 'postgres'
      ? `(select cast(g as bigint) as i from generate_series(0, ${n - 1}) as g) as ${alias}`
      : `(with recursive r(i) as (select 0 union all select i + 1 from r where i < ${n - 1}) select i from r) as ${alias}`;
  const json = dialect === 'postgres' ? 'jsonb' : 'text';
  const kind = 'i % 20';
  // A pseudo-random spread over [0, 1) by i, so that the kinds interleave in registration order.
  const spread = `((i * 7919) % ${clients}) * 1.0 / ${clients}`;
  const registered = `case
      when ${kind} in (2, 3) then ${now - 200 * day}
      when ${kind} = 19 then ${now - 12 * hour} + i % 1000
      when ${kind} = 0 then ${now - 30 * day} + i % 1000
      else ${now - 2 * day} - cast(${spread} * ${58 * day} as bigint) end`;
  const lastUsed = `case when ${kind} = 0 then ${now - day} when ${kind} in (2, 3) then ${now - 100 * day} end`;
  const grantHolders = `${kind} in (0, 1, 2, 3)`;
  const falseValue = dialect === 'postgres' ? 'false' : '0';
  // `value` (a non-negative integer below 2^48) as 12 hexadecimal digits.
  const hex12 = (value: string) => (dialect === 'postgres' ? `lpad(to_hex(cast(${value} as bigint)), 12, '0')` : `printf('%012x', ${value})`);
  // A time-ordered UUID (version 7) of `ms`, its 48 bits of randomness taken from `n`: n times a large multiplier
  // modulo the largest prime below 2^32 (a permutation of n in no visible order, so ids of one millisecond, and
  // digests, are in no order), then n's low 16 bits, which keep it unique and below 2^48.
  const uuid = (ms: string, n: string) => {
    const time = hex12(ms);
    const scrambled = `((${n}) * 2654435761) % 4294967291 * 65536 + (${n}) % 65536`;
    return `substr(${time}, 1, 8) || '-' || substr(${time}, 9, 4) || '-7000-8000-' || ${hex12(scrambled)}`;
  };
  const ordered = seedKind === 'ordered';
  const clientId = (i: string) => (ordered ? uuid(registered, i) : `'client-' || ${i}`);
  const grantId = (i: string, j: string, at: string) => (ordered ? uuid(at, `${i} * ${grantsPerHolder} + ${j}`) : `'grant-' || ${i} || '-' || ${j}`);
  // Random relative to the grant's creation, as a digest is: the ordered grant id's random part first.
  const tokenDigest = ordered ? `'rt-' || substr(g.id, 25) || '-' || substr(g.id, 1, 23)` : `'rt-' || substr(g.id, 7)`;
  return [
    `insert into users (id, username, password_hash, name, email, is_admin, created_ms)
       select 'user-' || i, 'user-' || i, '', null, null, ${falseValue}, ${now - 300 * day} from ${series(users)}`,
    `insert into clients (client_id, client_secret_digest, client_secret_expires_at, registration_access_token_digest, client_id_issued_at,
       metadata, registration_source, created_ms, updated_ms, last_used_ms, policy, look_alike_of, initial_access_token_id, search_text)
     select ${clientId('i')}, null, 0, 'rat-digest-' || i, cast((${registered}) / 1000 as bigint),
       cast('{"client_name":"Agent ' || i || '","redirect_uris":["http://127.0.0.1:' || (30000 + i % 30000) || '/callback"],"grant_types":["authorization_code","refresh_token"],"response_types":["code"],"token_endpoint_auth_method":"none","scope":"mcp:tools"}' as ${json}),
       'dynamic', ${registered}, ${registered}, ${lastUsed}, null, null, null,
       'agent ' || i || ' client-' || i || ' 127.0.0.1'
     from ${series(clients)}${ordered ? ' order by 1' : ''}`,
    // Five grants per holder (grant j of client i).
    `insert into grants (id, client_id, user_id, scope, resource, auth_time_ms, created_ms, revoked_ms)
     select ${grantId('c.i', 'j.i', 'c.at')}, c.client_id, 'user-' || ((c.i + j.i) % ${users}), 'mcp:tools', null, c.at, c.at,
       case when c.i % 20 = 3 then c.at + ${day} end
     from (select i, ${clientId('i')} as client_id,
             case when i % 20 = 0 then ${now - day} when i % 20 in (2, 3) then ${now - 100 * day} else ${now - 2 * day} - cast(${spread} * ${58 * day} as bigint) end as at
           from ${series(clients)} where ${grantHolders}) as c
     cross join ${series(grantsPerHolder, 'j')}${ordered ? ' order by 1' : ''}`,
    `insert into refresh_tokens (token_digest, grant_id, scope, created_ms, expires_ms, used_ms)
     select ${tokenDigest}, g.id, 'mcp:tools', g.created_ms,
       case when g.revoked_ms is null then ${now + 30 * day} else g.created_ms + ${30 * day} end,
       case when g.revoked_ms is null then null else g.created_ms + ${hour} end
     from grants as g`,
    `insert into consents (user_id, client_id, scope, created_ms, updated_ms)
     select 'user-' || (i % ${users}), ${clientId('i')}, 'mcp:tools', ${now - 3 * day}, ${now - 3 * day} from ${series(clients)} where ${kind} = 4`,
    `insert into authorization_codes (code_digest, client_id, user_id, redirect_uri, code_challenge, scope, resource, nonce, auth_time_ms, expires_ms, used_ms, grant_id)
     select 'code-' || i, ${clientId('i')}, 'user-' || (i % ${users}), 'http://127.0.0.1/callback', 'challenge', 'mcp:tools', null, null,
       ${now - 3 * day}, ${now - 3 * day + 60_000}, null, null
     from ${series(clients)} where ${kind} = 4`,
  ];
}

/** What should be left after a complete sweep: the clients of kinds 0, 1, 2 and 19. */
const expectedSurvivors = Array.from({ length: clients }, (_, i) => i % 20).filter((kind) => [0, 1, 2, 19].includes(kind)).length;

interface Figures {
  dialect: Dialect;
  seedSeconds: number;
  batches: number;
  deleted: number;
  p50: number;
  p99: number;
  max: number;
  /** A request's wait during the sweep: p50, p99, max (ms). */
  waits: [number, number, number];
  sweepSeconds: number;
  /** CPU time of this process (its threads: the checkpoint worker's too) during the sweep, in seconds. */
  cpuSeconds: number;
  /** CPU cores used meanwhile by other processes (PostgreSQL's own excepted), where it can be read. */
  others: number | undefined;
  complete: boolean;
  survivors: number;
  grantsLeft: number;
}

async function measure(dialect: Dialect): Promise<Figures | undefined> {
  let url: string;
  let query: (statement: string) => Promise<number>;
  let size: () => string;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'latchkey-cleanup-scale-'));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'latchkey.db');
    url = `sqlite:${file}`;
    query = async (statement) => {
      const db = new BetterSqlite3(file);
      try {
        return Number(Object.values(db.prepare(statement).get() as object)[0]);
      } finally {
        db.close();
      }
    };
    size = () => `${(statSync(file).size / 1e6).toFixed(0)} MB`;
    if (trace) {
      const header = Buffer.alloc(100);
      let fd: number | undefined;
      walState = () => {
        try {
          fd ??= openSync(`${file}-shm`, 'r');
          readSync(fd, header, 0, 100, 0);
          return `wal ${header.readUInt32LE(16)}/${header.readUInt32LE(96)}`;
        } catch {
          return '';
        }
      };
    }
  } else {
    const created = await createPostgresDatabase(adminUrl);
    if (!created.database) {
      process.stderr.write(`postgres skipped: ${created.skipped}\n`);
      return undefined;
    }
    const database = created.database;
    url = database.url;
    query = async (statement) => {
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        const { rows } = await client.query(statement);
        return Number(Object.values(rows[0] as object)[0]);
      } finally {
        await client.end();
      }
    };
    size = () => '';
  }

  const now = Date.now();
  const migrated = await openStorage({ url, sqliteSynchronous: 'normal', poolSize: 2 });
  await migrated.migrate();
  await migrated.close();
  const seedStarted = performance.now();
  await withConnection(dialect, url, async (run) => {
    await seed(dialect, run, now);
    if (dialect === 'postgres') await run('analyze');
  });
  if (dialect === 'sqlite') await shardSeededIndex(url.slice('sqlite:'.length));
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const grants = await query('select count(*) from grants');
  process.stderr.write(`${dialect}: ${clients} clients (${seedKind} ids), ${grants} grants seeded in ${seedSeconds.toFixed(1)} s ${size()}\n`);

  const config = loadConfig({ env: {}, overrides: { 'database.url': url, ...(process.env['CLEANUP_SCALE_BATCH_SIZE'] ? { 'cleanup.batchSize': Number(process.env['CLEANUP_SCALE_BATCH_SIZE']) } : {}) } });
  const storage = await openStorage({ url, sqliteSynchronous: config.database.sqliteSynchronous, poolSize: config.database.poolSize });
  const times: number[] = [];
  let deleted = 0;
  let complete = true;
  const machineBefore = await cpuSnapshot([process.pid], 'postgres');
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + maxSeconds * 1000;
  const observer: SweepObserver = { batch: (_kind, _deleted, seconds) => void times.push(seconds * 1000), sweep: () => {} };
  // Past the deadline the store answers nothing, which ends the sweep as a short batch would.
  const bounded: ClientCleanupStore = {
    ...storage.cleanup,
    deleteUnusedClients: async (criteria, limit, cursor) => {
      if (performance.now() > deadline) {
        complete = false;
        return [];
      }
      const t0 = performance.now();
      const before = walState();
      const cpu0 = trace ? process.threadCpuUsage() : undefined;
      const sched0: [number, number] = trace ? schedstat() : [0, 0];
      const result = await storage.cleanup.deleteUnusedClients(criteria, limit, withoutCursor ? undefined : cursor);
      if (trace) {
        const cpu = process.threadCpuUsage(cpu0);
        const sched1 = schedstat();
        note(`batch limit ${limit} deleted ${result.length} ${before} -> ${walState()} cpu ${((cpu.user + cpu.system) / 1000).toFixed(1)} (sys ${(cpu.system / 1000).toFixed(1)}) oncpu ${((sched1[0] - sched0[0]) / 1e6).toFixed(1)} runq ${((sched1[1] - sched0[1]) / 1e6).toFixed(1)}`, t0, performance.now());
      }
      return result;
    },
  };
  let lastReport = started;
  // A request during the sweep: every 5 ms a storage call (`select 1`, through the connection or the pool as any
  // request's), timed from when it was due, so that an event loop blocked by a batch counts as well as the wait
  // for the connection behind a batch or, on SQLite, a checkpoint.
  const waits: number[] = [];
  const slow: { due: number; fired: number; done: number }[] = [];
  let probing = true;
  const probes = (async () => {
    while (probing) {
      const due = performance.now() + 5;
      await new Promise((resolve) => setTimeout(resolve, 5));
      const fired = performance.now();
      await storage.ping();
      const done = performance.now();
      waits.push(Math.max(0, done - due));
      if (trace && done - due > 50) slow.push({ due, fired, done });
    }
  })();
  const traced = trace
    ? {
        ...storage,
        auditEvents: {
          ...storage.auditEvents,
          appendAuditEvents: async (batch: Parameters<typeof storage.auditEvents.appendAuditEvents>[0]) => {
            const t0 = performance.now();
            await storage.auditEvents.appendAuditEvents(batch);
            note(`audit ${batch.length}`, t0, performance.now());
          },
        },
      }
    : storage;
  try {
    await withAuditTrail(traced, (audit) =>
      cleanUpClients({ cleanup: bounded, config, clock: { now: () => now }, audit, observer }, (soFar) => {
        deleted = soFar;
        if (performance.now() - lastReport > 10_000) {
          lastReport = performance.now();
          process.stderr.write(`${dialect}: ${soFar} deleted in ${((lastReport - started) / 1000).toFixed(0)} s, last batch ${times.at(-1)?.toFixed(1)} ms\n`);
        }
      }),
    );
  } finally {
    probing = false;
    await probes;
    await storage.close();
  }
  const sweepSeconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  const others = cpuUsage(machineBefore, await cpuSnapshot([process.pid], 'postgres')).others;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (trace) {
    // How long each checkpoint held the connection (from its hold to its answer).
    const holds: number[] = [];
    let heldAt: number | undefined;
    for (const event of events) {
      if (event.what.startsWith('ckpt held')) heldAt = event.at;
      else if (event.what.startsWith('ckpt done') && heldAt !== undefined) {
        holds.push(event.at - heldAt);
        heldAt = undefined;
      }
    }
    const sortedHolds = [...holds].sort((a, b) => a - b);
    const q = (p: number) => sortedHolds[Math.min(sortedHolds.length - 1, Math.floor(p * sortedHolds.length))]?.toFixed(1);
    process.stderr.write(`HOLDS ${holds.length}: first ${holds[0]?.toFixed(1)} ms, p50 ${q(0.5)}, p99 ${q(0.99)}, max ${sortedHolds.at(-1)?.toFixed(1)}; probes > 50 ms: ${slow.length}\n`);
  }
  // Each probe that waited over 50 ms, with what ran around it.
  for (const probe of slow) {
    process.stderr.write(`SLOW probe at ${(probe.due - started).toFixed(0)} ms (epoch ${(performance.timeOrigin + probe.due).toFixed(0)}): waited ${(probe.done - probe.due).toFixed(1)} ms (timer late ${(probe.fired - probe.due).toFixed(1)}, ping ${(probe.done - probe.fired).toFixed(1)})\n`);
    for (const event of events) {
      const end = event.end ?? event.at;
      if (end >= probe.due - 150 && event.at <= probe.done) process.stderr.write(`   ${(event.at - probe.due).toFixed(1).padStart(8)} ${event.end === undefined ? '' : `..${(event.end - probe.due).toFixed(1)}`} ${event.what}\n`);
    }
  }
  waits.sort((a, b) => a - b);
  const wait = (q: number) => waits[Math.min(waits.length - 1, Math.floor(q * waits.length))] ?? 0;
  if (!complete) times.pop();
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  const survivors = await query('select count(*) from clients');
  const grantsLeft = await query('select count(*) from grants');
  return { dialect, seedSeconds, batches: times.length, deleted, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0, waits: [wait(0.5), wait(0.99), waits.at(-1) ?? 0], sweepSeconds, cpuSeconds, others, complete, survivors, grantsLeft };
}

/** Runs the seeding statements. */
async function seed(dialect: Dialect, run: Run, now: number): Promise<void> {
  for (const statement of seedStatements(dialect, now)) await run(statement);
}

/**
 * SQLite: the search index sharded again after the seed, as Latchkey's own writes leave it (see
 * search-index-shards.ts): the seed's INSERT … SELECT put every client in the one shard of the new database, and
 * each shard is merged, as those writes merge it (see search-index-merges.ts), not left to the sweep's batches.
 */
async function shardSeededIndex(path: string): Promise<void> {
  const db = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(path) }) });
  try {
    await shardSearchIndex(db, 'sqlite');
  } finally {
    await db.destroy();
  }
}

/** Runs `work` with one connection of the raw driver, in one transaction. */
async function withConnection(dialect: Dialect, url: string, work: (run: Run) => Promise<void>): Promise<void> {
  if (dialect === 'sqlite') {
    const db = new BetterSqlite3(url.slice('sqlite:'.length));
    db.pragma('foreign_keys = ON');
    try {
      db.exec('begin');
      await work(async (statement) => void db.exec(statement));
      db.exec('commit');
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await work(async (statement) => void (await client.query(statement)));
    await client.query('commit');
  } finally {
    await client.end();
  }
}

runBench(async () => {
  const seedTo = process.env['CLEANUP_SCALE_SEED_TO'];
  if (seedTo) {
    const dialect: Dialect = seedTo.startsWith('postgres') ? 'postgres' : 'sqlite';
    const url = dialect === 'postgres' ? seedTo : `sqlite:${seedTo}`;
    const migrated = await openStorage({ url, sqliteSynchronous: 'normal', poolSize: 1 });
    await migrated.migrate();
    await migrated.close();
    await withConnection(dialect, url, (run) => seed(dialect, run, Date.now()));
    if (dialect === 'sqlite') await shardSeededIndex(seedTo);
    return 0;
  }
  const results: Figures[] = [];
  for (const target of targets) {
    const figures = await measure(target);
    if (figures) results.push(figures);
  }
  const backlog = Math.round(clients * 0.8);
  process.stdout.write(`cleanup at ${clients} clients (backlog ${backlog}, ${seedKind} ids), ${new Date().toISOString()}\n`);
  let failed = false;
  for (const f of results) {
    const perMillion = f.deleted > 0 ? (f.sweepSeconds / f.deleted) * 1e6 : Number.NaN;
    const check = f.complete ? (f.survivors === expectedSurvivors ? 'survivors as expected' : `SURVIVORS ${f.survivors}, expected ${expectedSurvivors}`) : 'sweep cut short';
    if (f.complete && f.survivors !== expectedSurvivors) failed = true;
    process.stdout.write(
      `${f.dialect.padEnd(8)} seed ${f.seedSeconds.toFixed(0)} s; sweep ${f.deleted} in ${f.batches} batches, ${f.sweepSeconds.toFixed(1)} s (CPU ${f.cpuSeconds.toFixed(1)} s) ` +
        `(1M backlog ≈ ${perMillion.toFixed(0)} s); per batch p50 ${f.p50.toFixed(1)} ms, p99 ${f.p99.toFixed(1)} ms, max ${f.max.toFixed(1)} ms; ` +
        `a request's wait p50 ${f.waits[0].toFixed(1)} ms, p99 ${f.waits[1].toFixed(1)} ms, max ${f.waits[2].toFixed(1)} ms; ` +
        `${f.grantsLeft} grants left; ${check}; other processes ${f.others?.toFixed(2) ?? 'n/a'} cores\n`,
    );
  }
  return failed ? 1 : 0;
});
