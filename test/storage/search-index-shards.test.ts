import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, SqliteDialect } from 'kysely';
import type { CleanupCursor } from '../../src/ports/cleanup.js';
import type { ClientRecord } from '../../src/ports/clients.js';
import type { Storage } from '../../src/ports/storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { searchPlan, selectClientPage, selectSearchPage } from '../../src/storage/sql/client-listing.js';
import { migrationProvider } from '../../src/storage/sql/migrations.js';
import type { Database } from '../../src/storage/sql/schema.js';
import { advanceSearchShards, searchShards, shardShift, shardTable } from '../../src/storage/sql/search-index-shards.js';
import { sqliteKind, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

const shardSize = 2 ** shardShift;
const day = 86_400_000;

const named = (name: string, overrides: Partial<ClientRecord> = {}) => {
  const client = sampleClient(overrides);
  return { ...client, metadata: { ...client.metadata, client_name: name } };
};

/**
 * A copy of client `from` stored with rowid `rowid` and id `clientId` by SQL beside Latchkey's code (as an import
 * would): a way to reach a rowid of another shard without storing 131,072 clients first.
 */
function storeAt(file: string, from: string, rowid: number, clientId: string): void {
  const db = new BetterSqlite3(file);
  try {
    const columns = (db.prepare(`select name from pragma_table_info('clients')`).pluck().all() as string[]).filter(
      (c) => c !== 'client_id' && c !== 'registration_access_token_digest',
    );
    db.prepare(`insert into clients (rowid, client_id, ${columns.join(', ')}) select ?, ?, ${columns.join(', ')} from clients where client_id = ?`).run(rowid, clientId, from);
  } finally {
    db.close();
  }
}

/**
 * Every shard checked: FTS5's integrity check, and for each word, the rowids its index names are exactly those of
 * the clients in its range whose text holds the word (none left behind by a delete, a rename or a move).
 */
function assertExact(file: string, words: readonly string[]): number[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    const shards = (db.prepare(`select name from sqlite_master where type = 'table' and name glob 'clients_substrings_[0-9]*'`).pluck().all() as string[])
      .map((name) => /^clients_substrings_(\d+)$/.exec(name)?.[1])
      .filter((n): n is string => n !== undefined)
      .map(Number)
      .sort((a, b) => a - b);
    for (const [i, n] of shards.entries()) {
      const table = shardTable(n);
      const writable = new BetterSqlite3(file);
      try {
        writable.exec(`insert into ${table} (${table}) values ('integrity-check')`);
      } finally {
        writable.close();
      }
      const low = i === 0 ? -Infinity : n * shardSize;
      const high = shards[i + 1] === undefined ? Infinity : shards[i + 1]! * shardSize;
      for (const word of words) {
        const indexed = db.prepare(`select rowid from ${table} where ${table} match ? order by rowid`).pluck().all(`"${word}"`);
        const stored = (db.prepare(`select rowid from clients where search_text like ? order by rowid`).pluck().all(`%${word}%`) as number[]).filter(
          (rowid) => rowid >= low && rowid < high,
        );
        assert.deepEqual(indexed, stored, `${word} in shard ${n}`);
      }
    }
    return shards;
  } finally {
    db.close();
  }
}

