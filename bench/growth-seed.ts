/**
 * The data and the instruments of `bench/growth.ts`: a database of many clients and grants written by Latchkey's
 * own storage code, copies of it for each measurement, and the counters read around a load (disk writes and
 * fsyncs of the server, PostgreSQL's WAL).
 *
 * The clients are bench/admin-seed.ts's mix (the same generator, `clientRecord` and `registeredEvent`): inserted
 * through `insertClient` (group commit), one `client.registered` event each through `appendAuditEvents`, two
 * thirds of them used since (`recordLastUses`, as admin-seed does), and the grants, each with a live refresh
 * token, through `createGrant` (one transaction each, as a code exchange writes them). The rows are written a
 * chunk at a time, so a million clients never sit in memory at once.
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { closeSync, constants as fsConstants, copyFileSync, existsSync, fsyncSync, openSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import autocannon from 'autocannon';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { ClientRecord } from '../src/ports/clients.js';
import type { Storage } from '../src/ports/storage.js';
import { digestSecret } from '../src/protocol/secrets.js';
import { createUser } from '../src/users/users.js';
import { orderedRefreshToken, refreshTokenKey } from '../src/protocol/token/refresh-token-key.js';
import { systemRandom } from '../src/system.js';
import { clientRecord, generator, inParallel, inWindows, recordLastUses, registeredEvent } from './admin-seed.js';
import { onCleanup } from './support.js';

// ---------------------------------------------------------------------------------------------------------
// Progress.

/** Prints `done / total` with the rate and the time left to stderr, at most every two seconds. */
export function progressMeter(label: string, total: number): { tick(done: number): void; finish(): number } {
  const started = performance.now();
  let printed = started;
  const line = (done: number, final: boolean) => {
    const seconds = (performance.now() - started) / 1000;
    const rate = done / Math.max(seconds, 0.001);
    const left = final ? '' : `, ETA ${Math.round((total - done) / Math.max(rate, 1))} s`;
    process.stderr.write(`    ${label}: ${done.toLocaleString('en-US')} / ${total.toLocaleString('en-US')} (${Math.round((100 * done) / total)}%), ${Math.round(rate).toLocaleString('en-US')}/s${left}, ${seconds.toFixed(0)} s\n`);
  };
  return {
    tick(done) {
      if (performance.now() - printed < 2000) return;
      printed = performance.now();
      line(done, false);
    },
    finish() {
      line(total, true);
      return (performance.now() - started) / 1000;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------
// Seeding.

export interface GrowthSeed {
  clients: number;
  grants: number;
  neverUsed: number;
  admin: { username: string; password: string };
  /** Seconds per kind of row (summed over the chunks), and in all. */
  seconds: { clients: number; auditEvents: number; lastUses: number; grants: number; total: number };
}

/** Clients generated, written and forgotten at a time. */
const chunkSize = 10_000;
const dayMs = 86_400_000;
/**
 * The clients registered over this many days before now: inside `audit.retentionDays` (90) and `cleanup.idleAfter`
 * (90 days), so that `latchkey gc` (with `cleanup.unusedAfter` at its maximum) finds nothing to delete.
 */
const spanDays = 60;
/** Users the grants belong to (grants are per user and client). */
const grantUsers = 100;

/** An administrator to sign in with, and the users the grants belong to; also what an empty database gets. */
export async function seedUsers(storage: Storage): Promise<{ admin: GrowthSeed['admin']; userIds: string[] }> {
  const now = Date.now();
  const admin = { username: 'bench-admin', password: randomBytes(18).toString('base64url') };
  await createUser(storage.users, { username: admin.username, password: admin.password, isAdmin: true, name: 'Bench Admin' }, { now, newId: randomUUID });
  const userIds = Array.from({ length: grantUsers }, () => randomUUID());
  // The password hash is never checked: these users never sign in.
  for (const [n, id] of userIds.entries()) {
    await storage.users.createUser({ id, username: `agent-user-${n}`, passwordHash: null, name: null, email: null, isAdmin: false, createdAt: now - spanDays * dayMs });
  }
  return { admin, userIds };
}

/** A grant and its live refresh token for `clientId`, created at `at`, as a code exchange stores them. */
function createGrant(storage: Storage, clientId: string, userId: string, at: number, now: number): Promise<void> {
  // Ids and keys as a code exchange at `at` makes them (time-ordered).
  const grantId = systemRandom.timeOrderedUuid(at);
  const scope = 'mcp:tools';
  return storage.grants.createGrant(
    { id: grantId, clientId, userId, scope, resource: null, authTime: at, createdAt: at, revokedAt: null },
    { tokenDigest: refreshTokenKey(orderedRefreshToken(at, systemRandom.token(32))), grantId, scope, createdAt: at, expiresAt: now + 30 * dayMs },
    null,
  );
}

/**
 * Fills a freshly migrated database (`storage`, opened on `databaseUrl`) with `counts.clients` clients and
 * `counts.grants` grants, a chunk at a time, printing progress to stderr. The storage stays open.
 */
export async function seedGrowth(storage: Storage, databaseUrl: string, counts: { clients: number; grants: number }): Promise<GrowthSeed> {
  const started = performance.now();
  const rng = generator(0x6e0e7);
  const now = Date.now();
  const nowSeconds = Math.floor(now / 1000);
  const spanSeconds = spanDays * 86_400;
  const { admin, userIds } = await seedUsers(storage);
  const iatId = randomUUID();
  await storage.initialAccessTokens.createInitialAccessToken({
    id: iatId,
    tokenDigest: digestSecret(randomBytes(32).toString('base64url')),
    description: 'partner onboarding (bench)',
    policy: null,
    maxUses: null,
    uses: 0,
    createdAt: now - (spanDays + 1) * dayMs,
    expiresAt: null,
    revokedAt: null,
  });
  const seconds = { clients: 0, auditEvents: 0, lastUses: 0, grants: 0, total: 0 };
  const timed = async (step: keyof typeof seconds, work: () => Promise<unknown>) => {
    const at = performance.now();
    await work();
    seconds[step] += (performance.now() - at) / 1000;
  };
  const meter = progressMeter('clients (with their events, last uses and grants)', counts.clients);
  // Grants are not group-committed: each takes a pooled connection on PostgreSQL (10 in the pool).
  const grantConcurrency = storage.dialect === 'sqlite' ? 1000 : 10;
  let neverUsed = 0;
  let grantsDone = 0;
  for (let start = 0; start < counts.clients; start += chunkSize) {
    const end = Math.min(counts.clients, start + chunkSize);
    const records: ClientRecord[] = [];
    for (let n = start; n < end; n++) {
      const issuedAt = nowSeconds - spanSeconds + Math.floor((n * spanSeconds) / counts.clients) + rng.int(0, 59);
      records.push(clientRecord(rng, n, Math.min(issuedAt, nowSeconds), iatId));
    }
    await timed('clients', () => inWindows(records, (record) => storage.clients.insertClient(record)));
    const events = records.map((record) => registeredEvent(record, rng));
    const batches = Array.from({ length: Math.ceil(events.length / 500) }, (_, n) => events.slice(n * 500, (n + 1) * 500));
    await timed('auditEvents', () => inParallel(batches, 4, (batch) => storage.auditEvents.appendAuditEvents(batch)));

    // Two thirds used since they registered (as in admin-seed), and those hold the grants.
    const uses = records.flatMap((record, n) => {
      if ((start + n) % 3 === 0) return [];
      const from = record.clientIdIssuedAt * 1000;
      return [{ clientId: record.clientId, at: from + Math.floor(rng.next() * (now - from)) }];
    });
    neverUsed += records.length - uses.length;
    await timed('lastUses', () => recordLastUses(databaseUrl, uses));
    const grantsHere = Math.floor((counts.grants * end) / counts.clients) - grantsDone;
    const grants = Array.from({ length: grantsHere }, (_, n) => uses[n % uses.length]!);
    await timed('grants', () => inParallel(grants, grantConcurrency, (use) => createGrant(storage, use.clientId, userIds[rng.int(0, grantUsers - 1)]!, use.at, now)));
    grantsDone += grantsHere;
    meter.tick(end);
  }
  meter.finish();
  seconds.total = (performance.now() - started) / 1000;
  return { clients: counts.clients, grants: grantsDone, neverUsed, admin, seconds };
}

// ---------------------------------------------------------------------------------------------------------
// Copies of a seeded database.

/** Moves a SQLite database's WAL into its main file and empties it, so that the file alone is the database. */
export function checkpointSqlite(file: string): void {
  const db = new BetterSqlite3(file);
  try {
    db.pragma('wal_checkpoint(TRUNCATE)');
  } finally {
    db.close();
  }
}

/** Copies a checkpointed SQLite database (and its `-wal`, when one is left) to `to`; a reflink where the file system has them. */
export function copySqlite(from: string, to: string): void {
  copyFileSync(from, to, fsConstants.COPYFILE_FICLONE);
  if (existsSync(`${from}-wal`) && statSync(`${from}-wal`).size > 0) copyFileSync(`${from}-wal`, `${to}-wal`, fsConstants.COPYFILE_FICLONE);
  // Written to disk before anything is measured on it: a copy of 2 GB left to the kernel's writeback was still being
  // written during the measurement, and each fsync of the server's commits waited behind it (a sweep's first batches
  // took 0.1-1.3 s instead of 5-20 ms).
  for (const file of [to, `${to}-wal`]) {
    if (!existsSync(file)) continue;
    const fd = openSync(file, 'r+');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** Runs `work` with one connection to `url`, closed afterwards. */
export async function withPg<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A copy of the PostgreSQL database `template` (`CREATE DATABASE … TEMPLATE … STRATEGY FILE_COPY`: the files are
 * copied, not written through the WAL), dropped at cleanup. The template must have no open connection.
 */
export async function clonePostgres(adminUrl: string, template: string, name: string): Promise<{ url: string; drop: () => Promise<void> }> {
  await withPg(adminUrl, async (client) => {
    const version = Number((await client.query<{ server_version_num: string }>('SHOW server_version_num')).rows[0]?.server_version_num ?? 0);
    await client.query(`CREATE DATABASE ${name} TEMPLATE ${template}${version >= 150000 ? ' STRATEGY FILE_COPY' : ''}`);
  });
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const drop = onCleanup(() => withPg(adminUrl, async (client) => void (await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`))));
  return { url: url.href, drop };
}

// ---------------------------------------------------------------------------------------------------------
// Counters read around a load.

/** Bytes the process sent to the storage layer and its write calls (`/proc/<pid>/io`), or undefined off Linux. */
export async function readIo(pid: number): Promise<{ writeBytes: number; syscw: number } | undefined> {
  try {
    const text = await readFile(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(text)?.[1] ?? NaN);
    return { writeBytes: field('write_bytes'), syscw: field('syscw') };
  } catch {
    return undefined;
  }
}

/**
 * Counts the `fsync` and `fdatasync` calls of `pid` with `perf stat` (kernel tracepoints, counted in the kernel,
 * so the server is not slowed). `stop()` resolves the count, or null when perf is missing or not permitted.
 */
export function countSyncs(pid: number): { stop(): Promise<number | null> } {
  const events = ['syscalls:sys_enter_fsync', 'syscalls:sys_enter_fdatasync'];
  let output = '';
  let failed = false;
  const perf = spawn('perf', ['stat', '-x', ',', '-e', events.join(','), '-p', String(pid)], { stdio: ['ignore', 'ignore', 'pipe'] });
  perf.once('error', () => {
    failed = true;
  });
  perf.stderr.on('data', (data: Buffer) => {
    output += data.toString();
  });
  const exited = new Promise<void>((resolve) => perf.once('close', () => resolve()));
  return {
    async stop() {
      if (!failed) perf.kill('SIGINT');
      await exited;
      const countsFound = events.map((event) => output.split('\n').find((line) => line.includes(event))?.split(',')[0]);
      if (failed || countsFound.some((count) => count === undefined || !/^\d+$/.test(count))) return null;
      return countsFound.reduce((sum, count) => sum + Number(count), 0);
    },
  };
}

/** PostgreSQL's WAL counters (`pg_stat_wal`, PostgreSQL 14+: the whole server, not one database), or undefined. */
export async function readPgWal(url: string): Promise<{ walBytes: number; walWrite: number; walSync: number } | undefined> {
  try {
    return await withPg(url, async (client) => {
      const row = (await client.query<{ wal_bytes: string; wal_write: string; wal_sync: string }>('SELECT wal_bytes, wal_write, wal_sync FROM pg_stat_wal')).rows[0];
      return row && { walBytes: Number(row.wal_bytes), walWrite: Number(row.wal_write), walSync: Number(row.wal_sync) };
    });
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------------------------------------
// Loads.

/** Registration as bench/register.ts loads it: each connection cycles through 32 bodies with distinct names. */
export function registrationLoad(address: string, seconds: number, connections: number): Promise<autocannon.Result> {
  const headers = { 'content-type': 'application/json' };
  const requests = Array.from({ length: 32 }, (_, n) => ({
    method: 'POST' as const,
    path: '/register',
    headers,
    body: JSON.stringify({ client_name: `Bench ${n}`, redirect_uris: ['https://bench.example/cb'], token_endpoint_auth_method: 'none' }),
  }));
  return autocannon({ url: address, connections, duration: seconds, requests, timeout: 10 });
}

/** Registers the public client whose refresh tokens the refresh load presents; resolves its id. */
export async function registerRefreshClient(address: string): Promise<string> {
  const response = await fetch(`${address}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'Growth bench', redirect_uris: ['https://bench.example/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] }),
  });
  const text = await response.text();
  if (response.status !== 201) throw new Error(`POST /register answered ${response.status}, not 201: ${text.slice(0, 300)}`);
  return (JSON.parse(text) as { client_id: string }).client_id;
}

/**
 * Fresh live refresh tokens for `clientId`, as bench/token.ts mints them: a grant and a first token each, through
 * the storage port on a second connection to the server's database. Resolves the token values.
 */
export async function mintRefreshTokens(databaseUrl: string, clientId: string, count: number): Promise<string[]> {
  const { openStorage } = await import('../src/storage/open-storage.js');
  const storage = await openStorage({ url: databaseUrl, sqliteSynchronous: 'normal', poolSize: 4 });
  const close = onCleanup(() => storage.close());
  try {
    const userId = randomUUID();
    await storage.users.createUser({ id: userId, username: `refresh-${userId.slice(0, 8)}`, passwordHash: null, name: null, email: null, isAdmin: false, createdAt: Date.now() });
    const now = Date.now();
    const tokens = Array.from({ length: count }, () => orderedRefreshToken(now, systemRandom.token(32)));
    await inParallel(tokens, 8, async (token) => {
      const grantId = systemRandom.timeOrderedUuid(now);
      await storage.grants.createGrant(
        { id: grantId, clientId, userId, scope: 'mcp:tools', resource: null, authTime: now, createdAt: now, revokedAt: null },
        { tokenDigest: refreshTokenKey(token), grantId, scope: 'mcp:tools', createdAt: now, expiresAt: now + 30 * dayMs },
        null,
      );
    });
    return tokens;
  } finally {
    await close();
  }
}

/**
 * Refresh with rotation, each connection following a chain of its own (the token the previous answer returned);
 * a connection whose request went unanswered moves to a spare chain, since presenting a rotated token again
 * would revoke its grant (see bench/token.ts). `tokens` must hold a chain per connection and spares.
 */
export function refreshLoad(address: string, seconds: number, connections: number, tokens: string[], clientId: string): Promise<autocannon.Result> {
  const headers = { 'content-type': 'application/x-www-form-urlencoded' };
  const body = (token: string) => `grant_type=refresh_token&refresh_token=${encodeURIComponent(token)}&client_id=${encodeURIComponent(clientId)}`;
  let next = 0;
  const take = () => ({ token: tokens[next++] ?? 'never-issued', awaiting: false });
  return autocannon({
    url: address,
    connections,
    duration: seconds,
    pipelining: 1,
    timeout: 10,
    requests: [{ method: 'POST', path: '/token', headers, body: 'grant_type=refresh_token' }],
    setupClient: (client) => {
      let chain = take();
      client.setRequests([
        {
          method: 'POST',
          path: '/token',
          headers,
          setupRequest: (request) => {
            if (chain.awaiting) chain = take();
            chain.awaiting = true;
            return { ...request, body: body(chain.token) };
          },
          onResponse: (_status, responseBody) => {
            chain.awaiting = false;
            const match = /"refresh_token":"([^"]+)"/.exec(responseBody);
            if (match?.[1]) chain.token = match[1];
          },
        },
      ]);
    },
  });
}

// ---------------------------------------------------------------------------------------------------------
// A signed-in operator.

/** GETs with the session cookie of an administrator signed in as a browser does (the form's CSRF field, then POST). */
export async function signIn(address: string, username: string, password: string): Promise<(path: string) => Promise<{ status: number; body: string }>> {
  const jar = new Map<string, string>();
  const keep = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair = ''] = line.split(';', 1);
      const equals = pair.indexOf('=');
      if (equals > 0) jar.set(pair.slice(0, equals).trim(), pair.slice(equals + 1).trim());
    }
  };
  const cookie = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const form = await fetch(`${address}/signin?return_to=%2Fadmin`, { redirect: 'manual' });
  keep(form);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1]?.replaceAll('&amp;', '&');
  if (csrf === undefined) throw new Error(`GET /signin answered ${form.status} without a CSRF field`);
  const post = await fetch(`${address}/signin`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie() },
    body: new URLSearchParams({ username, password, csrf, return_to: '/admin' }),
  });
  keep(post);
  await post.arrayBuffer();
  if (post.status !== 303) throw new Error(`POST /signin answered ${post.status}, not 303`);
  const header = cookie();
  return async (path) => {
    const response = await fetch(`${address}${path}`, { headers: { cookie: header }, redirect: 'manual' });
    return { status: response.status, body: await response.text() };
  };
}
