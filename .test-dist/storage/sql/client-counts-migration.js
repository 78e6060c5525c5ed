import { sql } from "kysely";
async function addClientCountsAndSearch(db, dialect) {
  await neverUsedIndex(db);
  await clientCounts(db, dialect);
  if (dialect === "sqlite") await sqliteSearchIndex(db);
  else await postgresSearchIndex(db);
}
async function neverUsedIndex(db) {
  await db.schema.createIndex("clients_never_used").on("clients").columns(["created_ms", "client_id"]).where(sql.ref("last_used_ms"), "is", null).execute();
}
async function clientCounts(db, dialect) {
  const flag = dialect === "postgres" ? "boolean" : "integer";
  await db.schema.createTable("client_counts").addColumn("registration_source", "text", (c) => c.notNull()).addColumn("flagged", sql.raw(flag), (c) => c.notNull()).addColumn("count", "bigint", (c) => c.notNull()).addPrimaryKeyConstraint("client_counts_pk", ["registration_source", "flagged"]).execute();
  await sql`insert into client_counts (registration_source, flagged, count)
    select registration_source, look_alike_of is not null, count(*) from clients group by 1, 2`.execute(db);
  if (dialect === "sqlite") await sqliteCountTriggers(db);
  else await postgresCountTriggers(db);
}
async function sqliteCountTriggers(db) {
  const add = (row, delta) => `insert into client_counts (registration_source, flagged, count) values (${row}.registration_source, ${row}.look_alike_of is not null, 0 ${delta})
     on conflict (registration_source, flagged) do update set count = count ${delta};`;
  await sql.raw(`create trigger client_counts_insert after insert on clients begin ${add("new", "+ 1")} end`).execute(db);
  await sql.raw(`create trigger client_counts_delete after delete on clients begin ${add("old", "- 1")} end`).execute(db);
  await sql.raw(
    `create trigger client_counts_update after update of registration_source, look_alike_of on clients
       when old.registration_source is not new.registration_source or (old.look_alike_of is null) <> (new.look_alike_of is null)
       begin ${add("old", "- 1")} ${add("new", "+ 1")} end`
  ).execute(db);
}
async function postgresCountTriggers(db) {
  const apply = (table, sign) => `insert into client_counts (registration_source, flagged, count)
      select registration_source, look_alike_of is not null, ${sign}count(*) from ${table} group by 1, 2
      on conflict (registration_source, flagged) do update set count = client_counts.count + excluded.count;`;
  await sql.raw(
    `create function client_counts_apply() returns trigger language plpgsql as $$
       begin
         if tg_op in ('DELETE', 'UPDATE') then ${apply("old_rows", "-")} end if;
         if tg_op in ('INSERT', 'UPDATE') then ${apply("new_rows", "")} end if;
         return null;
       end $$`
  ).execute(db);
  await sql`create trigger client_counts_insert after insert on clients referencing new table as new_rows for each statement execute function client_counts_apply()`.execute(db);
  await sql`create trigger client_counts_delete after delete on clients referencing old table as old_rows for each statement execute function client_counts_apply()`.execute(db);
  await sql`create trigger client_counts_update after update on clients referencing old table as old_rows new table as new_rows for each statement execute function client_counts_apply()`.execute(db);
}
async function sqliteSearchIndex(db) {
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
async function postgresSearchIndex(db) {
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
export {
  addClientCountsAndSearch
};
//# sourceMappingURL=client-counts-migration.js.map
