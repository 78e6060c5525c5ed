import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { CleanupCriteria, CleanupCursor } from '../../src/ports/cleanup.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { searchIndexMergePages } from '../../src/storage/sql/search-index-merges.js';
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
    const segments = () => (inspect.prepare('select count(distinct segid) as n from clients_substrings_idx').get() as { n: number }).n;
    const rows = () => (inspect.prepare('select count(*) as n from clients_substrings_data').get() as { n: number }).n;
    const automerge = () => (inspect.prepare(`select v from clients_substrings_config where k = 'automerge'`).get() as { v: number } | undefined)?.v;
    return { storage, segments, rows, automerge, close: async () => (inspect.close(), await storage.close()) };
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
    // One registration a batch (each awaited): a transaction and a segment each.
    for (let i = 0; i < 60; i++) await db.storage.clients.insertClient(sampleClient());
    // Unmerged, 60 one-page segments would be 15 at level 0 and three more at level 1 (16 trigger a crisis merge);
    // merged by the writes, level 0 is merged every 4 segments (`usermerge`) and so on up.
    assert.ok(db.segments() <= 8, `segments after 60 registrations: ${db.segments()}`);
    assert.equal(await db.storage.clients.countClients({ search: 'client' }), 60, 'every client is found');
    await db.close();
  });

  it('merges through a sweep, so that the deleted entries leave the index', async () => {
    const db = await open('sweep.sqlite');
    const registeredAt = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 40; i++) await db.storage.clients.insertClient(sampleClient({ updatedAt: registeredAt + i }));
    const before = db.rows();
    const now = registeredAt + 30 * day;
    const criteria: CleanupCriteria = { now, unusedRegisteredBefore: now - day, idleSince: now - 90 * day, accessTokensIssuedAfter: now - day };
    const cursor: CleanupCursor = { done: false };
    let deleted = 0;
    // One client a batch: a transaction each, whose deletes FTS5 writes as a segment of their own.
    for (let batch = 0; batch < 30; batch++) deleted += (await db.storage.cleanup.deleteUnusedClients(criteria, 1, cursor)).length;
    assert.equal(deleted, 30);
    // Unmerged, the 30 segments of struck-out entries would stay and the index grow; merged by the batches, it
    // shrinks as the deleted entries are merged away.
    assert.ok(db.rows() < before, `rows of the index: ${before} → ${db.rows()}`);
    assert.ok(db.segments() <= 8, `segments after the sweep: ${db.segments()}`);
    assert.equal(db.automerge(), 0);
    assert.equal(await db.storage.clients.countClients({ search: 'client' }), 10);
    await db.close();
  });
});