describe('SQLite search index in shards', () => {
  let database: TestDatabase;
  let storage: Storage;
  let file: string;
  let db: Kysely<Database>;
  const early: ClientRecord[] = [];

  before(async () => {
    database = await sqliteKind.create();
    file = database.url.slice('sqlite:'.length);
    storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    await storage.migrate();
    db = new Kysely<Database>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    for (let i = 0; i < 5; i++) {
      const client = named(`Alpha ${i}`, { clientIdIssuedAt: 1_700_000_000 + i });
      early.push(client);
      await storage.clients.insertClient(client);
    }
  });
  after(async () => {
    await db.destroy();
    await storage.close();
    await database.cleanup();
  });

  it('opens a shard when the rowids leave the last one, moves its rows there, and keeps every shard exact', async () => {
    assert.deepEqual(await searchShards(db), [0], 'a new database has one shard');
    // Two shards further: stored beside Latchkey's code, it lands in the last shard, which holds any rowid above.
    storeAt(file, early[0]!.clientId, 2 * shardSize + 10, 'imported-alpha');
    assert.deepEqual(assertExact(file, ['alpha', 'lpha 0']), [0]);
    // The next registration takes the rowid above it; after its batch a shard opens for both.
    await storage.clients.insertClient(named('Bravo new', { clientIdIssuedAt: 1_700_000_100 }));
    assert.deepEqual(await searchShards(db), [0, 2]);
    assert.deepEqual(assertExact(file, ['alpha', 'bravo', 'lpha 0', 'new']), [0, 2]);
    const inShard2 = new BetterSqlite3(file, { readonly: true });
    try {
      const rowids = inShard2.prepare(`select rowid from ${shardTable(2)} where ${shardTable(2)} match '"lpha"' or ${shardTable(2)} match '"bravo"' order by rowid`).pluck().all();
      assert.deepEqual(rowids, [2 * shardSize + 10, 2 * shardSize + 11], 'the moved row and the new one');
    } finally {
      inShard2.close();
    }
    assert.equal(await storage.clients.countClients({ search: 'alpha' }), 6, 'found in both shards');
    assert.deepEqual((await storage.clients.listClients({ search: 'bravo', limit: 5 })).clients.map((c) => c.metadata.client_name), ['Bravo new']);
  });

  it('strikes out deletes and renames in the shard that holds the row', async () => {
    const bravo = (await storage.clients.listClients({ search: 'bravo', limit: 5 })).clients[0]!;
    assert.equal(await storage.clients.updateClient({ ...bravo, metadata: { ...bravo.metadata, client_name: 'Charlie renamed' } }, bravo.registrationAccessTokenDigest!), true);
    assert.equal(await storage.clients.deleteClient('imported-alpha'), true);
    assert.equal(await storage.clients.deleteClient(early[1]!.clientId), true);
    assert.deepEqual(assertExact(file, ['alpha', 'bravo', 'charlie', 'lpha 0', 'lpha 1']), [0, 2]);
    assert.equal(await storage.clients.countClients({ search: 'alpha' }), 4);
    assert.equal(await storage.clients.countClients({ search: 'bravo' }), 0);
    assert.equal(await storage.clients.countClients({ search: 'charlie' }), 1);
    // More registrations go to the last shard, which their batches merge.
    for (let i = 0; i < 3; i++) await storage.clients.insertClient(named(`Delta ${i}`, { clientIdIssuedAt: 1_700_000_200 + i }));
    assert.deepEqual(assertExact(file, ['alpha', 'delta', 'charlie']), [0, 2]);
  });

  it('looks a search up in every shard, and pages it through the index newest shard first', async () => {
    const late = named('Alpha late', { clientIdIssuedAt: 1_700_000_003 });
    await storage.clients.insertClient(late);
    const plan = await searchPlan(db, { search: 'lpha' }, true);
    assert.equal(plan.by === 'index' && plan.rowids.length, 5, 'Alpha 0, 2, 3 and 4 in shard 0, Alpha late in shard 2');
    const both = await searchPlan(db, { search: 'ta 1' }, true);
    assert.equal(both.by === 'index' && both.rowids.length, 1, 'Delta 1 in shard 2');
    const deep = { by: 'listing', match: '"lpha"', shards: await searchShards(db) } as const;
    // A walk budget of one client: the page is read from the index, shard by shard.
    for (const limit of [1, 2, 3, 10]) {
      const query = { search: 'lpha', limit };
      const page = await selectSearchPage(db, query, deep, 1);
      const expected = await selectClientPage(db, query).execute();
      assert.deepEqual(page.map((r) => r.client_id), expected.map((r) => r.client_id), `limit ${limit}`);
      if (limit === 10) assert.deepEqual(page.map((r) => r.client_id).sort(), [...[0, 2, 3, 4].map((i) => early[i]!.clientId), late.clientId].sort(), 'from both shards');
    }
    assert.equal(await storage.clients.countClients({ search: 'lpha' }), 5);
  });

  it('opens no shard twice, nor splits one that is not the last, when its list of shards is stale', async () => {
    // The registrations' list of shards is [0, 2]. Another write (an update) opens shard 5 for a row stored there.
    storeAt(file, early[0]!.clientId, 5 * shardSize + 10, 'far-alpha');
    const renamed = (await storage.clients.listClients({ search: 'delta 0', limit: 1 })).clients[0]!;
    assert.equal(await storage.clients.updateClient({ ...renamed, metadata: { ...renamed.metadata, client_name: 'Delta 0 again' } }, renamed.registrationAccessTokenDigest!), true);
    assert.deepEqual(await searchShards(db), [0, 2, 5]);
    // That row gone, a row stored below shard 5 takes the largest rowid: the next registration comes after it.
    assert.equal(await storage.clients.deleteClient('far-alpha'), true);
    storeAt(file, early[0]!.clientId, 3 * shardSize + 5, 'mid-alpha');
    await storage.clients.insertClient(named('Echo between'));
    assert.deepEqual(await searchShards(db), [0, 2, 5], 'rowids below the last shard stay in the shard whose range holds them');
    assert.deepEqual(assertExact(file, ['alpha', 'delta', 'echo', 'again']), [0, 2, 5]);
    assert.equal(await storage.clients.countClients({ search: 'echo between' }), 1);
    // Asked with the stale list, as the registrations' batch was (whose failure would only have been logged).
    assert.deepEqual(await db.transaction().execute((trx) => advanceSearchShards<Database>(trx, [0, 2])), [0, 2, 5]);
    assert.deepEqual(assertExact(file, ['alpha', 'echo']), [0, 2, 5]);
    assert.equal(await storage.clients.deleteClient('mid-alpha'), true);
  });

  it('sweeps clients of every shard', async () => {
    const registered = Math.max(...(await storage.clients.listClients({ limit: 50 })).clients.map((c) => c.updatedAt));
    const now = registered + 30 * day;
    const criteria = { now, unusedRegisteredBefore: now - day, idleSince: now - 90 * day, accessTokensIssuedAfter: now - day };
    const cursor: CleanupCursor = { done: false };
    let deleted = 0;
    for (let batch = 0; batch < 20 && !cursor.done; batch++) deleted += (await storage.cleanup.deleteUnusedClients(criteria, 2, cursor)).length;
    assert.equal(deleted, 10, 'every client, in every shard');
    assert.deepEqual(assertExact(file, ['alpha', 'delta', 'charlie']), [5], 'the emptied shards are dropped, the last kept');
    assert.equal(await storage.clients.countClients({ search: 'a' }), 0);
    // The last shard, alone, holds every rowid: a client stored anywhere is indexed.
    const foxtrot = named('Foxtrot');
    await storage.clients.insertClient(foxtrot);
    storeAt(file, foxtrot.clientId, 7, 'low-foxtrot');
    assert.deepEqual(assertExact(file, ['alpha', 'foxtrot']), [5]);
    assert.equal(await storage.clients.countClients({ search: 'foxtrot' }), 2);
  });
});

