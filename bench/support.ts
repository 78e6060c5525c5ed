/**
 * Helpers for `npm run bench`: server child processes, RSS sampling, temporary SQLite directories,
 * throw-away PostgreSQL databases, and cleanup that also runs on SIGINT/SIGTERM.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statfsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer as createNetServer, type AddressInfo } from 'node:net';
import { createInterface } from 'node:readline';
import type autocannon from 'autocannon';
import pg from 'pg';

// ---------------------------------------------------------------------------------------------------------
// Cleanup registry: every resource registers how to release it; normal flow releases it in a `finally`, and a
// signal or a crash releases whatever is left.

type Cleanup = () => Promise<void> | void;
const cleanups = new Set<Cleanup>();

/** Registers `fn` to run at exit unless released earlier; returns a function that runs it now (once). */
export function onCleanup(fn: Cleanup): () => Promise<void> {
  let done = false;
  const run = async () => {
    if (done) return;
    done = true;
    cleanups.delete(run);
    await fn();
  };
  cleanups.add(run);
  return run;
}

/** Runs every pending cleanup, newest first. */
export async function runAllCleanups(): Promise<void> {
  for (const fn of [...cleanups].reverse()) {
    try {
      await fn();
    } catch (error) {
      process.stderr.write(`bench: cleanup failed: ${error instanceof Error ? error.message : String(error)}\n`);
    }
  }
}

const liveChildren = new Set<ChildProcess>();
/** Synchronous last-resort cleanups for an exit that skipped the normal ones (e.g. a forced second Ctrl-C). */
const atExit = new Set<() => void>();
let handlersInstalled = false;

/** On SIGINT/SIGTERM: release everything and exit; on any exit: SIGKILL children that are still running. */
export function installExitHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // Ctrl-C reaches this process twice at once (from the terminal, and relayed by the tsx CLI): only a
      // later, deliberate second Ctrl-C skips the cleanup.
      if (Date.now() - stoppingSince > 1000) process.exit(130);
      return;
    }
    stoppingSince = Date.now();
    process.stderr.write(`\nbench: ${signal}, stopping servers and cleaning up…\n`);
    const timer = setTimeout(() => process.exit(130), 10_000);
    timer.unref();
    void runAllCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('exit', () => {
    for (const child of liveChildren) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    for (const fn of atExit) {
      try {
        fn();
      } catch {
        // best effort
      }
    }
  });
}

// ---------------------------------------------------------------------------------------------------------
// Server child processes.

export interface ServerProcess {
  pid: number;
  /** e.g. `http://127.0.0.1:40669` */
  address: string;
  child: ChildProcess;
  /** The last lines the child wrote (stdout and stderr), for diagnostics. */
  recentOutput(): string[];
  /** Log lines at level warn (40) or above written after the server was ready, excluding startup notices. */
  problems(): string[];
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface SpawnServerOptions {
  /** Arguments after `node --import tsx`; `{port}` in any of them is replaced by the port chosen. */
  args: string[];
  env: NodeJS.ProcessEnv;
  /** The server is ready once `GET <address><readyPath>` gets any HTTP answer. */
  readyPath: string;
  /** Extra node flags (e.g. `--cpu-prof`). */
  nodeFlags?: string[];
  /** Run through tsx's loader (`--import tsx`); default true. */
  tsx?: boolean;
  cwd?: string;
  timeoutMs?: number;
}

/**
 * Which cores the servers and the load generator run on. With two cores or more and util-linux's `taskset`, each
 * server is pinned to the last core and this process (autocannon, the load generator) to the others, so that the
 * two never take turns on one core and the ratios between servers measured in one run stay stable on a shared
 * machine. `BENCH_PIN=0` turns it off; without `taskset` nothing is pinned and the report says so.
 */
/** The cores this process may use, read before it is pinned (after, `availableParallelism()` counts the load cores only). */
export const machineCores = availableParallelism();

export const pinning: { server: string; load: string } | undefined = (() => {
  const cores = machineCores;
  if (process.env['BENCH_PIN'] === '0' || cores < 2) return undefined;
  try {
    execFileSync('taskset', ['-V'], { stdio: 'ignore' });
  } catch {
    return undefined;
  }
  return { server: String(cores - 1), load: cores === 2 ? '0' : `0-${cores - 2}` };
})();

let loadPinned = false;

/** Pins `pid` (a server, kept as the child's own pid: no wrapper) to the server core, and this process to the load cores. */
function pin(pid: number | undefined): void {
  if (!pinning || pid === undefined) return;
  execFileSync('taskset', ['-acp', pinning.server, String(pid)], { stdio: 'ignore' });
  if (!loadPinned) {
    execFileSync('taskset', ['-acp', pinning.load, String(process.pid)], { stdio: 'ignore' });
    loadPinned = true;
  }
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts `node [--import tsx] …` on a free port of 127.0.0.1 as a child process (so its pid is the server
 * itself, not a wrapper), and resolves once it answers HTTP (polled: every server here announces its address
 * differently, if at all). Retries on another port if the chosen one was taken in the meantime.
 */
export async function spawnServer(options: SpawnServerOptions): Promise<ServerProcess> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await spawnOnPort(options, port);
    } catch (error) {
      const inUse = error instanceof Error && /EADDRINUSE/.test(error.message);
      if (!inUse || attempt >= 3) throw error;
    }
  }
}

