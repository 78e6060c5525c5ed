import { sql, type Kysely } from 'kysely';
import { substringIndex } from './client-search-migration.js';
import type { Database } from './schema.js';

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

/** An FTS5 command (`'merge'`, or a setting's name) to the search index, its argument `?` (bound, or replaced by an integer computed here: never input). */
const command = (name: string) => `insert into ${substringIndex} (${substringIndex}, rank) values ('${name}', ?)`;

/** The FTS5 command that merges up to `?` pages of the search index, for a prepared statement. */
export const mergeStatement = command('merge');

/**
 * SQLite: the merges of the search index (FTS5, `clients_substrings`) that a write of `rows` clients owes, done
 * in the write's own transaction and bounded by {@link searchIndexMergePages}.
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
 * @see https://www.sqlite.org/fts5.html#the_merge_command
 * @see https://www.sqlite.org/fts5.html#the_automerge_configuration_option
 */
export async function mergeSearchIndex(db: Kysely<Database>, rows: number): Promise<void> {
  const pages = searchIndexMergePages(rows);
  if (pages === 0) return;
  await sql.raw(mergeStatement.replace('?', String(pages))).execute(db);
}

/**
 * Migration 0020's SQL. SQLite: FTS5's automatic merges of the search index off, as every write that changes
 * the index merges a bounded share itself ({@link mergeSearchIndex}), 8 segments at a time
 * ({@link segmentsMergedTogether}). PostgreSQL: nothing.
 */
export async function searchIndexMergedByWrites(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect !== 'sqlite') return;
  await sql.raw(command('automerge').replace('?', '0')).execute(db);
  await sql.raw(command('usermerge').replace('?', String(segmentsMergedTogether))).execute(db);
}

/**
 * FTS5's `usermerge`: how many segments of a level a merge takes together, 8 instead of FTS5's 4. Each entry is
 * rewritten once per level it climbs, and with 8 there are about half as many levels (log8 instead of log4 of the
 * index's size); a search reads up to 7 segments a level instead of 3. Measured at a million clients (raw inserts
 * of 30-client batches, interleaved): 105 µs per client instead of 119, batches' p99 11.6 ms instead of 15.8; a
 * search of the index alone 0.8 ms instead of 0.7.
 */
export const segmentsMergedTogether = 8;
