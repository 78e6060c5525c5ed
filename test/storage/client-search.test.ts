import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { Kysely, Migrator, PostgresDialect, SqliteDialect, sql } from 'kysely';
import pg from 'pg';
import type { ClientRecord } from '../../src/ports/clients.js';
import type { Storage } from '../../src/ports/storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { clientSearchText, searchPlan, selectClientPage, selectSearchPage } from '../../src/storage/sql/client-listing.js';
import { parseMetadata, toRow } from '../../src/storage/sql/client-repository.js';
import { migrationProvider } from '../../src/storage/sql/migrations.js';
import type { Database } from '../../src/storage/sql/schema.js';
import { forEachDatabase, sqliteKind, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

const named = (name: string, overrides: Partial<ClientRecord> = {}) => sampleClient({ ...overrides, metadata: { ...sampleClient().metadata, client_name: name } });

function openKysely(url: string): Kysely<Database> {
  return new Kysely<Database>({
    dialect: url.startsWith('sqlite:')
      ? new SqliteDialect({ database: new BetterSqlite3(url.slice('sqlite:'.length)) })
      : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) }),
  });
}

/** `database` migrated to `migration`, `rows` inserted as they are, then opened and migrated to the latest. */
async function migratedWith(kind: DatabaseKind, database: TestDatabase, migration: string, rows: ReturnType<typeof toRow>[]): Promise<Storage> {
  const db = openKysely(database.url);
  const { error } = await new Migrator({ db, provider: migrationProvider(kind.name) }).migrateTo(migration);
  if (error) throw error;
  for (let start = 0; start < rows.length; start += 200) await db.insertInto('clients').values(rows.slice(start, start + 200)).execute();
  await db.destroy();
  const storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
  await storage.migrate();
  return storage;
}

/**
 * Migration 0018 on a database that 0016 left with clients in it: on SQLite the word index replaced by the
 * trigram index and the issue-time bounds per rowid block, both filled from the clients and kept by triggers;
 * on PostgreSQL nothing changes. Searches then find substrings on both.
 */
describe('migration 0018 (substring search)', () => forEachDatabase(describe, (kind: DatabaseKind) => {
  let database: TestDatabase;
  let storage: Storage;
  const clients: ClientRecord[] = [];

  before(async () => {
    database = await kind.create();
    for (let i = 0; i < 600; i++) clients.push(named(`Migrated Zebraquill ${i}`, { clientIdIssuedAt: 1_800_000_000 - i }));
    storage = await migratedWith(kind, database, '0016_unread_client_indexes', clients.map(toRow));
  });
  after(async () => {
    await storage.close();
    await database.cleanup();
  });

  it('finds the clients stored before it by any substring, and those registered, renamed and deleted after it', async () => {
    const ids = (found: { clientId: string }[]) => found.map((c) => c.clientId);
    assert.equal(await storage.clients.countClients({ search: 'raqui' }), 600, 'the middle of a word');
    assert.deepEqual(ids((await storage.clients.listClients({ search: 'quill 599', limit: 5 })).clients), [clients[599]!.clientId]);
    await storage.clients.insertClient(named('Fresh Zebraquill'));
    await storage.clients.deleteClient(clients[0]!.clientId);
    const renamed = clients[1]!;
    await storage.clients.updateClient({ ...renamed, metadata: { ...renamed.metadata, client_name: 'Renamed Okapi' } }, renamed.registrationAccessTokenDigest!);
    assert.equal(await storage.clients.countClients({ search: 'raqui' }), 599);
    assert.equal(await storage.clients.countClients({ search: 'ed okap' }), 1);
    if (kind.name !== 'sqlite') return;
    await storage.close();
    const db = new BetterSqlite3(database.url.slice('sqlite:'.length));
    try {
      db.exec(`insert into clients_substrings_0 (clients_substrings_0) values ('integrity-check')`);
      assert.equal((db.prepare(`select count(*) as n from sqlite_master where name = 'clients_search'`).get() as { n: number }).n, 0, 'the word index is gone');
      // Each block's bound is at least the latest issue time of its clients; the deleted client's stays (never lowered).
      const blocks = db.prepare(`select block, issued_max from clients_issued_by_rowid order by block`).all() as { block: number; issued_max: number }[];
      const latest = db.prepare(`select rowid >> 9 as block, max(client_id_issued_at) as issued_max from clients group by 1 order by 1`).all() as typeof blocks;
      assert.deepEqual(blocks.map((b) => b.block), latest.map((b) => b.block));
      for (const [i, block] of blocks.entries()) assert.ok(block.issued_max >= latest[i]!.issued_max, `block ${block.block}`);
      assert.equal(blocks[0]!.issued_max, 1_800_000_000, 'the deleted client, the latest of block 0, still bounds it');
    } finally {
      db.close();
      storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    }
  });
}));

