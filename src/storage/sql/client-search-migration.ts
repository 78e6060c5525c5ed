import { sql, type Kysely } from 'kysely';

/** The FTS5 table of SQLite's search index since migration 0018, and its vocabulary (one row per trigram). */
export const substringIndex = 'clients_substrings';
export const substringVocabulary = 'clients_substrings_terms';
/** SQLite: the latest `client_id_issued_at` among the clients of each block of 2^{@link rowidBlockShift} rowids. */
export const issuedByRowid = 'clients_issued_by_rowid';
/** Rowids per block of {@link issuedByRowid}, as a shift: 512, one chunk of the index read by a page. */
export const rowidBlockShift = 9;

/**
 * What the index holds of a row: its `search_text` and two line feeds, so that every character of the text
 * begins a trigram, the last two too (a search of one or two characters is looked up by the trigrams that begin
 * with it, see `client-listing.ts`). A search is trimmed, so it never ends with the line feeds and a phrase never
 * matches across them. The triggers give the same expression for the old text of a delete.
 */
const indexed = (row: 'new' | 'old') => `${row}.search_text || char(10, 10)`;

/**
 * Migration 0018's SQL. SQLite: the word index (`clients_search`) replaced by a trigram index, so that any
 * substring of `search_text` is found, as on PostgreSQL, and found by reading only what it names. A search was
 * the beginning of a word (`"127 0 0 1" *`); a short or common beginning (`1*`, `a*`, `019e*`, the time-ordered
 * start of a client id) named tens of thousands of words whose entries FTS5 merges in full before any LIMIT
 * applies (0.1–0.5 s at a million clients), and the phrase of words named rows the substring did not match
 * (`127 0 0 1`: 150,000 candidates, no match, so the page walked every client: 0.8 s). A phrase of trigrams is
 * the substring itself: it names exactly the rows that hold it, term by term, each read in rowid order and
 * stopped by the LIMIT. `case_sensitive 1`: the text and the search are both lower-cased by JavaScript, so no
 * second folding can make them differ. Contentless and appended to as 0014's index (see
 * `client-deletes-migration.ts`).
 *
 * At a million clients the index is about 200 MB (the word index was 50 MB) and the migration took 80 s on a busy
 * machine. A registration writes about 70 trigrams instead of 9 words: 64 µs a client in batches of 500 instead of
 * 24 µs (a micro-benchmark of the inserts and their triggers alone).
 *
 * `clients_issued_by_rowid`: per block of 512 rowids, the latest issue time of its clients (raised by triggers,
 * never lowered: a delete leaves it an upper bound). The index names clients in rowid order, which is
 * registration order and almost the listing's; this bound is what lets a page read them newest first and stop
 * as soon as no client left unread can come before the ones it holds (see `client-listing.ts`).
 *
 * PostgreSQL: nothing; its trigram index (`clients_search_trigram`, migration 0013) stays.
 *
 * @see https://www.sqlite.org/fts5.html#the_trigram_tokenizer
 * @see https://www.sqlite.org/fts5.html#the_fts5vocab_virtual_table_module
 */
export async function substringSearch(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  if (dialect !== 'sqlite') return;
  for (const trigger of ['clients_search_insert', 'clients_search_delete', 'clients_search_update']) await sql`drop trigger ${sql.ref(trigger)}`.execute(db);
  await sql`drop table clients_search`.execute(db);
  await createSubstringIndex(db);
  await sql.raw(`create table ${issuedByRowid} (block integer primary key, issued_max integer not null)`).execute(db);
  await sql.raw(`insert into ${issuedByRowid} (block, issued_max) select rowid >> ${rowidBlockShift}, max(client_id_issued_at) from clients group by 1`).execute(db);
  const raise = `insert into ${issuedByRowid} (block, issued_max) values (new.rowid >> ${rowidBlockShift}, new.client_id_issued_at)
    on conflict (block) do update set issued_max = max(issued_max, excluded.issued_max);`;
  await sql.raw(`create trigger ${issuedByRowid}_insert after insert on clients begin ${raise} end`).execute(db);
  await sql.raw(`create trigger ${issuedByRowid}_update after update of client_id_issued_at on clients when new.client_id_issued_at > old.client_id_issued_at begin ${raise} end`).execute(db);
}

