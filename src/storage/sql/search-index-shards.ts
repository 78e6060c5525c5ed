import { sql, type Kysely, type RawBuilder } from 'kysely';
import { substringIndex, substringVocabulary } from './client-search-migration.js';

/**
 * SQLite's search index in shards: one FTS5 table per range of 2^{@link shardShift} rowids of `clients` (131,072
 * clients), `clients_substrings_<n>` for the range that begins at n × 131,072, with its vocabulary
 * `clients_substrings_terms_<n>`. Migration 0021 split the one index (`clients_substrings`) this way.
 *
 * Why: FTS5 merges an index's segments term by term, and a merge step stops only between terms. A trigram that
 * nearly every client holds (`127`, `.0.`, `loc`, the first letters of a common name) has one entry per client,
 * so at a million clients a merge of the top level took 45–60 ms per such trigram in one step, however small its
 * page budget (measured with the cleanup sweep's deletes, raw, on this machine; 68 ms in the server under the
 * bench's load): every request waited behind it. A shard's trigrams have at most 131,072 entries each, and its
 * longest merge step, measured the same way, took 12–21 ms. The sweep cost the same (6.9 s instead of 6.6 s
 * for its 800,000 deletes and their merges).
 *
 * Which shard holds a row: shard n holds the rowids from n × 131,072 (the first shard: from any rowid) up to the
 * next shard's first rowid (the last shard: any rowid above). The shards always cover every rowid, so a row is
 * always indexed, whatever wrote it. New rows take rowids above the largest, in the last shard; after a write of
 * clients, {@link advanceSearchShards} opens a new last shard once the largest rowid has left the last shard's
 * range, and moves there the rows already written beyond it (those of the batch that crossed, usually). Shards
 * are never dropped: one whose clients were all deleted holds nothing but FTS5's settings.
 */
export const shardShift = 17;

/** The first rowid of shard `n`'s range. */
const firstRowid = (n: number) => n * 2 ** shardShift;

/** The FTS5 table of shard `n`. */
export const shardTable = (n: number) => `${substringIndex}_${n}`;

/** The vocabulary (fts5vocab, one row per trigram) of shard `n`. */
export const shardVocabulary = (n: number) => `${substringVocabulary}_${n}`;

const shardName = new RegExp(`^${substringIndex}_(\\d+)$`);

/** SQLite: the search index's shards, lowest rowids first (empty before migration 0021). */
export async function searchShards<T>(db: Kysely<T>): Promise<number[]> {
  const { rows } = await sql<{ name: string }>`select name from sqlite_master where type = 'table' and name like ${`${substringIndex}\\_%`} escape '\\'`.execute(db);
  return rows
    .map((row) => shardName.exec(row.name)?.[1])
    .filter((n): n is string => n !== undefined)
    .map(Number)
    .sort((a, b) => a - b);
}

/** What the index holds of a row: its `search_text` and two line feeds (see `client-search-migration.ts`). */
const indexed = (row: 'new' | 'old') => `${row}.search_text || char(10, 10)`;

/** The rowids of shard `n`, given the shards beside it (`first`: none below; `next`: the next shard's number). */
function rangeOf(row: string, n: number, first: boolean, next: number | undefined): string {
  const bounds = [...(first ? [] : [`${row} >= ${firstRowid(n)}`]), ...(next === undefined ? [] : [`${row} < ${firstRowid(next)}`])];
  return bounds.length === 0 ? '1' : bounds.join(' and ');
}

/** An FTS5 command (`'merge'`, or a setting's name) to shard `n`, its argument `?`. */
export const shardCommand = (n: number, name: string) => `insert into ${shardTable(n)} (${shardTable(n)}, rank) values ('${name}', ?)`;

/**
 * FTS5's `usermerge`: how many segments of a level a merge takes together, 8 instead of FTS5's 4. Each entry is
 * rewritten once per level it climbs, and with 8 there are about half as many levels (log8 instead of log4 of the
 * index's size); a search reads up to 7 segments a level instead of 3. Measured at a million clients, one index
 * (raw inserts of 30-client batches, interleaved): 105 µs per client instead of 119, batches' p99 11.6 ms instead
 * of 15.8; a search of the index alone 0.8 ms instead of 0.7.
 */
export const segmentsMergedTogether = 8;

