import { sql, type Kysely } from 'kysely';
import { substringIndex } from './client-search-migration.js';
import type { Database } from './schema.js';
import { advanceSearchShards, dropEmptyShards, segmentsMergedTogether, shardCommand } from './search-index-shards.js';

/** Pages of the search index's merges that a write of `rows` clients does at least (FTS5 `'merge'`: pages written). */
export const minMergePages = 16;
/** Pages of merges per client row a write inserted, changed or deleted. */
export const mergePagesPerRow = 1;
/** Pages of merges a write does at most, however many clients it wrote. */
export const maxMergePages = 256;

/**
 * SQLite: how many pages of the search index a write of `rows` clients merges (see {@link mergeSearchIndex}); none
 * when it wrote none.
 */
export function searchIndexMergePages(rows: number): number {
  if (rows <= 0) return 0;
  return Math.min(maxMergePages, Math.max(minMergePages, Math.ceil(rows * mergePagesPerRow)));
}

/**
 * An FTS5 command (`'merge'`, or a setting's name) to the search index before migration 0021 split it into shards
 * (see `search-index-shards.ts`), its argument `?` (replaced by an integer computed here: never input).
 */
const command = (name: string) => `insert into ${substringIndex} (${substringIndex}, rank) values ('${name}', ?)`;

/** The FTS5 command that merges up to `?` pages of shard `n` of the search index, for a prepared statement. */
export const mergeStatement = (n: number) => shardCommand(n, 'merge');

/**
 * SQLite: the merges of the search index (FTS5, the shards `clients_substrings_<n>`) that a write of `rows`
 * clients owes, done in the write's own transaction and bounded by {@link searchIndexMergePages} per shard;
 * first, a new shard when the write's rows have left the last one's range ({@link advanceSearchShards}).
 *
 * Every transaction that writes clients writes their trigrams (or, for a delete, the trigrams struck out) as a new
 * segment of the index, and segments must be merged, or a search reads ever more of them. Left to FTS5
 * (`automerge`, its default), merges come in steps: each time 64 pages of segments have been written, the commit
 * that crosses the mark merges 64 pages per level of the index (8 levels at a million clients: 512 pages, and
 * more when a common trigram's list is long, as a merge stops only between terms). That commit held SQLite's one
 * connection for tens of milliseconds (40-170 ms of CPU for a batch of the sweep at 300,000 clients), once every
 * 64 registration batches, and every request waiting behind it paid for it: the p99 of registration and the
 * longest waits beside a sweep.
 *
 * Migration 0020 turns `automerge` off for good, and each write merges instead a share in proportion to what it
 * wrote: {@link mergePagesPerRow} pages per client, at least {@link minMergePages} and at most
 * {@link maxMergePages}. FTS5's `'merge'` writes the pending segment first, then merges levels that hold
 * `usermerge` segments or more ({@link segmentsMergedTogether}), or continues a merge begun by an earlier write,
 * until that many pages are written; with nothing to merge it only reads the index's structure. Should merges
 * fall behind, FTS5's crisis merge (16 segments at a level) still bounds the index.
 *
 * Every shard is asked: one with nothing to merge only reads its structure (in a raw replay of the sweep at a
 * million clients, 8 shards, about 60 µs a batch), and a write need not know which rowids it touched. A sweep's
 * batch (`sweep`) also drops the shards its deletes emptied ({@link dropEmptyShards}).
 *
 * @see https://www.sqlite.org/fts5.html#the_merge_command
 * @see https://www.sqlite.org/fts5.html#the_automerge_configuration_option
 */
export async function mergeSearchIndex(db: Kysely<Database>, rows: number, options: { sweep?: boolean } = {}): Promise<void> {
  const pages = searchIndexMergePages(rows);
  if (pages === 0) return;
  let shards = await advanceSearchShards(db);
  if (options.sweep) shards = await dropEmptyShards(db, shards);
  for (const n of shards) await sql.raw(mergeStatement(n).replace('?', String(pages))).execute(db);
}

/**
 * Migration 0020's SQL. SQLite: FTS5's automatic merges of the search index off, as every write that changes
 * the index merges a bounded share itself ({@link mergeSearchIndex}), 8 segments at a time
 * ({@link segmentsMergedTogether}). Migration 0021 set both again on each shard it made. PostgreSQL: nothing.
 */
export async function searchIndexMergedByWrites(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql.raw(command('automerge').replace('?', '0')).execute(db);
  await sql.raw(command('usermerge').replace('?', String(segmentsMergedTogether))).execute(db);
}