/**
 * Migration 0019 on a database that 0018 left with clients whose search text held their UUID ids: the text is
 * written again without them (other ids stay), the search indexes are built again, and a UUID id is then found
 * by its beginning and no longer by its middle, on both databases.
 */
describe('migration 0019 (client ids by prefix)', () => forEachDatabase(describe, (kind: DatabaseKind) => {
  let database: TestDatabase;
  let storage: Storage;
  const clients: ClientRecord[] = [];

  before(async () => {
    database = await kind.create();
    for (let i = 0; i < 1500; i++) clients.push(named(`Migrated Kestrel ${i}`, { clientId: randomUUID(), clientIdIssuedAt: 1_800_000_000 - i }));
    clients.push(named('Migrated Kestrel with its own id', { clientId: 'operator-chosen-id-0019' }));
    // The text as 0004–0018 wrote it: the name, the id, then the hosts.
    const before = (client: ClientRecord) => [client.metadata.client_name, client.clientId, 'client.example'].join('\n').toLowerCase();
    storage = await migratedWith(kind, database, '0018_substring_search', clients.map((client) => ({ ...toRow(client), search_text: before(client) })));
  });
  after(async () => {
    await storage.close();
    await database.cleanup();
  });

  it('writes the search text again without UUID ids, and finds those ids by their beginning only', async () => {
    const ids = (found: { clientId: string }[]) => found.map((c) => c.clientId);
    const db = openKysely(database.url);
    try {
      const rows = await db.selectFrom('clients').select(['client_id', 'metadata', 'search_text']).execute();
      assert.equal(rows.length, clients.length);
      for (const row of rows) assert.equal(row.search_text, clientSearchText(row.client_id, parseMetadata(row.metadata)), row.client_id);
      assert.match(rows.find((row) => row.client_id === 'operator-chosen-id-0019')!.search_text, /operator-chosen-id-0019/);
      if (kind.name === 'postgres') {
        const { rows: indexes } = await sql<{ indexname: string }>`select indexname from pg_indexes where tablename = 'clients' order by 1`.execute(db);
        const names = indexes.map((index) => index.indexname);
        assert.ok(names.includes('clients_id_prefix') && names.includes('clients_search_trigram'), names.join());
      }
    } finally {
      await db.destroy();
    }
    const target = clients[1234]!;
    assert.deepEqual(ids((await storage.clients.listClients({ search: target.clientId.slice(0, 13), limit: 5 })).clients), [target.clientId]);
    assert.deepEqual(ids((await storage.clients.listClients({ search: target.clientId.slice(-12), limit: 5 })).clients), [], 'not by its end');
    assert.equal(await storage.clients.countClients({ search: 'kestrel' }), clients.length, 'the rebuilt index holds every name');
    assert.equal(await storage.clients.countClients({ search: 'own id' }), 1);
    assert.equal(await storage.clients.countClients({ search: 'chosen-id-00' }), 1, 'an id that is not a UUID, by its middle');
    const fresh = named('Fresh Kestrel', { clientId: randomUUID() });
    await storage.clients.insertClient(fresh);
    await storage.clients.deleteClient(clients[0]!.clientId);
    assert.equal(await storage.clients.countClients({ search: 'kestrel' }), clients.length, 'kept by the triggers: one more, one fewer');
    assert.deepEqual(ids((await storage.clients.listClients({ search: fresh.clientId, limit: 5 })).clients), [fresh.clientId]);
    if (kind.name !== 'sqlite') return;
    await storage.close();
    const sqlite = new BetterSqlite3(database.url.slice('sqlite:'.length));
    try {
      sqlite.exec(`insert into clients_substrings_0 (clients_substrings_0) values ('integrity-check')`);
      // No trigram of a UUID's random end is left in the index (8 hex digits in a row appear in no name or host here).
      const terms = sqlite.prepare(`select count(*) as n from clients_substrings_0 where clients_substrings_0 match ?`).get(`"${target.clientId.slice(-8)}"`) as { n: number };
      assert.equal(terms.n, 0);
    } finally {
      sqlite.close();
      storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    }
  });
}));

