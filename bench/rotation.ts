/**
 * `npx tsx bench/rotation.ts`: refresh token rotations through the storage alone (no HTTP, no signing), as the token
 * endpoint runs them: `findRefreshToken`, then `rotateRefreshToken` with the grant found. `ROTATION_AGENTS`
 * concurrent agents each rotate tokens of their own, so that the storage batches them as it batches concurrent
 * requests. Prints, per database, this process's CPU µs per rotation (where the storage code's own cost shows; on
 * PostgreSQL the server's work is not in it), wall µs per rotation and SQL statements per rotation (begin and
 * commit included), medians over blocks.
 *
 * `ROTATION_COMPARE=<dir>`, a directory holding another version's `src/` (e.g. `git archive <commit> src | tar -x
 * -C <dir>`), runs that version's storage too, in the same process on a database of its own, in alternated blocks
 * (A B, B A, ...): an A/B that a busy machine disturbs less than separate runs would.
 *
 * Environment:
 *   ROTATION_ONLY=sqlite,postgres
 *   ROTATION_AGENTS=16   ROTATION_ROUNDS=150 (rotations per agent and block)   ROTATION_BLOCKS=8
 *   ROTATION_SYNCHRONOUS=full   SQLite's synchronous setting (full | normal)
 *   BENCH_DATABASE_URL / TEST_DATABASE_URL   the PostgreSQL server (postgres://postgres@127.0.0.1:5432/postgres)
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Storage } from '../src/ports/storage.js';
import { clientRecord, generator } from './admin-seed.js';
import { createPostgresDatabase, envList, envNumber, onCleanup, root, runBench } from './support.js';

const only = envList('ROTATION_ONLY', ['sqlite', 'postgres'] as const);
const agents = envNumber('ROTATION_AGENTS', 16, 1);
const rounds = envNumber('ROTATION_ROUNDS', 150, 1);
const blocks = envNumber('ROTATION_BLOCKS', 8, 1);
const synchronous = process.env['ROTATION_SYNCHRONOUS'] === 'normal' ? 'normal' : 'full';
const compare = process.env['ROTATION_COMPARE'];
const adminUrl = process.env['BENCH_DATABASE_URL'] ?? process.env['TEST_DATABASE_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

// Every statement either driver runs is counted: better-sqlite3's statements, node-postgres' queries.
let statements = 0;
const probe = new BetterSqlite3(':memory:');
const statement = Object.getPrototypeOf(probe.prepare('select 1')) as Record<string, (...args: unknown[]) => unknown>;
probe.close();
for (const method of ['run', 'all', 'get', 'iterate']) {
  const original = statement[method]!;
  statement[method] = function (this: unknown, ...args: unknown[]) {
    statements++;
    return original.apply(this, args);
  };
}
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
  statements++;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

/** A version's storage on a fresh database, seeded with `agents` × 8 grants; resolves a runner of rotations. */
async function prepare(dialect: 'sqlite' | 'postgres', sourceRoot: string) {
  const { openStorage } = (await import(pathToFileURL(join(sourceRoot, 'src/storage/open-storage.ts')).href)) as typeof import('../src/storage/open-storage.js');
  let url: string;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(process.env['BENCH_TMPDIR'] ?? tmpdir(), 'latchkey-rotation-'));
    onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
    url = `sqlite:${join(dir, 'latchkey.db')}`;
  } else {
    const created = await createPostgresDatabase(adminUrl);
    if (!created.database) throw new Error(`postgres: ${created.skipped}`);
    url = created.database.url;
  }
  const storage: Storage = await openStorage({ url, poolSize: 10, sqliteSynchronous: synchronous });
  onCleanup(() => storage.close());
  await storage.migrate();
  const clientId = randomUUID();
  await storage.clients.insertClient({ ...clientRecord(generator(7), 0, 1, 'none'), clientId, registrationSource: 'dynamic', initialAccessTokenId: null });
  const chains = await Promise.all(
    Array.from({ length: agents * 8 }, async () => {
      const grantId = randomUUID();
      const tokenDigest = randomUUID();
      const grant = { id: grantId, clientId, userId: null, scope: 'mcp', resource: null, authTime: 1, createdAt: 1, revokedAt: null };
      await storage.grants.createGrant(grant, { tokenDigest, grantId, scope: 'mcp', createdAt: 1, expiresAt: 9e12 }, null);
      return { grantId, tokenDigest };
    }),
  );
  let now = 1000;
  const agent = async (slot: number, count: number) => {
    for (let n = 0; n < count; n++) {
      const chain = chains[slot + agents * (n % 8)]!;
      const found = await storage.grants.findRefreshToken(chain.tokenDigest);
      if (!found || found.used) throw new Error(`the live token of ${chain.grantId} is ${found ? 'used' : 'gone'}`);
      const next = { tokenDigest: randomUUID(), grantId: chain.grantId, scope: 'mcp', createdAt: now, expiresAt: 9e12 };
      const rotation = await storage.grants.rotateRefreshToken(chain.tokenDigest, next, ++now, 10_000, found.grant);
      if (rotation.status !== 'rotated') throw new Error(`rotation of ${chain.grantId}: ${rotation.status}`);
      chain.tokenDigest = next.tokenDigest;
    }
  };
  return (count: number) => Promise.all(Array.from({ length: agents }, (_, slot) => agent(slot, count)));
}

async function measure(dialect: 'sqlite' | 'postgres'): Promise<void> {
  const versions = [{ name: 'this', run: await prepare(dialect, root) }];
  if (compare) versions.unshift({ name: compare, run: await prepare(dialect, resolve(compare)) });
  const figures = versions.map(() => ({ cpu: [] as number[], wall: [] as number[], statements: 0 }));
  for (const version of versions) await version.run(50);
  const total = agents * rounds;
  for (let block = 0; block < blocks; block++) {
    const order = block % 2 === 0 ? versions.keys() : [...versions.keys()].reverse();
    for (const index of order) {
      statements = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      await versions[index]!.run(rounds);
      const wall = performance.now() - started;
      const used = process.cpuUsage(cpu);
      figures[index]!.cpu.push((used.user + used.system) / total);
      figures[index]!.wall.push((wall * 1000) / total);
      figures[index]!.statements = statements / total;
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!.toFixed(1);
  versions.forEach((version, index) => {
    const f = figures[index]!;
    process.stdout.write(
      `${dialect}${dialect === 'sqlite' ? ` (synchronous=${synchronous})` : ''} ${version.name}: CPU µs/rotation ${median(f.cpu)} [${f.cpu.map((x) => x.toFixed(0)).join(' ')}], ` +
        `wall µs/rotation ${median(f.wall)}, statements/rotation ${f.statements.toFixed(2)}\n`,
    );
  });
}

runBench(async () => {
  process.stdout.write(`rotations: ${agents} agents, ${blocks} blocks of ${agents * rounds} per version\n`);
  for (const dialect of only) await measure(dialect);
});
