import { sql, type Kysely } from 'kysely';

/**
 * Migration 0013's SQL: the clients counted by source and flag, the search index, and the index the cleanup of
 * never-used clients walks. Triggers keep the counts and the search index, so every write path is counted — the
 * group-committed registrations (a prepared statement in `sqlite.ts`), updates, operator deletes and the
 * cleanup's batches — without any of them knowing.
 */
export async function addClientCountsAndSearch(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  await neverUsedIndex(db);
  await clientCounts(db, dialect);
  if (dialect === 'sqlite') await sqliteSearchIndex(db);
  else await postgresSearchIndex(db);
}

/**
 * Never-used clients by registration time: the cleanup of never-used clients walks it oldest first and stops
 * after one batch, instead of reading every never-used client and sorting them for each batch. Partial, so it
 * holds only clients that may be swept and used clients cost nothing in it.
 */
async function neverUsedIndex(db: Kysely<unknown>): Promise<void> {
  await db.schema.createIndex('clients_never_used').on('clients').columns(['created_ms', 'client_id']).where(sql.ref('last_used_ms'), 'is', null).execute();
}

/**
 * `client_counts`: how many clients there are per registration source and look-alike flag (at most ten rows),
 * so that the overview and the unfiltered or source/flag-filtered lists never count the table. Rows are created
 * on first use and may reach 0; the sum of a source's rows is its count.
 */
async function clientCounts(db: Kysely<unknown>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const flag = dialect === 'postgres' ? 'boolean' : 'integer';
  await db.schema
    .createTable('client_counts')
    .addColumn('registration_source', 'text', (c) => c.notNull())
    .addColumn('flagged', sql.raw(flag), (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_counts_pk', ['registration_source', 'flagged'])
    .execute();
  await sql`insert into client_counts (registration_source, flagged, count)
    select registration_source, look_alike_of is not null, count(*) from clients group by 1, 2`.execute(db);
  if (dialect === 'sqlite') await sqliteCountTriggers(db);
  else await postgresCountTriggers(db);
}

async function sqliteCountTriggers(db: Kysely<unknown>): Promise<void> {
  const add = (row: 'new' | 'old', delta: '+ 1' | '- 1') =>
    `insert into client_counts (registration_source, flagged, count) values (${row}.registration_source, ${row}.look_alike_of is not null, 0 ${delta})
     on conflict (registration_source, flagged) do update set count = count ${delta};`;
  await sql.raw(`create trigger client_counts_insert after insert on clients begin ${add('new', '+ 1')} end`).execute(db);
  await sql.raw(`create trigger client_counts_delete after delete on clients begin ${add('old', '- 1')} end`).execute(db);
  await sql
    .raw(
      `create trigger client_counts_update after update of registration_source, look_alike_of on clients
       when old.registration_source is not new.registration_source or (old.look_alike_of is null) <> (new.look_alike_of is null)
       begin ${add('old', '- 1')} ${add('new', '+ 1')} end`,
    )
    .execute(db);
}

/**
 * On PostgreSQL, statement-level triggers with transition tables: a group-committed batch of 500 registrations
 * updates each counter row once, not 500 times, and holds its row lock for one statement's worth of changes.
 */
async function postgresCountTriggers(db: Kysely<unknown>): Promise<void> {
  const apply = (table: string, sign: string) => `insert into client_counts (registration_source, flagged, count)
      select registration_source, look_alike_of is not null, ${sign}count(*) from ${table} group by 1, 2
      on conflict (registration_source, flagged) do update set count = client_counts.count + excluded.count;`;
  await sql
    .raw(
      `create function client_counts_apply() returns trigger language plpgsql as $$
       begin
         if tg_op in ('DELETE', 'UPDATE') then ${apply('old_rows', '-')} end if;
         if tg_op in ('INSERT', 'UPDATE') then ${apply('new_rows', '')} end if;
         return null;
       end $$`,
    )
    .execute(db);
  await sql`create trigger client_counts_insert after insert on clients referencing new table as new_rows for each statement execute function client_counts_apply()`.execute(db);
  await sql`create trigger client_counts_delete after delete on clients referencing old table as old_rows for each statement execute function client_counts_apply()`.execute(db);
  await sql`create trigger client_counts_update after update on clients referencing old table as old_rows new table as new_rows for each statement execute function client_counts_apply()`.execute(db);
}

/**
 * SQLite: an FTS5 index of the words of `search_text` (unicode61: letters and digits, case and accents folded),
 * contentless (the text is in `clients` already) and keyed by the client's rowid, which VACUUM and the backup
 * API keep. A search looks words up by their beginning; the row's `search_text` is checked again, so a stale
 * entry could only hide a client, never show a wrong one. Migration 0014 rebuilds it without `contentless_delete`
 * (see `client-deletes-migration.ts`).
 */
async function sqliteSearchIndex(db: Kysely<unknown>): Promise<void> {
  await sql`create virtual table clients_search using fts5(search_text, content='', contentless_delete=1)`.execute(db);
  await sql`insert into clients_search (rowid, search_text) select rowid, search_text from clients`.execute(db);
  await sql`create trigger clients_search_insert after insert on clients begin
    insert into clients_search (rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
  await sql`create trigger clients_search_delete after delete on clients begin
    delete from clients_search where rowid = old.rowid; end`.execute(db);
  await sql`create trigger clients_search_update after update of search_text on clients when old.search_text is not new.search_text begin
    delete from clients_search where rowid = old.rowid;
    insert into clients_search (rowid, search_text) values (new.rowid, new.search_text); end`.execute(db);
}

/**
 * PostgreSQL: a trigram (pg_trgm) GIN index on `search_text`, which answers the listing's `LIKE '%…%'` for three
 * characters or more. Creating the extension needs the CREATE privilege on the database (pg_trgm is a trusted
 * extension): without it the migration goes on without the index, and a search scans as before.
 */
async function postgresSearchIndex(db: Kysely<unknown>): Promise<void> {
  await sql`savepoint trigram`.execute(db);
  try {
    await sql`create extension if not exists pg_trgm`.execute(db);
  } catch {
    await sql`rollback to savepoint trigram`.execute(db);
    return;
  }
  await sql`release savepoint trigram`.execute(db);
  await sql`create index clients_search_trigram on clients using gin (search_text gin_trgm_ops)`.execute(db);
}