/** The level of a pino JSON line: its first field. */
const levelPattern = /^\{"level":(\d+)/;

function spawnOnPort(options: SpawnServerOptions, port: number): Promise<ServerProcess> {
  const address = `http://127.0.0.1:${port}`;
  const args = options.args.map((arg) => arg.replaceAll('{port}', String(port)));
  const loader = options.tsx === false ? [] : ['--import', 'tsx'];
  const child = spawn(process.execPath, [...(options.nodeFlags ?? []), ...loader, ...args], {
    cwd: options.cwd ?? process.cwd(),
    env: options.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  liveChildren.add(child);
  pin(child.pid);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => liveChildren.delete(child));

  const recent: string[] = [];
  const problems: string[] = [];
  let ready = false;
  let failed = false;
  const remember = (line: string) => {
    recent.push(line);
    if (recent.length > 50) recent.shift();
  };

  const stop = async (graceMs = 8000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  createInterface({ input: child.stderr! }).on('line', (line) => {
    remember(`[stderr] ${line}`);
    if (ready) problems.push(`[stderr] ${line}`);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    remember(line);
    if (!ready) return;
    // Latchkey runs at its default level, info: a line per request, read here on the load generator's core, so
    // its level is matched rather than the whole line parsed (pino writes `level` first).
    const level = levelPattern.exec(line)?.[1];
    if (level === undefined || Number(level) >= 40) problems.push(line);
  });

  return new Promise<ServerProcess>((resolve, reject) => {
    const timeoutMs = options.timeoutMs ?? 30_000;
    const started = Date.now();
    const fail = (reason: string) => {
      if (failed || ready) return;
      failed = true;
      void stop(1000).then(() => reject(new Error(`${reason}\n--- last output ---\n${recent.join('\n')}`)));
    };
    child.once('exit', (code, signal) => fail(`server exited before it was ready (code ${code}, signal ${signal})`));
    child.once('error', (error) => fail(`could not start server: ${error.message}`));
    const poll = async () => {
      if (failed) return;
      try {
        const response = await fetch(`${address}${options.readyPath}`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        if (failed) return;
        ready = true;
        resolve({ pid: child.pid!, address, child, recentOutput: () => [...recent], problems: () => [...problems], stop });
      } catch {
        if (Date.now() - started > timeoutMs) fail(`server did not answer ${address}${options.readyPath} within ${timeoutMs} ms`);
        else setTimeout(() => void poll(), 100);
      }
    };
    void poll();
  });
}

/** The process environment without any setting that would change how Latchkey is configured. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith('LATCHKEY_') || ['DATABASE_URL', 'ISSUER', 'HOST', 'PORT', 'LOG_LEVEL'].includes(key)) continue;
    env[key] = value;
  }
  return { ...env, ...extra };
}

// ---------------------------------------------------------------------------------------------------------
// RSS sampling.

export interface RssSampler {
  /** The largest VmRSS seen, in bytes (0 if none could be read). */
  max(): number;
  /** Resets the maximum (e.g. after warm-up). */
  reset(): void;
  stop(): void;
}

/** Reads `/proc/<pid>/status` VmRSS every `intervalMs` (Linux only; elsewhere `max()` stays 0). */
export function sampleRss(pid: number, intervalMs = 100): RssSampler {
  let max = 0;
  let reading = false;
  const sample = async () => {
    if (reading) return;
    reading = true;
    try {
      const status = await readFile(`/proc/${pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      if (match?.[1]) max = Math.max(max, Number(match[1]) * 1024);
    } catch {
      // the process is gone, or this is not Linux
    } finally {
      reading = false;
    }
  };
  void sample();
  const timer = setInterval(() => void sample(), intervalMs);
  timer.unref();
  return {
    max: () => max,
    reset: () => {
      max = 0;
    },
    stop: () => clearInterval(timer),
  };
}

/** The current VmRSS of `pid` in bytes, or 0. */
export async function readRss(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Databases.

/** A fresh temporary directory, removed at cleanup; `warning` is set when it is on tmpfs (fsync is free there). */
export function tempDir(prefix: string): { dir: string; warning?: string; remove: () => Promise<void> } {
  const base = process.env['BENCH_TMPDIR'] ?? tmpdir();
  const dir = mkdtempSync(join(base, prefix));
  const removeNow = () => rmSync(dir, { recursive: true, force: true });
  atExit.add(removeNow);
  const remove = onCleanup(() => {
    removeNow();
    atExit.delete(removeNow);
  });
  let warning: string | undefined;
  try {
    // TMPFS_MAGIC, RAMFS_MAGIC
    const { type } = statfsSync(dir);
    if (type === 0x01021994 || type === 0x858458f6) {
      warning = `${dir} is on tmpfs/ramfs: fsync costs nothing there, so "durable" figures are optimistic (set BENCH_TMPDIR to a disk)`;
    }
  } catch {
    // statfs is not available everywhere
  }
  return warning === undefined ? { dir, remove } : { dir, warning, remove };
}

export interface BenchPostgres {
  url: string;
  name: string;
  /** `fsync`, `synchronous_commit`, server version: what the figures depend on. */
  settings: Record<string, string>;
  count(table: string): Promise<number>;
  drop: () => Promise<void>;
}

/**
 * Creates `latchkey_bench_<pid>_<random>` on the server `adminUrl` names, dropped at cleanup. Resolves
 * `undefined` (with the reason) when PostgreSQL cannot be reached.
 */
export async function createPostgresDatabase(adminUrl: string): Promise<{ database?: BenchPostgres; skipped?: string }> {
  const name = `latchkey_bench_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (error) {
    await admin.end().catch(() => {});
    return { skipped: `cannot connect to ${redact(adminUrl)}: ${error instanceof Error ? error.message : String(error)}` };
  }
  const settings: Record<string, string> = {};
  try {
    for (const setting of ['server_version', 'fsync', 'synchronous_commit']) {
      const result = await admin.query<Record<string, string>>(`SHOW ${setting}`);
      settings[setting] = result.rows[0]?.[setting] ?? '?';
    }
    await admin.query(`CREATE DATABASE ${name}`);
  } catch (error) {
    await admin.end().catch(() => {});
    return { skipped: `cannot create a database on ${redact(adminUrl)}: ${error instanceof Error ? error.message : String(error)}` };
  }
  await admin.end().catch(() => {});

  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = onCleanup(async () => {
    const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    await client.connect();
    try {
      await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await client.end().catch(() => {});
    }
  });
  const count = async (table: string) => {
    const client = new pg.Client({ connectionString: url.href, connectionTimeoutMillis: 3000 });
    client.on('error', () => {});
    await client.connect();
    try {
      const result = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
      return Number(result.rows[0]?.n ?? 0);
    } finally {
      await client.end().catch(() => {});
    }
  };
  return { database: { url: url.href, name, settings, count, drop } };
}

/** A connection URL without its password. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.href;
  } catch {
    return url;
  }
}

// ---------------------------------------------------------------------------------------------------------
// CPU accounting, to tell a busy server from a busy machine.

/** Clock ticks per second for /proc times (USER_HZ; 100 on every Linux the benchmark is likely to meet). */
const ticksPerSecond = 100;

export interface CpuSnapshot {
  at: number;
  /** Busy ticks of the whole machine (all CPUs), or undefined off Linux. */
  machineBusy?: number;
  /** utime + stime ticks of each watched process. */
  processes: Map<number, number>;
  /** utime + stime ticks of every process with the given command name (e.g. `postgres`), by pid. */
  named: Map<number, number>;
}

async function processTicks(pid: number): Promise<number | undefined> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return undefined;
  }
}

/** Pids of the processes whose command name (`/proc/<pid>/comm`) is `name`. */
async function pidsNamed(name: string): Promise<number[]> {
  let entries: string[];
  try {
    entries = await readdir('/proc');
  } catch {
    return [];
  }
  const pids: number[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if ((await readFile(`/proc/${entry}/comm`, 'utf8')).trim() === name) pids.push(Number(entry));
    } catch {
      // gone
    }
  }
  return pids;
}

/**
 * Busy CPU ticks of the machine, of each process in `pids`, and of every process named `name` (a local
 * database server, whose work belongs to the run rather than to "other processes").
 */
export async function cpuSnapshot(pids: number[], name?: string): Promise<CpuSnapshot> {
  const snapshot: CpuSnapshot = { at: performance.now(), processes: new Map(), named: new Map() };
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const [, user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    void idle;
    void iowait;
    snapshot.machineBusy = [user, nice, system, irq, softirq, steal].reduce<number>((sum, value) => sum + (value ?? 0), 0);
  } catch {
    // not Linux
  }
  for (const pid of pids) {
    const ticks = await processTicks(pid);
    if (ticks !== undefined) snapshot.processes.set(pid, ticks);
  }
  if (name !== undefined) {
    for (const pid of await pidsNamed(name)) {
      if (snapshot.processes.has(pid)) continue;
      const ticks = await processTicks(pid);
      if (ticks !== undefined) snapshot.named.set(pid, ticks);
    }
  }
  return snapshot;
}

export interface CpuUsage {
  /** CPU used by each watched process, in cores (1 = one core fully busy). */
  processes: Map<number, number>;
  /** CPU used by the processes named in the snapshot (a process started during the interval counts whole). */
  named: number;
  /** CPU used by everything else on the machine, in cores; undefined off Linux. */
  others?: number;
}

export function cpuUsage(before: CpuSnapshot, after: CpuSnapshot): CpuUsage {
  const seconds = (after.at - before.at) / 1000;
  const usage: CpuUsage = { processes: new Map(), named: 0 };
  let watched = 0;
  for (const [pid, ticks] of after.processes) {
    const start = before.processes.get(pid);
    if (start === undefined) continue;
    const cores = (ticks - start) / ticksPerSecond / seconds;
    usage.processes.set(pid, cores);
    watched += cores;
  }
  for (const [pid, ticks] of after.named) {
    usage.named += (ticks - (before.named.get(pid) ?? 0)) / ticksPerSecond / seconds;
  }
  watched += usage.named;
  if (before.machineBusy !== undefined && after.machineBusy !== undefined) {
    usage.others = Math.max(0, (after.machineBusy - before.machineBusy) / ticksPerSecond / seconds - watched);
  }
  return usage;
}

// ---------------------------------------------------------------------------------------------------------
// Settings and output shared by the benchmarks.

/** The repository root. */
export const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
export const MiB = 1024 * 1024;
/** Other processes using more than this share of a core during a run make its figures "disturbed". */
export const busyMachine = 0.15;

/** Builds dist/ as `npm start` does, unless BENCH_LATCHKEY_ENTRY names the entry (bench/run.ts builds once). */
export function buildUnlessGiven(): void {
  if (!process.env['BENCH_LATCHKEY_ENTRY']) execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
}

export type TargetName = 'baseline' | 'sqlite' | 'postgres';
export const allTargets: readonly TargetName[] = ['baseline', 'sqlite', 'postgres'];

// ---------------------------------------------------------------------------------------------------------
// The peer: node-oidc-provider, the server users would pick instead (issue 15), measured in the same run.

/** The name of the peer's target in BENCH_ONLY and in the JSON lines. */
export const peerTarget = 'oidc-provider';
export type PeerTarget = typeof peerTarget;

const peerVersion = (() => {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules/oidc-provider/package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
})();

/** How the peer is configured (bench/oidc-provider-server.ts), for the report and the JSON line. */
export const peer = {
  name: 'node-oidc-provider',
  version: peerVersion,
  label: `node-oidc-provider ${peerVersion} (memory)`,
  adapter: 'memory (its MemoryAdapter, store sized so that nothing a run creates is evicted)',
} as const;

/**
 * Starts bench/oidc-provider-server.ts, pinned to the server core as the others. Node runs it with its own type
 * stripping where it has it (Node ≥ 22.18), so the peer's RSS holds no tsx loader; otherwise through tsx.
 */
export function startOidcProvider(): Promise<ServerProcess> {
  return spawnServer({
    args: [join(root, 'bench/oidc-provider-server.ts'), '--host', '127.0.0.1', '--port', '{port}'],
    env: cleanEnv({}),
    readyPath: '/jwks',
    tsx: !process.features.typescript,
    cwd: root,
  });
}

/** The ratio a Latchkey target must reach over the peer's req/s, per storage. */
export interface PeerGoal {
  sqlite: number;
  postgres: number;
}

export interface PeerRatio {
  target: 'sqlite' | 'postgres';
  ratio: number;
  goal: number;
  pass: boolean;
}

/**
 * A run of one target in one round (`BENCH_ROUNDS`): each round runs every target once, in an order rotated by
 * one from the round before, so that no target always follows the same other one (a machine that slows down
 * for a minute then weighs on one round of each, not on every run of one target). Round 0 when the bench runs
 * once.
 */
export interface RoundRun {
  target: string;
  reqPerSec: number;
  round?: number;
}

/** The bench's rounds: `BENCH_ROUNDS`, 1 unless set. */
export const benchRounds = (): number => Math.round(envNumber('BENCH_ROUNDS', 1, 1));

/** `list` rotated left by `by` places: round n of the bench runs its targets in this order. */
export function rotated<T>(list: readonly T[], by: number): T[] {
  if (list.length === 0) return [];
  const start = by % list.length;
  return [...list.slice(start), ...list.slice(0, start)];
}

/** The middle value (the lower of the two middle ones for an even count). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** The run with the median req/s among the runs of one target (one per round): the one its table row shows. */
export function medianRun<T extends RoundRun>(runs: readonly T[]): T {
  const sorted = [...runs].sort((a, b) => a.reqPerSec - b.reqPerSec);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/**
 * A target's row in a report, from its entries of every round: its run of median req/s, else what stands instead
 * of a run (a skip), else undefined.
 */
export function summaryOf<R extends RoundRun, S extends { skipped: string }>(entries: readonly (R | S)[]): R | S | undefined {
  const ran = entries.filter((entry): entry is R => !('skipped' in entry));
  return ran.length > 0 ? medianRun(ran) : entries[0];
}

/**
 * `target`'s req/s (or another figure: `value`) over `over`'s, each taken within one round, and the median of
 * those ratios over the rounds in which both ran (with figures above zero, or not null); undefined when there is
 * no such round. A ratio within one round compares runs a minute apart, which a shared machine disturbs far less
 * than runs ten minutes apart.
 */
export function sameRoundRatio<R extends RoundRun>(
  runs: readonly R[],
  target: string,
  over: string,
  value: (run: R) => number | null = (run) => run.reqPerSec,
): { ratio: number; each: number[] } | undefined {
  const each: number[] = [];
  for (const run of runs) {
    if (run.target !== target) continue;
    const other = runs.find((candidate) => candidate.target === over && (candidate.round ?? 0) === (run.round ?? 0));
    const mine = value(run);
    const theirs = other === undefined ? null : value(other);
    if (mine !== null && theirs !== null && theirs > 0) each.push(mine / theirs);
  }
  return each.length === 0 ? undefined : { ratio: median(each), each };
}

/** Each round's ratio, for a report line: `1.12, 1.20, 1.31` (nothing when the bench ran once). */
export function roundRatios(ratio: { each: number[] } | undefined): string {
  return ratio === undefined || ratio.each.length < 2 ? '' : ` (rounds: ${ratio.each.map((value) => value.toFixed(2)).join(', ')})`;
}

/** Latchkey's req/s over the peer's, per storage, within each round (median over the rounds; none without a peer run). */
export function peerRatios(runs: readonly RoundRun[], goal: PeerGoal): (PeerRatio & { each: number[] })[] {
  return (['sqlite', 'postgres'] as const).flatMap((target) => {
    const found = sameRoundRatio(runs, target, peerTarget);
    if (!found) return [];
    return [{ target, ratio: found.ratio, each: found.each, goal: goal[target], pass: found.ratio >= goal[target] }];
  });
}

/** A Latchkey target's req/s over the peer's, within each round (median over the rounds), or undefined. */
export function ratioToPeer(run: RoundRun, runs: readonly RoundRun[]): number | undefined {
  if (run.target === peerTarget || run.target === 'baseline') return undefined;
  return sameRoundRatio(runs, run.target, peerTarget)?.ratio;
}

/**
 * What an access token is, from a token response: `JWT (ES256, at+jwt)` or `opaque`. The two servers are
 * compared on tokens of the same kind; the report says which kind each issued.
 */
export function accessTokenKind(responseText: string): string {
  const token = /"access_token":"([^"]+)"/.exec(responseText)?.[1];
  if (token === undefined) return 'none';
  const parts = token.split('.');
  if (parts.length !== 3) return 'opaque';
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as { alg?: string; typ?: string };
    return `JWT (${header.alg ?? '?'}${header.typ ? `, ${header.typ}` : ''})`;
  } catch {
    return 'opaque';
  }
}

export function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) throw new Error(`${name} must be a number ≥ ${min}; got ${JSON.stringify(raw)}`);
  return value;
}