/**
 * SQLite's plans of a search, on a few thousand clients: the index probe, the walk of the newest clients for one
 * or two characters, and a page of a search whose matches are older than most clients, read through the index
 * newest rowid first (asserted against a plain walk of the listing, with rowids out of issue order).
 */
describe('SQLite search plans', () => {
  let database: TestDatabase;
  let storage: Storage;
  let db: Kysely<Database>;
  const old: ClientRecord[] = [];

  before(async () => {
    database = await sqliteKind.create();
    storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    await storage.migrate();
    // 1,200 old "Okapi" clients, registered in an order that is not their issue order (rowids out of order),
    // then 1,500 newer ones that hold neither `okapi` nor `ǂ`, and three rare ones.
    for (let i = 0; i < 1200; i++) old.push(named(`Okapi ${i}`, { clientIdIssuedAt: 1_700_000_000 + ((i * 7919) % 1200) * 10 }));
    await Promise.all(old.map((client) => storage.clients.insertClient(client)));
    await Promise.all(Array.from({ length: 1500 }, (_, i) => storage.clients.insertClient(named(`Newer ${i}`, { clientIdIssuedAt: 1_800_000_000 + i }))));
    for (const name of ['Rare ǂ one', 'Rare ǂ two', 'Rare ǂ three']) await storage.clients.insertClient(named(name, { clientIdIssuedAt: 1_750_000_000 }));
    // One old Okapi registered last: the highest rowid, an issue time among the oldest.
    const late = named('Okapi late', { clientIdIssuedAt: 1_700_000_005 });
    old.push(late);
    await storage.clients.insertClient(late);
    // `feedface`: held by 1,100 old names and beginning 4 UUID ids, the newest and oldest of all among them;
    // `c0ffee00`: beginning 1,001 UUID ids, more than a probe reads.
    for (let i = 0; i < 1100; i++) await storage.clients.insertClient(named(`Build feedface ${i}`, { clientIdIssuedAt: 1_600_000_000 + i }));
    const uuid = (prefix: string, i: number) => `${prefix}-${String(i).padStart(4, '0')}-7000-8000-${randomUUID().slice(-12)}`;
    for (const [i, issuedAt] of [1_900_000_000, 1_500_000_000, 1_600_000_500, 1_500_000_001].entries()) {
      await storage.clients.insertClient(named('No name hint', { clientId: uuid('feedface', i), clientIdIssuedAt: issuedAt }));
    }
    await Promise.all(Array.from({ length: 1001 }, (_, i) => storage.clients.insertClient(named('Coffee', { clientId: uuid('c0ffee00', i), clientIdIssuedAt: 1_550_000_000 + i }))));
    // Three flagged, one operator-created, and a few used clients among the feedface names.
    for (let i = 0; i < 3; i++) await storage.clients.insertClient(named(`Build feedface flagged ${i}`, { clientIdIssuedAt: 1_600_000_100 + i, lookAlikeOf: 'Claude' }));
    await storage.clients.insertClient(named('Build feedface by hand', { clientIdIssuedAt: 1_600_000_200, registrationSource: 'operator' }));
    db = openKysely(database.url);
    await sql`update clients set last_used_ms = 1 where search_text like ${'build feedface 10_\n%'}`.execute(db);
  });
  after(async () => {
    await db.destroy();
    await storage.close();
    await database.cleanup();
  });

  it('reads a rare search through the index, and counts a common one from the index without walking', async () => {
    const rare = await searchPlan(db, { search: 'okapi 1199' }, true);
    assert.equal(rare.by, 'index');
    assert.equal(rare.by === 'index' && rare.rowids.length, 1);
    const common = await searchPlan(db, { search: 'okapi' }, true);
    assert.deepEqual({ ...common, match: undefined, shards: undefined }, { by: 'listing', matches: 1001, exact: true, match: undefined, shards: undefined });
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: 'okapi' }, 1000), { count: 1000, more: true });
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: 'okapi' }, 5000), { count: 1201, more: false });
    assert.equal((await searchPlan(db, { search: 'kapi 11' }, true)).by, 'index', 'a substring of three characters or more');
  });

  it('walks the newest clients for a common search of one or two characters, and looks a rare one up by its trigrams', async () => {
    const common = await searchPlan(db, { search: 'e' }, true);
    assert.deepEqual(common, { by: 'listing', matches: 1001, exact: true });
    const rare = await searchPlan(db, { search: 'ǂ' }, true);
    assert.equal(rare.by === 'index' && rare.rowids.length, 3);
    const none = await searchPlan(db, { search: '☃' }, true);
    assert.deepEqual(none, { by: 'index', rowids: [] });
    assert.equal((await storage.clients.listClients({ search: 'ǂ', limit: 50 })).clients.length, 3);
  });

  it('pages a search that ids begin and names hold, both more than a probe reads, as a walk of the listing would', async () => {
    const both = await searchPlan(db, { search: 'feedface' }, true);
    assert.equal(both.by === 'listing' && both.idRowids?.length, 4, 'the ids that begin with it are read apart');
    const ids = await searchPlan(db, { search: 'c0ffee00' }, true);
    assert.deepEqual(ids, { by: 'listing', matches: 1001, exact: true }, 'more ids than a probe reads: the listing is walked');
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: 'c0ffee00' }, 5000), { count: 1001, more: false });
    assert.equal(await storage.clients.countClients({ search: 'feedface' }), 1108);
    for (const [search, plan] of [['feedface', both], ['c0ffee00', ids], ['feedface-0003', await searchPlan(db, { search: 'feedface-0003' }, true)]] as const) {
      let after: string | undefined;
      let listed = 0;
      for (let pages = 0; pages < 100; pages++) {
        const query = { search, limit: 50, ...(after ? { after } : {}) };
        const page = await selectSearchPage(db, query, plan, 100);
        const expected = await selectClientPage(db, query).execute();
        assert.deepEqual(page.map((r) => r.client_id), expected.map((r) => r.client_id), `${search}, page ${pages + 1}`);
        listed += Math.min(page.length, 50);
        if (page.length <= 50) break;
        const last = page[49]!;
        after = Buffer.from(JSON.stringify([Number(last.client_id_issued_at), last.client_id])).toString('base64url');
      }
      assert.equal(listed, { feedface: 1108, c0ffee00: 1001, 'feedface-0003': 1 }[search], search);
    }
  });

  it('pages a search with a source, the flag or a last use as a walk of the listing would, whichever it reads', async () => {
    const plan = await searchPlan(db, { search: 'feedface' }, true);
    const filters = [{ source: 'operator' }, { source: 'dynamic' }, { flagged: true }, { usage: { kind: 'since', at: 0 } }, { usage: { kind: 'never' } }, { source: 'dynamic', flagged: true }] as const;
    for (const filter of filters) {
      let after: string | undefined;
      for (let pages = 0; pages < 100; pages++) {
        const query = { search: 'feedface', ...filter, limit: 20, ...(after ? { after } : {}) };
        const page = await selectSearchPage(db, query, plan, 100);
        const expected = await selectClientPage(db, query).execute();
        assert.deepEqual(page.map((r) => r.client_id), expected.map((r) => r.client_id), `${JSON.stringify(filter)}, page ${pages + 1}`);
        if (page.length <= 20) break;
        const last = page[19]!;
        after = Buffer.from(JSON.stringify([Number(last.client_id_issued_at), last.client_id])).toString('base64url');
      }
    }
    assert.equal((await selectSearchPage(db, { search: 'feedface', flagged: true, limit: 50 }, plan, 100)).length, 3);
    assert.equal((await selectSearchPage(db, { search: 'feedface', usage: { kind: 'since', at: 0 }, limit: 50 }, plan, 100)).length, 10);
  });

  it('pages a search whose matches are older than most clients as a walk of the listing would, through the index', async () => {
    const plan = await searchPlan(db, { search: 'okapi' }, true);
    for (const limit of [7, 50]) {
      let after: string | undefined;
      const listed: string[] = [];
      for (let pages = 0; pages < 400; pages++) {
        const query = { search: 'okapi', limit, ...(after ? { after } : {}) };
        // A budget of 100 clients: the walk never reaches the Okapis, so every page is read through the index.
        const page = await selectSearchPage(db, query, plan, 100);
        const expected = await selectClientPage(db, query).execute();
        assert.deepEqual(page.map((r) => r.client_id), expected.map((r) => r.client_id), `limit ${limit}, page ${pages + 1}`);
        listed.push(...page.slice(0, limit).map((r) => r.client_id));
        if (page.length <= limit) break;
        const last = page[limit - 1]!;
        after = Buffer.from(JSON.stringify([Number(last.client_id_issued_at), last.client_id])).toString('base64url');
      }
      assert.equal(listed.length, old.length, `limit ${limit}: every Okapi once`);
      assert.equal(new Set(listed).size, old.length);
    }
  });
});
