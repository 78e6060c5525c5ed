import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import type { CleanupCriteria, CleanupCursor } from '../../src/ports/cleanup.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { sampleClient } from './contract.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-sweep-index-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const day = 86_400_000;

/**
 * SQLite's search index (FTS5) through a sweep: each batch merges a bounded part of the index in its own
 * transaction instead of leaving the merges to FTS5's automatic ones, which come in steps of 64 pages per level
 * of the index in whichever commit crosses the mark (see boundedIndexMerges in cleanup-repository.ts).
 */
describe('SQLite search index through a sweep', () => {
  it('is merged by every batch, and its automatic merges are left as they were', async () => {
    const file = join(dir, 'sweep.sqlite');
    const storage = await openStorage({ url: `sqlite:${file}`, sqliteSynchronous: 'normal', poolSize: 1 });
    await storage.migrate();
    const registeredAt = Date.UTC(2026, 0, 1);
    for (let i = 0; i < 40; i++) await storage.clients.insertClient(sampleClient({ updatedAt: registeredAt + i }));
    const inspect = new BetterSqlite3(file, { readonly: true });
    // An operator's setting, not FTS5's default: what the sweep must leave.
    const writer = new BetterSqlite3(file);
    writer.exec(`insert into clients_substrings (clients_substrings, rank) values ('automerge', 8)`);
    writer.close();
    const leaves = () => (inspect.prepare('select count(*) as n from clients_substrings_data').get() as { n: number }).n;
    const automerge = () => (inspect.prepare(`select v from clients_substrings_config where k = 'automerge'`).get() as { v: number } | undefined)?.v;
    const before = leaves();
    const now = registeredAt + 30 * day;
    const criteria: CleanupCriteria = { now, unusedRegisteredBefore: now - day, idleSince: now - 90 * day, accessTokensIssuedAfter: now - day };
    const cursor: CleanupCursor = { done: false };
    let deleted = 0;
    // One client a batch: a transaction each, whose deletes FTS5 writes as a segment of their own.
    for (let batch = 0; batch < 30; batch++) deleted += (await storage.cleanup.deleteUnusedClients(criteria, 1, cursor)).length;
    assert.equal(deleted, 30);
    // Left to FTS5's automatic merges (the first after 64 pages written), the 30 segments of one page each stay
    // until 16 pile up at a level, and the index grows (13 rows to 14, measured); merged by the batches, it
    // shrinks as the deleted entries are merged away (13 to 8).
    assert.ok(leaves() < before, `rows of the index: ${before} → ${leaves()}`);
    assert.equal(automerge(), 8, 'the setting is as the operator left it');
    assert.equal(await storage.clients.countClients({ search: 'client' }), 10);
    inspect.close();
    await storage.close();
  });
});
