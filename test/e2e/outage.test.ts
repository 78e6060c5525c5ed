import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { postgresUrl } from '../support/databases.js';
import { findPostgresBinaries, startPrivatePostgres, type PrivatePostgres } from '../support/private-postgres.js';
import { spawnServer, type ServerProcess } from '../support/process.js';

/**
 * PRODUCT §4 and §7: while the database is down, clients get `503 temporarily_unavailable` (so that they retry
 * rather than, say, register again), never a `500`; Latchkey recovers by itself once the database is back; and
 * no registration it answered `201` for is lost. `/readyz` tells a load balancer which state it is in.
 *
 * The database is a private PostgreSQL server that this test stops and starts, never the shared cluster that
 * other suites run against. It goes down twice: cleanly (`pg_ctl stop -m fast`) and as a crash (`-m immediate`).
 */

/** Registrations in flight at once. */
const concurrency = 8;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Registrations sent continuously to `server`, with every answer sorted by status. */
function startLoad(server: ServerProcess) {
  const registered: string[] = [];
  const statuses = new Map<number, number>();
  const unexpected: string[] = [];
  let unavailable = 0;
  let running = true;
  let sequence = 0;

  const worker = async () => {
    while (running) {
      const n = sequence++;
      try {
        const response = await fetch(`${server.address}/register`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ client_name: `Outage client ${n}`, redirect_uris: [`https://app${n}.example/cb`] }),
        });
        const text = await response.text();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        if (response.status === 201) {
          registered.push((JSON.parse(text) as { client_id: string }).client_id);
        } else if (response.status === 503) {
          const body = JSON.parse(text) as Record<string, unknown>;
          if (body['error'] !== 'temporarily_unavailable' || typeof body['error_description'] !== 'string' || !response.headers.get('retry-after')) {
            unexpected.push(`503 with ${text} (Retry-After ${response.headers.get('retry-after')})`);
          }
          unavailable++;
          // As a client honouring Retry-After would, only sooner: the test must see the recovery quickly.
          await sleep(50);
        } else {
          unexpected.push(`${response.status}: ${text.slice(0, 300)}`);
        }
      } catch (error) {
        unexpected.push(`no answer: ${(error as Error).message}`);
        await sleep(50);
      }
    }
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  return {
    registered,
    statuses,
    unexpected,
    unavailable: () => unavailable,
    async stop() {
      running = false;
      await workers;
    },
  };
}

async function readiness(server: ServerProcess) {
  const response = await fetch(`${server.address}/readyz`);
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Polls `check` every 100 ms until it holds or `ms` have passed; returns whether it held. */
async function eventually(ms: number, check: () => boolean | Promise<boolean>): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(100);
  }
  return check();
}

const binaries = findPostgresBinaries();
const skip = postgresUrl
  ? {}
  : { skip: 'TEST_DATABASE_URL is not set: the outage test runs a private PostgreSQL server (CI sets it, and then missing PostgreSQL binaries fail the test)' };

describe('a PostgreSQL outage under registration load', skip, () => {
  let database: PrivatePostgres | undefined;
  let server: ServerProcess | undefined;

  before(async () => {
    // Under CI a missing PostgreSQL is an error: skipping would hide that this test never ran.
    if (!binaries) throw new Error('initdb and pg_ctl were not found (in /usr/lib/postgresql/*/bin or on PATH): install PostgreSQL');
    database = await startPrivatePostgres(binaries);
    server = await spawnServer({ databaseUrl: database.url });
  });
  after(async () => {
    await server?.kill();
    await database?.destroy();
  });

  it('answers 503 (never 500) while the database is down, recovers without a restart, and loses no 201', { timeout: 180_000 }, async (t) => {
    const load = startLoad(server!);
    try {
      for (const mode of ['fast', 'immediate'] as const) {
        const before = load.registered.length;
        assert.ok(await eventually(10_000, () => load.registered.length >= before + 20), `registrations succeed before the ${mode} stop`);
        assert.deepEqual(await readiness(server!), { status: 200, body: { status: 'ready', database: 'ok' } });

        await database!.stop(mode);
        const unavailableBefore = load.unavailable();
        assert.ok(await eventually(10_000, () => load.unavailable() > unavailableBefore), 'registrations are answered 503 while it is down');
        assert.deepEqual(await readiness(server!), { status: 503, body: { status: 'not ready', database: 'unavailable' } });
        await sleep(1000);
        const downAt = load.registered.length;
        await sleep(500);
        assert.equal(load.registered.length, downAt, 'nothing is answered 201 while the database is down');

        await database!.start();
        assert.ok(await eventually(30_000, async () => (await readiness(server!)).status === 200), '/readyz says ready again');
        assert.ok(await eventually(30_000, () => load.registered.length >= downAt + 20), `registrations succeed again after the ${mode} stop`);
        t.diagnostic(`${mode} stop: ${load.unavailable() - unavailableBefore} answers 503 while down; ${load.registered.length} registered so far`);
      }
    } finally {
      await load.stop();
    }
    t.diagnostic(`answers by status: ${[...load.statuses].map(([status, n]) => `${status}: ${n}`).join(', ')}`);
    assert.deepEqual(load.unexpected.slice(0, 20), [], 'every answer was a 201 or a 503 temporarily_unavailable');
    assert.equal(load.statuses.get(500), undefined);
    assert.equal(server!.child.exitCode ?? server!.child.signalCode, null, `the same process served throughout:\n${server!.output().slice(-2000)}`);

    const client = new pg.Client({ connectionString: database!.url });
    await client.connect();
    try {
      const found = await client.query<{ client_id: string }>('select client_id from clients where client_id = any($1)', [load.registered]);
      const stored = new Set(found.rows.map((row) => row.client_id));
      const lost = load.registered.filter((id) => !stored.has(id));
      assert.deepEqual(lost, [], `${lost.length} of ${load.registered.length} clients answered 201 are not in the database`);
    } finally {
      await client.end();
    }
  });
});
