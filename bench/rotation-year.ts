/**
 * `npx tsx bench/rotation-year.ts`: a simulated year of hourly refresh-token rotation (issue 18: "after a simulated
 * year of hourly refresh rotation for 1,000 agents, the token tables hold only live tokens"), on SQLite and
 * PostgreSQL, through Latchkey's own storage code.
 *
 * Per database: a fresh database migrated by the storage code; one client and user; `ROTATION_YEAR_AGENTS` grants,
 * each with a sealed first token (as a code exchange issues it). Then every simulated hour each agent rotates its
 * token as the token endpoint does (`findRefreshToken`, then `rotateRefreshToken` with a sealed successor of the
 * next generation), all agents at once so that the storage batches them as it batches concurrent requests; and
 * the retention sweep runs every `cleanup.interval` of simulated time (hourly by default), as the server's schedule
 * runs it (a second after the rotations: those of the last grace window, `tokens.refreshReuseGraceSeconds`, stay
 * until the next sweep). Every simulated month it prints the rows of `refresh_tokens` (all, and retired) and, on
 * SQLite, the database's size; at the end, after a last sweep past the grace window, it checks that the table holds exactly one live token per
 * agent and that a token retired a week before the end (deleted since), presented again, is still recognised as
 * reuse. Exits 1 when
 * either check fails.
 *
 * Environment:
 *   ROTATION_YEAR_AGENTS=1000        agents (grants)
 *   ROTATION_YEAR_HOURS=8760         simulated hours
 *   ROTATION_YEAR_ONLY=sqlite,postgres
 *   BENCH_TMPDIR                     where the SQLite file goes (default: the system's temporary directory)
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL   the PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres)
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { retiredTokenMarginMs, sweepRetention } from '../src/cleanup/retention.js';
import { loadConfig } from '../src/config/load.js';
import type { Storage } from '../src/ports/storage.js';
import { openSealedRefreshToken, refreshTokenKey, refreshTokenSeal, sealedRefreshToken, type RefreshTokenSeal } from '../src/protocol/token/refresh-token-key.js';
import { findRetiredFamily } from '../src/protocol/token/refresh-token.js';
import { openStorage } from '../src/storage/open-storage.js';
import { systemRandom } from '../src/system.js';
import { clientRecord, generator } from './admin-seed.js';
import { createPostgresDatabase, envList, envNumber, onCleanup, runBench } from './support.js';

const hourMs = 3_600_000;
const agents = envNumber('ROTATION_YEAR_AGENTS', 1000, 1);
const hours = envNumber('ROTATION_YEAR_HOURS', 8760, 1);
const only = envList('ROTATION_YEAR_ONLY', ['sqlite', 'postgres'] as const);
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

interface Agent {
  grantId: string;
  token: string;
  generation: number;
}

async function simulate(dialect: 'sqlite' | 'postgres'): Promise<boolean> {
  let url: string;
  let size = () => '';
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'latchkey-rotation-year-'));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'latchkey.db');
    url = `sqlite:${file}`;
    size = () => {
      const wal = (() => {
        try {
          return statSync(`${file}-wal`).size;
        } catch {
          return 0;
        }
      })();
      return `, database ${((statSync(file).size + wal) / 1e6).toFixed(1)} MB`;
    };
  } else {
    const created = await createPostgresDatabase(adminUrl);
    if (!created.database) {
      process.stderr.write(`postgres skipped: ${created.skipped}\n`);
      return true;
    }
    url = created.database.url;
  }
  const config = loadConfig({ env: {}, overrides: { 'database.url': url } });
  const storage = await openStorage(config.database, { secrets: config.secrets });
  const close = onCleanup(() => storage.close());
  try {
    await storage.migrate();
    const seal = refreshTokenSeal(randomBytes(32).toString('base64url'));
    let now = Date.UTC(2026, 0, 1);
    const client = { ...clientRecord(generator(7), 0, Math.floor(now / 1000), 'none'), clientId: randomUUID(), registrationSource: 'dynamic' as const, initialAccessTokenId: null };
    await storage.clients.insertClient(client);
    const userId = randomUUID();
    await storage.users.createUser({ id: userId, username: 'year-agent-user', passwordHash: null, name: null, email: null, isAdmin: false, createdAt: now });
    const ttl = config.tokens.refreshTokenTtlSeconds * 1000;
    const team: Agent[] = [];
    for (let n = 0; n < agents; n++) {
      const grantId = systemRandom.timeOrderedUuid(now);
      const token = mint(seal, now, grantId, 0);
      await storage.grants.createGrant(
        { id: grantId, clientId: client.clientId, userId, scope: 'mcp:tools', resource: null, authTime: now, createdAt: now, revokedAt: null },
        { tokenDigest: refreshTokenKey(token), grantId, scope: 'mcp:tools', createdAt: now, expiresAt: now + ttl },
        null,
      );
      team.push({ grantId, token, generation: 0 });
    }
    // The token agent 0 holds a week before the end (or at the start): retired then, deleted, not yet expired.
    const probeHour = Math.max(1, hours - 168);
    let probe = team[0]!.token;
    const sweepEvery = Math.max(1, Math.round(config.cleanup.interval / 3600));
    const started = performance.now();
    let rotations = 0;
    for (let hour = 1; hour <= hours; hour++) {
      now += hourMs;
      if (hour === probeHour) probe = team[0]!.token;
      await Promise.all(team.map((agent) => rotate(storage, seal, agent, now, ttl)));
      rotations += team.length;
      if (hour % sweepEvery === 0) await sweepRetention(storage, config, now + 1);
      if (hour % 730 === 0 || hour === hours) {
        const { all, retired } = await countTokens(dialect, url);
        const rate = rotations / ((performance.now() - started) / 1000);
        process.stderr.write(`${dialect}: hour ${hour}: ${rotations} rotations (${rate.toFixed(0)}/s), refresh_tokens ${all} rows, ${retired} retired${size()}\n`);
      }
    }
    // The last sweep once the last rotation's grace window (tokens.refreshReuseGraceSeconds) is over.
    await sweepRetention(storage, config, now + config.tokens.refreshReuseGraceSeconds * 1000 + retiredTokenMarginMs + 1);
    const { all, retired } = await countTokens(dialect, url);
    const onlyLive = all === agents && retired === 0;
    // A token of one agent retired weeks ago (deleted, not yet expired), presented again: reuse, so its grant is
    // found, to be revoked.
    const family = await findRetiredFamily(probe, seal, storage.grants, now, ttl);
    const recognised = family?.id === team[0]!.grantId;
    process.stdout.write(
      `${dialect}: after ${hours} simulated hours of ${agents} agents rotating hourly (${rotations} rotations, ${((performance.now() - started) / 1000).toFixed(0)} s): ` +
        `refresh_tokens holds ${all} rows, ${retired} retired: ${onlyLive ? 'only the live token of each agent' : 'MORE THAN THE LIVE TOKENS'}; ` +
        `a token retired at hour ${probeHour} and deleted since ${recognised ? 'is still recognised as reuse' : 'IS NOT RECOGNISED AS REUSE'}${size()}\n`,
    );
    return onlyLive && recognised;
  } finally {
    await close();
  }
}

function mint(seal: RefreshTokenSeal, at: number, grantId: string, generation: number): string {
  return sealedRefreshToken(seal, { issuedAt: at, grantId, generation }, systemRandom.token(32)) ?? fail('grant ids are UUIDs');
}

async function rotate(storage: Storage, seal: RefreshTokenSeal, agent: Agent, now: number, ttl: number): Promise<void> {
  const key = refreshTokenKey(agent.token);
  const found = await storage.grants.findRefreshToken(key);
  if (!found || found.used) fail(`the live token of ${agent.grantId} is ${found ? 'used' : 'gone'}`);
  const next = mint(seal, now, agent.grantId, found.generation + 1);
  const rotation = await storage.grants.rotateRefreshToken(key, { tokenDigest: refreshTokenKey(next), grantId: agent.grantId, scope: found.token.scope, createdAt: now, expiresAt: now + ttl }, now);
  if (rotation.status !== 'rotated') fail(`rotation of ${agent.grantId}: ${rotation.status}`);
  if (openSealedRefreshToken(seal, next)?.generation !== agent.generation + 1) fail('generations out of step');
  agent.token = next;
  agent.generation += 1;
}

/** The rows of `refresh_tokens`, all and retired, read on a connection of its own. */
async function countTokens(dialect: 'sqlite' | 'postgres', url: string): Promise<{ all: number; retired: number }> {
  const statement = 'select count(*) as a, count(used_ms) as r from refresh_tokens';
  if (dialect === 'sqlite') {
    const db = new BetterSqlite3(url.slice('sqlite:'.length), { readonly: true });
    try {
      const row = db.prepare(statement).get() as { a: number; r: number };
      return { all: Number(row.a), retired: Number(row.r) };
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ a: string; r: string }>(statement);
    return { all: Number(rows[0]!.a), retired: Number(rows[0]!.r) };
  } finally {
    await client.end();
  }
}

function fail(message: string): never {
  throw new Error(message);
}

runBench(async () => {
  let ok = true;
  for (const dialect of only) ok = (await simulate(dialect)) && ok;
  return ok ? 0 : 1;
});
