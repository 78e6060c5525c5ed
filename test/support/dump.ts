import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

/** Every row of every table of a test database, as one JSON text: to search for values that must not be stored. */
export async function dumpDatabase(url: string): Promise<{ text: string; clientRows: number }> {
  const tables: Record<string, unknown[]> = {};
  if (url.startsWith('sqlite:')) {
    const db = new BetterSqlite3(url.slice('sqlite:'.length), { readonly: true });
    try {
      // Not the virtual tables (the search index, which cannot be scanned): what they store is in their shadow tables.
      const names = db.prepare("select name from sqlite_master where type = 'table' and sql not like 'create virtual table%'").all() as { name: string }[];
      for (const { name } of names) tables[name] = db.prepare(`select * from "${name}"`).all();
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      const names = await client.query<{ tablename: string }>("select tablename from pg_tables where schemaname = 'public'");
      for (const { tablename } of names.rows) tables[tablename] = (await client.query(`select * from "${tablename}"`)).rows;
    } finally {
      await client.end();
    }
  }
  return { text: JSON.stringify(tables), clientRows: tables['clients']?.length ?? 0 };
}
