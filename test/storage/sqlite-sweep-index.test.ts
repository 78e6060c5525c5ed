import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { CleanupCriteria, CleanupCursor } from '../../src/ports/cleanup.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { searchIndexMergePages } from '../../src/storage/sql/search-index-merges.js';
import { segmentsMergedTogether } from '../../src/storage/sql/search-index-shards.js';
import { sampleClient } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-sweep-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const day = 86_400_000;

/**
 * SQLite's search index (FTS5) merged by the writes themselves: FTS5's automatic merges are off (migration 0020),
 * and every write of clients merges a bounded share in its own transaction (see search-index-merges.ts). Without
 * those merges, each transaction's segment would stay until 16 pile up at a level.
 */
describe('SQLite search index merged by writes', () => {
  const open = async (name: string) => {
    const file = join(dir, name);
    const storage = await openStorage({ url: `sqlite:${file}`, sqliteSynchronous: 'normal', poolSize: 1 });
    await storage.migrate();
    const inspect = new BetterSqlite3(file, { readonly: true });
    /** Segments of the index: each has at least one row in `_idx`, its leaves' first terms. */
    const segments = () => (inspect.prepare('select count(distinct segid) as n from clients_substrings_0_idx').get() as { n: number }).n;
    const rows = () => (inspect.prepare('select count(*) as n from clients_substrings_0_data').get() as { n: number }).n;
    const setting = (name: string) => (inspect.prepare(`select v from clients_substrings_0_config where k = ?`).get(name) as { v: number } | undefined)?.v;
    const automerge = () => setting('automerge');
    return { storage, segments, rows, automerge, setting, close: async () => (inspect.close(), await storage.close()) };
  };

  it('bounds each write’s merges by the clients it wrote', () => {
    assert.equal(searchIndexMergePages(0), 0, 'a write of no client merges nothing');
    assert.ok(searchIndexMergePages(1) > 0);
    assert.ok(searchIndexMergePages(500) >= searchIndexMergePages(1));
    assert.equal(searchIndexMergePages(1_000_000), searchIndexMergePages(100_000), 'bounded, however large the write');
  });

  it('keeps few segments through registrations one per transaction, with automatic merges off', async () => {
    const db = await open('registrations.sqlite');
    assert.equal(db.automerge(), 0, 'migration 0020 turns FTS5’s automatic merges off');
    assert.equal(db.setting('usermerge'), segmentsMergedTogether);
    // One registration a batch (each awaited): a transaction and a segment each.
    for (let i = 0; i < 200; i++) await db.storage.clients.insertClient(sampleClient());
    // Unmerged, 200 one-page segments would be 12 at level 1 (each from a crisis merge of 16) and 8 more at level 0;
    // merged by the writes, every 8 segments of a level become one of the next: 1 at level 1, 3 at level 2.
    assert.ok(db.segments() <= 8, `segments after 200 registrations: ${db.segments()}`);
    assert.equal(await db.storage.clients.countClients({ search: 'client' }), 200, 'every client is found');
    await db.close();
  });

  it('merges through a sweep, one batch a transaction', async () => {
    const db = await open('sweep.sqlite');
    const registeredAt = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 128; i++) await db.storage.clients.insertClient(sampleClient({ updatedAt: registeredAt + i }));
    const now = registeredAt + 30 * day;
    const criteria: CleanupCriteria = { now, unusedRegisteredBefore: now - day, idleSince: now - 90 * day, accessTokensIssuedAfter: now - day };
    const cursor: CleanupCursor = { done: false };
    let deleted = 0;
    // One client a batch: a transaction each, whose deletes FTS5 writes as a segment of their own.
    for (let batch = 0; batch < 120; batch++) deleted += (await db.storage.cleanup.deleteUnusedClients(criteria, 1, cursor)).length;
    assert.equal(deleted, 120);
    // Unmerged, the 120 segments of struck-out entries would be 7 at level 1 (crisis merges of 16) and 8 at level
    // 0, beside the registrations' one; merged by the batches, every 8 of a level become one of the next.
    assert.ok(db.segments() <= 11, `segments after the sweep: ${db.segments()}`);
    assert.equal(db.automerge(), 0);
    assert.equal(await db.storage.clients.countClients({ search: 'client' }), 8);
    assert.equal((await db.storage.clients.listClients({ search: 'client', limit: 50 })).clients.length, 8, 'the deleted clients are not found');
    await db.close();
  });

  it('merges after clients deleted one at a time (RFC 7592, the operator)', async () => {
    const db = await open('deletes.sqlite');
    const clients = Array.from({ length: 128 }, () => sampleClient());
    for (const client of clients) await db.storage.clients.insertClient(client);
    for (const client of clients.slice(0, 120)) assert.equal(await db.storage.clients.deleteClient(client.clientId), true);
    // As the sweep's batches: unmerged, 16 segments of struck-out entries and the registrations' one.
    assert.ok(db.segments() <= 11, `segments after 120 deletes: ${db.segments()}`);
    assert.equal(await db.storage.clients.countClients({ search: 'client' }), 8);
    await db.close();
  });
});