describe('migration 0021 (search index shards)', () => {
  let database: TestDatabase;

  before(async () => {
    database = await sqliteKind.create();
  });
  after(async () => database.cleanup());

  it('splits the one index into a shard for each range of rowids that holds clients, each exact', async () => {
    const file = database.url.slice('sqlite:'.length);
    const raw = new Kysely<unknown>({ dialect: new SqliteDialect({ database: new BetterSqlite3(file) }) });
    const migrator = new Migrator({ db: raw, provider: migrationProvider('sqlite') });
    const { error } = await migrator.migrateTo('0020_search_index_merged_by_writes');
    if (error) throw error;
    const old = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    const first = named('Echo first');
    try {
      await old.clients.insertClient(first);
      for (let i = 0; i < 4; i++) await old.clients.insertClient(named(`Echo ${i}`));
    } finally {
      await old.close();
    }
    // Rows in shards 1 and 3 (none in 2), and one far above: the last shard holds any rowid above its own.
    storeAt(file, first.clientId, shardSize + 1, 'echo-one');
    storeAt(file, first.clientId, 3 * shardSize + 7, 'echo-three');
    storeAt(file, first.clientId, 3 * shardSize + 9, 'echo-three-b');
    const { error: later } = await migrator.migrateToLatest();
    await raw.destroy();
    if (later) throw later;
    const check = new BetterSqlite3(file, { readonly: true });
    try {
      assert.equal(check.prepare(`select count(*) from sqlite_master where name in ('clients_substrings', 'clients_substrings_terms')`).pluck().get(), 0, 'the one index is gone');
      for (const n of [0, 1, 3]) {
        const config = check.prepare(`select k, v from ${shardTable(n)}_config where k in ('automerge', 'usermerge') order by k`).all();
        assert.deepEqual(config, [{ k: 'automerge', v: 0 }, { k: 'usermerge', v: 8 }], `shard ${n}'s merges`);
      }
    } finally {
      check.close();
    }
    assert.deepEqual(assertExact(file, ['echo', 'first', 'echo 3']), [0, 1, 3]);
    const storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    try {
      assert.equal(await storage.clients.countClients({ search: 'echo first' }), 4);
      assert.equal(await storage.clients.countClients({ search: 'echo' }), 8);
      await storage.clients.insertClient(named('Echo after'));
      assert.deepEqual(assertExact(file, ['echo', 'after']), [0, 1, 3], 'a registration after it goes to the last shard');
    } finally {
      await storage.close();
    }
  });
});
