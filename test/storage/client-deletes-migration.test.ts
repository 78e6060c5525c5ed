import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { cleanupCriteria } from '../../src/cleanup/clean-up-clients.js';
import { loadConfig } from '../../src/config/load.js';
import type { CleanupCursor } from '../../src/ports/cleanup.js';
import type { ClientRecord } from '../../src/ports/clients.js';
import type { Storage } from '../../src/ports/storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { migrationProvider } from '../../src/storage/sql/migrations.js';
import { forEachDatabase, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

const day = 86_400_000;
const now = Date.UTC(2026, 5, 1);
const sources = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'] as const;

/**
 * Migration 0014 on a database that migration 0013 left with clients in it: the search index rebuilt (SQLite) and
 * the policy index made partial, then a sweep, an operator delete and a rename. Afterwards the kept counts equal
 * real counts, searches find exactly the clients left, and on SQLite the word index holds exactly their words.
 */
describe('migration 0014 (lighter client deletes)', () => forEachDatabase(describe, (kind: DatabaseKind) => {
  let database: TestDatabase;
  let storage: Storage;
  const clients: ClientRecord[] = [];

  before(async () => {
    database = await kind.create();
    const db = new Kysely<unknown>({
      dialect: kind.name === 'sqlite'
        ? new SqliteDialect({ database: new BetterSqlite3(database.url.slice('sqlite:'.length)) })
        : new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 1 }) }),
    });
    const { error } = await new Migrator({ db, provider: migrationProvider(kind.name) }).migrateTo('0013_client_counts_and_search');
    await db.destroy();
    if (error) throw error;
    const old = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    try {
      for (let i = 0; i < 60; i++) {
        const client = sampleClient({
          // One in three registered within the day (kept), the others three days ago (swept as never used).
          updatedAt: i % 3 === 0 ? now - day / 2 : now - 3 * day,
          registrationSource: sources[i % 4]!,
          lookAlikeOf: i % 7 === 0 ? 'claude' : null,
          policy: i % 5 === 0 ? 'strict' : null,
          metadata: { ...sampleClient().metadata, client_name: `Migrated ${i % 2 ? 'odd' : 'even'} ${i}` },
        });
        await old.clients.insertClient(client);
        clients.push(client);
      }
    } finally {
      await old.close();
    }
    storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
    await storage.migrate();
  });
  after(async () => {
    await storage?.close();
    await database.cleanup();
  });

  /** The kept counts and a real count (a usage filter is never answered from the kept counts), overall, per source, flagged. */
  async function keptAndCounted() {
    const every = { usage: { kind: 'idle', at: Number.MAX_SAFE_INTEGER } } as const;
    const filters = [{}, ...sources.map((source) => ({ source })), { flagged: true }];
    return {
      kept: await Promise.all(filters.map((filter) => storage.clients.countClients(filter))),
      counted: await Promise.all(filters.map((filter) => storage.clients.countClients({ ...filter, ...every }))),
    };
  }

  const ids = (found: ClientRecord[]) => found.map((c) => c.clientId).sort();
  const search = async (text: string) => ids((await storage.clients.listClients({ search: text, limit: 500 })).clients);

  it('finds and counts the clients stored before it', async () => {
    assert.deepEqual(await search('migrated odd'), ids(clients.filter((_, i) => i % 2)));
    assert.equal(await storage.clients.countClientsWithPolicy('strict'), 12);
    const { kept, counted } = await keptAndCounted();
    assert.deepEqual(kept, counted);
    assert.equal(counted[0], 60);
  });

  it('after a sweep, an operator delete and a rename: counts exact, searches find exactly the clients left', async () => {
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url } });
    const cursor: CleanupCursor = { done: false };
    const swept: string[] = [];
    while (!cursor.done) swept.push(...(await storage.cleanup.deleteUnusedClients(cleanupCriteria(config, now), 7, cursor)).map((d) => d.clientId));
    assert.deepEqual(swept.sort(), ids(clients.filter((_, i) => i % 3 !== 0)));
    const [renamed, removed] = clients.filter((_, i) => i % 3 === 0);
    assert.equal(await storage.clients.deleteClient(removed!.clientId), true);
    const rename = { ...renamed!, metadata: { ...renamed!.metadata, client_name: 'Renamed after the sweep' } };
    assert.equal(await storage.clients.updateClient(rename, renamed!.registrationAccessTokenDigest!), true);
    const left = clients.filter((c, i) => i % 3 === 0 && c !== removed);
    const { kept, counted } = await keptAndCounted();
    assert.deepEqual(kept, counted);
    assert.equal(counted[0], left.length);
    assert.deepEqual(await search('migrated'), ids(left.filter((c) => c !== renamed)));
    assert.deepEqual(await search('renamed after'), [renamed!.clientId]);
    assert.equal(await storage.clients.countClientsWithPolicy('strict'), left.filter((c) => c.policy === 'strict').length);
    if (kind.name === 'sqlite') {
      await storage.close();
      const db = new BetterSqlite3(database.url.slice('sqlite:'.length));
      try {
        // Migration 0018 rebuilt the index (trigrams) from the clients 0014's index held.
        db.exec(`insert into clients_substrings_0 (clients_substrings_0) values ('integrity-check')`);
        // Every word's entries are exactly the clients whose text holds it: none left behind by a delete or a rename.
        for (const word of ['migrated', 'renamed', 'claude', 'client']) {
          const indexed = db.prepare(`select rowid from clients_substrings_0 where clients_substrings_0 match ? order by rowid`).all(`"${word}"`);
          const stored = db.prepare(`select rowid from clients where search_text like ? order by rowid`).all(`%${word}%`);
          assert.deepEqual(indexed, stored, word);
        }
      } finally {
        db.close();
        storage = await openStorage({ url: database.url, sqliteSynchronous: 'normal', poolSize: 2 });
      }
    }
  });
}));