/**
 * SQLite: the trigram index filled from `clients`, its vocabulary, and the triggers that keep it. FTS5's settings
 * start at their defaults: migration 0020 sets `automerge` and `usermerge` (search-index-merges.ts), which an index
 * built again after it must set again.
 */
async function createSubstringIndex(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(`create virtual table ${substringIndex} using fts5(search_text, content='', columnsize=0, tokenize='trigram case_sensitive 1')`)
    .execute(db);
  await sql.raw(`insert into ${substringIndex} (rowid, search_text) select rowid, search_text || char(10, 10) from clients`).execute(db);
  await sql.raw(`create virtual table ${substringVocabulary} using fts5vocab(${substringIndex}, 'row')`).execute(db);
  const remove = `insert into ${substringIndex} (${substringIndex}, rowid, search_text) values ('delete', old.rowid, ${indexed('old')});`;
  const add = `insert into ${substringIndex} (rowid, search_text) values (new.rowid, ${indexed('new')});`;
  await sql.raw(`create trigger ${substringIndex}_insert after insert on clients begin ${add} end`).execute(db);
  await sql.raw(`create trigger ${substringIndex}_delete after delete on clients begin ${remove} end`).execute(db);
  await sql
    .raw(`create trigger ${substringIndex}_update after update of search_text on clients when old.search_text is not new.search_text begin ${remove} ${add} end`)
    .execute(db);
}

/**
 * Migration 0019: a client id made by Latchkey (a UUID) leaves `search_text` and is found by its beginning
 * through the primary key instead (see `idPrefixOf` in `client-listing.ts`). It was 36 of a client's 70 or so
 * indexed characters: half of the trigrams a registration wrote on SQLite (35 µs an insert instead of 59–69 in a
 * micro-benchmark of the insert and its triggers) and half of its GIN entries on PostgreSQL. Each client's text is
 * computed again (`rewrite`, the one function new rows use). The search indexes are dropped first and built again
 * after, once, rather than updated row by row: on SQLite every update would strike the old text out of the
 * contentless index and append the new. At a million clients, expect about as long as 0018 took (80 s on SQLite).
 *
 * PostgreSQL: `clients_id_prefix`, the id in `text_pattern_ops`, which answers `client_id LIKE 'prefix%'` whatever
 * the database's collation (its primary key follows that collation, whose order is not byte order); the trigram
 * index is built again only if it was there (creating pg_trgm may have been refused, see migration 0013).
 */
export async function idsOutOfSearchText(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres', rewrite: (db: Kysely<unknown>) => Promise<void>): Promise<void> {
  if (dialect === 'sqlite') {
    for (const trigger of ['insert', 'delete', 'update']) await sql.raw(`drop trigger ${substringIndex}_${trigger}`).execute(db);
    await sql.raw(`drop table ${substringVocabulary}`).execute(db);
    await sql.raw(`drop table ${substringIndex}`).execute(db);
    await rewrite(db);
    await createSubstringIndex(db);
    return;
  }
  const { rows } = await sql<{ found: number }>`select count(*)::int as found from pg_indexes where indexname = 'clients_search_trigram'`.execute(db);
  const trigram = rows[0]?.found === 1;
  if (trigram) await sql`drop index clients_search_trigram`.execute(db);
  await rewrite(db);
  if (trigram) await sql`create index clients_search_trigram on clients using gin (search_text gin_trgm_ops)`.execute(db);
  await sql`create index clients_id_prefix on clients (client_id text_pattern_ops)`.execute(db);
}
