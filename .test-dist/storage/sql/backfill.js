import { sql } from "kysely";
import { clientSearchText } from "./client-listing.js";
import { parseMetadata } from "./client-repository.js";
const batchSize = 1e3;
async function backfillClientSearchText(db) {
  let after;
  for (; ; ) {
    let query = db.selectFrom("clients").select(["client_id", "metadata"]).orderBy("client_id").limit(batchSize);
    if (after !== void 0) query = query.where("client_id", ">", after);
    const rows = await query.execute();
    if (rows.length === 0) return;
    const values = rows.map((row) => {
      const metadata = parseMetadata(row.metadata);
      return sql`(${row.client_id}, ${clientSearchText(row.client_id, metadata)})`;
    });
    await sql`update clients set search_text = v.column2 from (values ${sql.join(values)}) as v where clients.client_id = v.column1`.execute(db);
    after = rows.at(-1).client_id;
  }
}
async function backfillAuditCounts(db, dialect) {
  const hour = sql.lit(36e5);
  const grantType = dialect === "postgres" ? sql`(data->>'grant_type')` : sql`json_extract(data, '$.grant_type')`;
  const isString = dialect === "postgres" ? sql`jsonb_typeof(data->'grant_type') = 'string'` : sql`json_type(data, '$.grant_type') = 'text'`;
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
export {
  backfillAuditCounts,
  backfillClientSearchText
};
//# sourceMappingURL=backfill.js.map
