import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { openStorage } from '../../src/storage/open-storage.js';
import { forEachDatabase, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

const rows = 20_000;
const day = 86_400_000;
const now = Date.UTC(2026, 5, 1);

/** A query's plan as one text: SQLite's EXPLAIN QUERY PLAN details, or PostgreSQL's EXPLAIN lines. */
type Explain = (query: string, params?: unknown[]) => Promise<string>;

/**
 * The plans of the sweeps and the search on ~20,000 clients (one in ten never used), asserted on both databases: the
 * sweep of never-used clients walks `clients_never_used` in order (no sort of every never-used client), the idle
 * sweep walks `clients_last_used_ms`, and a rare search is looked up in the search index. The statements mirror
 * the shapes in `cleanup-repository.ts` and `client-listing.ts`; PostgreSQL is analysed first, as autovacuum would.
 */
describe('query plans at 20,000 clients', () => forEachDatabase(describe, (kind: DatabaseKind) => {
  let database: TestDatabase;
  let explain: Explain;
  let close: () => Promise<void>;

  before(async () => {
    database = await kind.create({ migrated: true });
    const storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 5 });
    await storage.migrate();
    await Promise.all(Array.from({ length: rows }, (_, i) => storage.clients.insertClient(sampleClient({ updatedAt: now - (i % 400) * day }))));
    await storage.close();
    ({ explain, close } = await explainer(database.url));
    await explain(`update clients set last_used_ms = created_ms + ${day} where client_id_issued_at % 10 <> 0`);
  });
  after(async () => {
    await close();
    await database.cleanup();
  });

  const sqlite = () => kind.name === 'sqlite';
  const sources = `'dynamic', 'iat', 'software_statement', 'cimd'`;
  const noGrant = 'not exists (select 1 from grants g where g.client_id = c.client_id)';

  it('sweeps never-used clients through clients_never_used, in order, without sorting them', async () => {
    const from = sqlite() ? 'clients as c indexed by clients_never_used' : 'clients as c';
    const plan = await explain(
      `select c.client_id from ${from} where c.registration_source in (${sources}) and c.last_used_ms is null and c.created_ms < ${now - day} and ${noGrant} order by c.created_ms limit 500`,
    );
    assert.match(plan, /clients_never_used/, plan);
    assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
  });

  it('sweeps idle clients through clients_last_used_ms, oldest use first, without sorting them', async () => {
    const from = sqlite() ? 'clients as c indexed by clients_last_used_ms' : 'clients as c';
    const plan = await explain(
      `select c.client_id from ${from} where c.registration_source in (${sources}) and c.last_used_ms < ${now - 90 * day} and ${noGrant} order by c.last_used_ms limit 500`,
    );
    assert.match(plan, /clients_last_used_ms/, plan);
    assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
  });

  it("deletes a cursor's window of never-used clients in index order, by lookups, without hashing grants or clients", async () => {
    const from = sqlite() ? 'clients as c indexed by clients_never_used' : 'clients as c';
    const holdings = `not exists (select 1 from grants g where g.client_id = c.client_id and g.revoked_ms is null) and not exists (select 1 from authorization_codes a where a.client_id = c.client_id and a.used_ms is null and a.expires_ms > ${now})`;
    const plan = await explain(
      `delete from clients where client_id in (select c.client_id from ${from} where (c.created_ms, c.client_id) > (${now - 300 * day}, 'a') and (c.created_ms, c.client_id) <= (${now - 299 * day}, 'z') and c.registration_source in (${sources}) and c.last_used_ms is null and c.created_ms < ${now - day} and ${noGrant} and ${holdings} order by c.created_ms, c.client_id limit 100)`,
    );
    if (sqlite()) assert.match(plan, /clients_never_used/, plan);
    // (The test's grants and codes tables are empty, so PostgreSQL may scan them; it must not hash them.)
    assert.doesNotMatch(plan, /TEMP B-TREE|SCAN c\b|Seq Scan on clients|Hash (Anti |Semi |Right )?Join/, plan);
  });

  it('looks a rare search up in the search index, not by walking every client', async () => {
    if (sqlite()) {
      // The index names the clients (the probe of searchPlan), which are then read by rowid (selectClients).
      const probe = await explain(`select rowid from clients_substrings_0 where clients_substrings_0 match '"client1234."' limit 1001`);
      assert.match(probe, /VIRTUAL TABLE INDEX/, probe);
      const plan = await explain(
        `select * from clients where search_text like '%client1234.%' escape '!' and rowid in (select value from json_each('[1,2,3]')) order by client_id_issued_at desc, client_id desc limit 51`,
      );
      assert.match(plan, /SEARCH clients USING INTEGER PRIMARY KEY/, plan);
      assert.doesNotMatch(plan, /SCAN clients\b/, plan);
      return;
    }
    const plan = await explain(`select * from clients where search_text like '%client1234.%' escape '!' order by client_id_issued_at desc, client_id desc limit 51`);
    assert.match(plan, /clients_search_trigram/, plan);
  });

  it('looks a client id up by its beginning through an index, beside the search index', async () => {
    if (sqlite()) {
      // The probe of searchPlan, and the exact count of a search that more clients match (selectClients, plan `match`).
      const probe = await explain(`select rowid from clients where (client_id >= '0199abcd' and client_id < '0199abcd\u{10ffff}') limit 1001`);
      assert.match(probe, /SEARCH clients USING (COVERING )?INDEX sqlite_autoindex_clients_1 \(client_id>\? AND client_id<\?\)/, probe);
      const count = await explain(
        `select count(*) from clients where ((search_text like '%0199abcd%' escape '!' and rowid in (select rowid from clients_substrings_0 where clients_substrings_0 match '"0199abcd"')) or (client_id >= '0199abcd' and client_id < '0199abcd\u{10ffff}'))`,
      );
      assert.match(count, /MULTI-INDEX OR/, count);
      assert.doesNotMatch(count, /SCAN clients\b/, count);
      return;
    }
    const plan = await explain(
      `select * from clients where (search_text like '%0199abcd%' escape '!' or client_id like '0199abcd%') order by client_id_issued_at desc, client_id desc limit 51`,
    );
    assert.match(plan, /clients_id_prefix/, plan);
    assert.match(plan, /clients_search_trigram/, plan);
    assert.doesNotMatch(plan, /Seq Scan on clients/, plan);
  });

  it("counts a policy's clients through clients_policy, which holds only the clients with a policy", async () => {
    const plan = await explain(`select count(*) from clients where policy = 'strict'`);
    assert.match(plan, /clients_policy/, plan);
    assert.doesNotMatch(plan, /SCAN clients\b|Seq Scan on clients/, plan);
  });
}));

/** Runs statements and explains queries on the database at `url`, outside the storage code. */
async function explainer(url: string): Promise<{ explain: Explain; close: () => Promise<void> }> {
  if (url.startsWith('sqlite:')) {
    const db = new BetterSqlite3(url.slice('sqlite:'.length));
    return {
      explain: async (query) => {
        if (query.startsWith('update')) {
          db.exec(query);
          return '';
        }
        return (db.prepare(`explain query plan ${query}`).all() as { detail: string }[]).map((row) => row.detail).join('\n');
      },
      close: async () => void db.close(),
    };
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    explain: async (query) => {
      if (query.startsWith('update')) {
        await client.query(query);
        await client.query('analyze');
        return '';
      }
      const { rows: lines } = await client.query<{ 'QUERY PLAN': string }>(`explain ${query}`);
      return lines.map((line) => line['QUERY PLAN']).join('\n');
    },
    close: () => client.end(),
  };
}
