import { sql, type Kysely } from 'kysely';

/**
 * Migration 0014's SQL: fewer pages written per client deleted (or registered). Deleting a client wrote about six
 * pages on SQLite at a million clients (counted in the WAL of a cleanup sweep), each copied again by the next
 * checkpoint: the client's row, its primary key entry, its `clients_policy` entry, and two and a half pages of
 * the search index. What is written per client is now its row and its primary key entry, plus a small share
 * of pages that every client of a batch shares (the time-ordered indexes, the counts, new search segments).
 */
export async function lightenClientDeletes(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await partialPolicyIndex(db);
  if (dialect === 'sqlite') await appendOnlySearchIndex(db);
}

/**
 * `clients_policy` holds only the clients that have a policy. It held an entry for every client, almost all of
 * them null, which SQLite orders by rowid: one more page written for each client registered or deleted. The
 * one query that reads it (`policy = ?`, counting the clients of a policy) implies `policy is not null`, so
 * both databases still answer it from the index.
 */
async function partialPolicyIndex(db: Kysely<unknown>): Promise<void> {
  await db.schema.dropIndex('clients_policy').execute();
  await db.schema.createIndex('clients_policy').on('clients').column('policy').where(sql.ref('policy'), 'is not', null).execute();
}

/**
 * SQLite: the search index (`clients_search`, FTS5) without `contentless_delete` and without its per-row sizes
 * (`columnsize=0`; searches do not rank). With `contentless_delete=1` a deleted row was struck out in the
 * segment that holds it (a random page of the index for each row) and its size row deleted (another); now a
 * delete is FTS5's `'delete'` command with the row's old text, which records the removal in the transaction's
 * new segment, written once at commit and merged away later with the entries it removes: appended, as an
 * insert is. The triggers give the old text from the row itself, so it is always the text that was indexed
 * (a `'delete'` with other text would leave the indexed words behind: they could hide a client from a search,
 * never show a wrong one, as the row's `search_text` is checked again).
 *
 * @see https://www.sqlite.org/fts5.html#the_delete_command
 */
async function appendOnlySearchIndex(db: Kysely<unknown>): Promise<void> {
  for (const trigger of ['clients_search_insert', 'clients_search_delete', 'clients_search_update']) await sql`drop trigger ${sql.ref(trigger)}`.execute(db);
  await sql`drop table clients_search`.execute(db);
  await sql`create virtual table clients_search using fts5(search_text, content='', columnsize=0)`.execute(db);
  await sql`insert into clients_search (rowid, search_text) select rowid, search_text from clients`.execute(db);
  const remove = `insert into clients_search (clients_search, rowid, search_text) values ('delete', old.rowid, old.search_text);`;
  const add = 'insert into clients_search (rowid, search_text) values (new.rowid, new.search_text);';
  await sql.raw(`create trigger clients_search_insert after insert on clients begin ${add} end`).execute(db);
  await sql.raw(`create trigger clients_search_delete after delete on clients begin ${remove} end`).execute(db);
  await sql
    .raw(`create trigger clients_search_update after update of search_text on clients when old.search_text is not new.search_text begin ${remove} ${add} end`)
    .execute(db);
}