/**
 * Shard `n` created: its FTS5 table (contentless, trigrams, as migration 0018's index), its vocabulary, FTS5's
 * automatic merges off and `usermerge` 8 (the writes merge it, see `search-index-merges.ts`), and its rows
 * `rowids` (an SQL condition on `rowid`) copied from `clients`, merged into one segment (`'optimize'`).
 */
async function createShard<T>(db: Kysely<T>, n: number, rowids: string): Promise<void> {
  const table = shardTable(n);
  await sql.raw(`create virtual table ${table} using fts5(search_text, content='', columnsize=0, tokenize='trigram case_sensitive 1')`).execute(db);
  await sql.raw(`create virtual table ${shardVocabulary(n)} using fts5vocab(${table}, 'row')`).execute(db);
  await sql.raw(shardCommand(n, 'automerge').replace('?', '0')).execute(db);
  await sql.raw(shardCommand(n, 'usermerge').replace('?', String(segmentsMergedTogether))).execute(db);
  await sql.raw(`insert into ${table} (rowid, search_text) select rowid, search_text || char(10, 10) from clients where ${rowids}`).execute(db);
  await sql.raw(`insert into ${table} (${table}) values ('optimize')`).execute(db);
}

/** Shard `n`'s triggers, for its range among the shards beside it (replacing those it had). */
async function shardTriggers<T>(db: Kysely<T>, n: number, first: boolean, next: number | undefined): Promise<void> {
  const table = shardTable(n);
  const remove = `insert into ${table} (${table}, rowid, search_text) values ('delete', old.rowid, ${indexed('old')});`;
  const add = `insert into ${table} (rowid, search_text) values (new.rowid, ${indexed('new')});`;
  for (const event of ['insert', 'delete', 'update']) await sql.raw(`drop trigger if exists ${table}_${event}`).execute(db);
  await sql.raw(`create trigger ${table}_insert after insert on clients when ${rangeOf('new.rowid', n, first, next)} begin ${add} end`).execute(db);
  await sql.raw(`create trigger ${table}_delete after delete on clients when ${rangeOf('old.rowid', n, first, next)} begin ${remove} end`).execute(db);
  await sql
    .raw(
      `create trigger ${table}_update after update of search_text on clients
        when old.search_text is not new.search_text and ${rangeOf('new.rowid', n, first, next)} begin ${remove} ${add} end`,
    )
    .execute(db);
}

/** The shard whose range begins at or below `rowid` (a rowid's shard number, 0 for any rowid below 131,072). */
export const shardOf = (rowid: number) => Math.max(0, Math.floor(rowid / 2 ** shardShift));

/**
 * SQLite, after a write of clients (in its transaction): when the largest rowid has left the last shard's range,
 * a new last shard for it, filled with the rows already beyond (struck out of the shard that held them), and the
 * shards' triggers set for their new ranges. Answers the shards (see {@link searchShards}). Costs one read of the
 * largest rowid when nothing is to be done. A shard is opened only where a row is, so a gap in the rowids (an
 * imported row's) leaves no empty shards behind it.
 */
export async function advanceSearchShards<T>(db: Kysely<T>, known?: readonly number[]): Promise<readonly number[]> {
  const shards = known ?? (await searchShards(db));
  const last = shards.at(-1);
  if (last === undefined) return shards;
  const { rows } = await sql<{ largest: number | null }>`select max(rowid) as largest from clients`.execute(db);
  const largest = rows[0]?.largest;
  if (largest === null || largest === undefined || shardOf(Number(largest)) <= last) return shards;
  const next = shardOf(Number(largest));
  // Read again in this transaction: `known` may be stale (another write, another process may have opened a shard
  // since, for this rowid or one above it, or dropped one). Only the last shard is ever split.
  const current = await searchShards(db);
  const previous = current.at(-1);
  if (previous === undefined || previous >= next) return current;
  const beyond = `rowid >= ${firstRowid(next)}`;
  const previousTable = shardTable(previous);
  await sql
    .raw(`insert into ${previousTable} (${previousTable}, rowid, search_text) select 'delete', rowid, search_text || char(10, 10) from clients where ${beyond}`)
    .execute(db);
  await createShard(db, next, beyond);
  await shardTriggers(db, previous, current.length === 1, next);
  await shardTriggers(db, next, false, undefined);
  return [...current, next];
}

