import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import type { ClientListFilter, ClientPage, ClientStore } from '../../src/ports/clients.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { createClientRepository } from '../../src/storage/sql/client-repository.js';
import type { Database } from '../../src/storage/sql/schema.js';
import { postgresKind, postgresUrl, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

/**
 * A PostgreSQL search that its plan cannot answer within the search timeout (pg_trgm has nothing to narrow `"`
 * or `127 0 0 1` by) is answered from a bounded walk of the next clients, as a page with `searched` and a cursor
 * that goes on after them, and a count of "at least". The timeout is made certain, not raced: another connection
 * holds the `clients` table locked while the search starts, and releases it once the search has timed out, so
 * the walk that follows runs; with no lock the same searches are answered by the plan, whole.
 */
describe('PostgreSQL: a search its index cannot answer in time', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let database: TestDatabase;
  let db: Kysely<Database>;
  let store: ClientStore;
  const ids: string[] = [];

  before(async () => {
    database = await postgresKind.create({ migrated: true });
    const storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    await storage.migrate();
    // 100 clients, newest last; every seventh holds `"quoted"` in its name.
    for (let i = 0; i < 100; i++) {
      const client = sampleClient({ clientIdIssuedAt: 1_800_000_000 + i, metadata: { ...sampleClient().metadata, client_name: i % 7 === 0 ? `Agent "quoted" ${i}` : `Agent ${i}` } });
      await storage.clients.insertClient(client);
      if (i % 7 === 0) ids.unshift(client.clientId);
    }
    await storage.close();
    db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 3 }) }) });
    // A walk of 30 clients, and a timeout well below the 300 ms the lock is held.
    store = createClientRepository(db, { maxInFlight: 1, guard: (run) => run(), searchTimeoutMs: 50, searchWalk: 30 });
  });
  after(async () => {
    await db.destroy();
    await database.cleanup();
  });

  /** Runs `search` while another connection holds `clients` locked for 300 ms, so that its plan times out. */
  async function whileLocked<T>(search: () => Promise<T>): Promise<T> {
    const locker = new pg.Client({ connectionString: database.url });
    await locker.connect();
    try {
      await locker.query('begin');
      await locker.query('lock table clients in access exclusive mode');
      const answer = search();
      await new Promise((resolve) => setTimeout(resolve, 300));
      await locker.query('commit');
      return await answer;
    } finally {
      await locker.end();
    }
  }

  it('pages through the walk: each page the matches among the next 30 clients, every match once, in listing order', async () => {
    const filter: ClientListFilter = { search: '"quoted"' };
    const pages: ClientPage[] = [];
    let after: string | undefined;
    for (let n = 0; n < 10; n++) {
      const page = await whileLocked(() => store.listClients({ ...filter, limit: 50, ...(after ? { after } : {}) }));
      pages.push(page);
      if (page.next === null) break;
      after = page.next;
    }
    // 100 clients in walks of 30: three partial pages (30, 30, 30 clients), then the last 10 and no cursor.
    assert.deepEqual(pages.map((page) => page.searched), [30, 30, 30, undefined]);
    assert.deepEqual(pages.map((page) => page.clients.length), [5, 4, 4, 2]);
    assert.deepEqual(pages.flatMap((page) => page.clients.map((c) => c.clientId)), ids);
    assert.equal(pages.at(-1)!.next, null);
  });

  it('fills a page within the walk as a whole page, with an ordinary cursor', async () => {
    const page = await whileLocked(() => store.listClients({ search: 'agent', limit: 5 }));
    assert.equal(page.searched, undefined);
    assert.equal(page.clients.length, 5);
    assert.notEqual(page.next, null);
  });

  it('counts what the newest clients hold, as "at least", and never more than the limit as exact', async () => {
    assert.deepEqual(await whileLocked(() => store.countClientsUpTo({ search: '"quoted"' }, 1000)), { count: 5, more: false, partial: true });
    assert.deepEqual(await whileLocked(() => store.countClientsUpTo({ search: 'agent' }, 10)), { count: 10, more: true });
  });

  it('answers a search without three letters or digits in a row from the walk at once, which pg_trgm cannot narrow', async () => {
    // No lock: the GIN scan such a search would get reads every entry of the index, and no timeout interrupts it.
    const first = await store.listClients({ search: '"', limit: 50 });
    assert.equal(first.searched, 30);
    assert.deepEqual(first.clients.map((c) => c.clientId), ids.slice(0, 5));
    const second = await store.listClients({ search: '"', limit: 50, after: first.next! });
    assert.deepEqual(second.clients.map((c) => c.clientId), ids.slice(5, 9));
    assert.deepEqual(await store.countClientsUpTo({ search: '"' }, 1000), { count: 5, more: false, partial: true });
    assert.deepEqual(await store.countClientsUpTo({ search: 'a' }, 10), { count: 10, more: true }, 'common: more than the limit within the walk');
  });

  it('answers the same searches whole when nothing holds it up', async () => {
    const page = await store.listClients({ search: '"quoted"', limit: 50 });
    assert.deepEqual(page.clients.map((c) => c.clientId), ids);
    assert.equal(page.searched, undefined);
    assert.equal(page.next, null);
    assert.deepEqual(await store.countClientsUpTo({ search: '"quoted"' }, 1000), { count: ids.length, more: false });
  });
});