/** The names `name` lists (comma-separated), each one of `choices`, in the order of `choices`; every choice when unset. */
export function envList<T extends string>(name: string, choices: readonly T[]): T[] {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return [...choices];
  const names = raw.split(',').map((item) => item.trim()).filter(Boolean);
  for (const item of names) {
    if (!(choices as readonly string[]).includes(item)) throw new Error(`${name} must list ${choices.join(', ')} (comma-separated); got ${JSON.stringify(raw)}`);
  }
  return choices.filter((item) => names.includes(item));
}

/**
 * Runs a benchmark's `main` and exits with its code (0 when it returns none), after the cleanups (servers,
 * databases) have run, whether it succeeded or failed.
 */
export function runBench(main: () => Promise<number | void>): void {
  main().then(
    async (code) => {
      await runAllCleanups();
      process.exit(code ?? 0);
    },
    async (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      await runAllCleanups();
      process.exit(1);
    },
  );
}

export function envChoice<T extends string>(name: string, choices: readonly T[], fallback: T): T {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!(choices as readonly string[]).includes(raw)) throw new Error(`${name} must be one of ${choices.join(', ')}; got ${JSON.stringify(raw)}`);
  return raw as T;
}

export function table(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  const line = (row: string[]) =>
    row
      .map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!)))
      .join('  ')
      .trimEnd();
  return [line(rows[0]!), widths.map((width) => '─'.repeat(width)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

export const round = (value: number, digits: number) => Number(value.toFixed(digits));

// ---------------------------------------------------------------------------------------------------------
// One measured run: the figures both benchmarks report, and their JSON form.

/** CPU used during a measured run, in cores: the server, this process (autocannon), a local database, the rest. */
export interface CpuCores {
  server: number | null;
  loadGenerator: number | null;
  database: number | null;
  others: number | null;
}

/** What autocannon and the samplers measured in one run. */
export interface Measured {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  /** Over the warm-up and the measured run. */
  maxRssMiB: number | null;
  idleRssMiB: number | null;
  cpu: CpuCores;
}

/** The figures of an autocannon result with the RSS (bytes) and CPU samples of its run. */
export function measured(result: autocannon.Result, rss: { max: number; idle: number }, cpu: CpuCores): Measured {
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    p999Ms: result.latency.p99_9,
    maxMs: result.latency.max,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    maxRssMiB: rss.max > 0 ? rss.max / MiB : null,
    idleRssMiB: rss.idle > 0 ? rss.idle / MiB : null,
    cpu,
  };
}

/** The server's CPU time per answered request, in µs (its share of a core over its req/s), or null. */
export function cpuMicrosPerRequest(run: Measured): number | null {
  return run.cpu.server === null || run.reqPerSec === 0 ? null : (run.cpu.server / run.reqPerSec) * 1e6;
}

/** The JSON line's form of a run's figures, rounded. */
export function measuredJson(run: Measured) {
  const cores = (value: number | null) => (value === null ? null : round(value, 2));
  const perRequest = cpuMicrosPerRequest(run);
  return {
    reqPerSec: round(run.reqPerSec, 1),
    p50Ms: run.p50Ms,
    p99Ms: run.p99Ms,
    p999Ms: run.p999Ms,
    maxMs: run.maxMs,
    requests: run.requests,
    non2xx: run.non2xx,
    errors: run.errors,
    timeouts: run.timeouts,
    maxRssMiB: run.maxRssMiB === null ? null : round(run.maxRssMiB, 1),
    idleRssMiB: run.idleRssMiB === null ? null : round(run.idleRssMiB, 1),
    cpuCores: { server: cores(run.cpu.server), autocannon: cores(run.cpu.loadGenerator), database: cores(run.cpu.database), others: cores(run.cpu.others) },
    serverCpuMicrosPerRequest: perRequest === null ? null : round(perRequest, 1),
  };
}