/**
 * SQLite, after a sweep's batch (in its transaction): the shards, but the last, that hold no client any more
 * dropped, their ranges joined to the shard below (or, for the first, to the shard above). Rowids only grow, so
 * without this the shards would number every 131,072 clients ever registered, deleted ones too, and every
 * write of clients checks each shard's triggers. Answers the shards left. One lookup by rowid per shard.
 */
export async function dropEmptyShards<T>(db: Kysely<T>, shards: readonly number[]): Promise<readonly number[]> {
  let left = [...shards];
  for (let i = 0; i < left.length - 1; ) {
    const n = left[i]!;
    const next = left[i + 1]!;
    const { rows } = await sql<{ held: number }>`select exists (select 1 from clients where ${sql.raw(rangeOf('rowid', n, i === 0, next))}) as held`.execute(db);
    if (Number(rows[0]?.held) === 1) {
      i++;
      continue;
    }
    await dropShard(db, n);
    left = [...left.slice(0, i), ...left.slice(i + 1)];
    // The range goes to the shard below, or, for the first, to the one above, which becomes the first.
    if (i === 0) await shardTriggers(db, next, true, left[1]);
    else await shardTriggers(db, left[i - 1]!, i - 1 === 0, next);
  }
  return left;
}

/** Shard `n`'s triggers, vocabulary and table dropped (`index`: the one index before migration 0021). */
async function dropShard<T>(db: Kysely<T>, n: number | 'index'): Promise<void> {
  const [table, vocabulary] = n === 'index' ? [substringIndex, substringVocabulary] : [shardTable(n), shardVocabulary(n)];
  for (const trigger of ['insert', 'delete', 'update']) await sql.raw(`drop trigger if exists ${table}_${trigger}`).execute(db);
  await sql.raw(`drop table if exists ${vocabulary}`).execute(db);
  await sql.raw(`drop table if exists ${table}`).execute(db);
}

/**
 * Migration 0021's SQL. SQLite: the search index (`clients_substrings`, migrations 0018–0020) split into shards
 * of 131,072 rowids (see {@link shardShift}), one for each range that holds a client (one, empty, for a new
 * database), each filled from `clients` and merged into one segment. At a million clients, expect about as long
 * as building the one index took (80 s on a busy machine for 0018). PostgreSQL: nothing.
 *
 * Shards already there are dropped and made again the same way: rows written in bulk beside Latchkey's code
 * (a bench's seed) all land in the last shard, which only this spreads.
 */
export async function shardSearchIndex<T>(db: Kysely<T>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect !== 'sqlite') return;
  for (const n of ['index', ...(await searchShards(db))] as const) await dropShard(db, n);
  const { rows } = await sql<{ n: number }>`select distinct max(0, rowid >> ${sql.raw(String(shardShift))}) as n from clients order by 1`.execute(db);
  const shards = rows.length === 0 ? [0] : rows.map((row) => Number(row.n));
  for (const [i, n] of shards.entries()) {
    const first = i === 0;
    const next = shards[i + 1];
    await createShard(db, n, rangeOf('rowid', n, first, next));
    await shardTriggers(db, n, first, next);
  }
}

/** The most arms of one compound SELECT here: SQLite refuses more than 500 (`SQLITE_MAX_COMPOUND_SELECT`). */
export const armsPerCompound = 400;

/** `items` in groups of at most {@link armsPerCompound}. */
export function inCompounds<I>(items: readonly I[]): I[][] {
  const groups: I[][] = [];
  for (let i = 0; i < items.length; i += armsPerCompound) groups.push(items.slice(i, i + armsPerCompound));
  return groups;
}

/**
 * Whether `rowid` is one the shards' index names for an FTS5 query: `rowid in` a `union all` of the shards, newest
 * first, the query bound once per shard (several unions joined by `or`, past {@link armsPerCompound} shards).
 * False with no shard.
 */
export function shardMatches(shards: readonly number[], match: string): RawBuilder<boolean> {
  if (shards.length === 0) return sql<boolean>`0`;
  const arm = (n: number) => sql`select rowid from ${sql.table(shardTable(n))} where ${sql.table(shardTable(n))} match ${match}`;
  const unions = inCompounds([...shards].reverse()).map((group) => sql`rowid in (${sql.join(group.map(arm), sql` union all `)})`);
  return sql<boolean>`(${sql.join(unions, sql` or `)})`;
}
