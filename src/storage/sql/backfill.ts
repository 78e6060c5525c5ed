import { sql, type Kysely } from 'kysely';
import type { ClientMetadata } from '../../ports/client-metadata.js';
import { clientSearchText } from './client-listing.js';
import type { Database } from './schema.js';
import { parseMetadata } from './client-repository.js';

/** Clients per read and per `UPDATE`: two parameters a row, well under SQLite's limit. */
const batchSize = 1000;

/**
 * Writes `clients.search_text` as {@link clientSearchText} computes it today, for every client whose stored text
 * differs: those stored before the column existed (migration 0004) or before its content changed (0019). Batches
 * in key order. Host names need URL parsing, so the text is computed here, as new rows compute it, not in SQL.
 * Each batch is one `UPDATE … FROM (VALUES …)`: the columns of a `VALUES` list are `column1`, `column2` on both
 * databases.
 */
export async function backfillClientSearchText(db: Kysely<Database>): Promise<void> {
  let after: string | undefined;
  for (;;) {
    let query = db.selectFrom('clients').select(['client_id', 'metadata', 'search_text']).orderBy('client_id').limit(batchSize);
    if (after !== undefined) query = query.where('client_id', '>', after);
    const rows = await query.execute();
    if (rows.length === 0) return;
    const values = rows.flatMap((row) => {
      const text = clientSearchText(row.client_id, parseMetadata(row.metadata) as Partial<ClientMetadata>);
      return text === row.search_text ? [] : [sql`(${row.client_id}, ${text})`];
    });
    if (values.length > 0) await sql`update clients set search_text = v.column2 from (values ${sql.join(values)}) as v where clients.client_id = v.column1`.execute(db);
    after = rows.at(-1)!.client_id;
  }
}

/**
 * Fills `audit_counts` from the events recorded before it existed, as `auditCounterKeys` would have counted
 * them: one per event type and hour, and for `token.issued` one per `grant_type` (a string) too.
 */
export async function backfillAuditCounts(db: Kysely<Database>, dialect: 'sqlite' | 'postgres'): Promise<void> {
  const hour = sql.lit(3_600_000);
  const grantType = dialect === 'postgres' ? sql`(data->>'grant_type')` : sql`json_extract(data, '$.grant_type')`;
  const isString = dialect === 'postgres' ? sql`jsonb_typeof(data->'grant_type') = 'string'` : sql`json_type(data, '$.grant_type') = 'text'`;
  await sql`
    insert into audit_counts (key, hour_ms, count)
    select type, (at_ms / ${hour}) * ${hour}, count(*) from audit_events group by 1, 2
  `.execute(db);
  await sql`
    insert into audit_counts (key, hour_ms, count)
    select 'token.issued:' || ${grantType}, (at_ms / ${hour}) * ${hour}, count(*) from audit_events
    where type = 'token.issued' and ${isString} group by 1, 2
  `.execute(db);
}
