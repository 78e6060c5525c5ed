import { sql } from "kysely";
import { auditCounterKeys } from "../../ports/audit-events.js";
const maxRows = 1e3;
const hourMs = 36e5;
const dayMs = 24 * hourMs;
function createAuditRepository(db, guard, write = (rows, counts) => insertInChunks(db, rows, counts)) {
  return {
    appendAuditEvents: (events) => guard(async () => {
      if (events.length > 0) await write(events.map(toRow), countByHour(events));
    }),
    deleteAuditEventsBefore: (before, limit) => guard(async () => {
      const oldest = db.selectFrom("audit_events").select("id").where("at_ms", "<", before).orderBy("at_ms").limit(limit);
      const result = await db.deleteFrom("audit_events").where("id", "in", oldest).executeTakeFirst();
      return Number(result.numDeletedRows);
    }),
    listAuditEvents: (filter) => guard(async () => {
      let query = db.selectFrom("audit_events").selectAll();
      if (filter.clientId !== void 0) query = query.where("client_id", "=", filter.clientId);
      if (filter.type !== void 0) query = query.where("type", "=", filter.type);
      if (filter.before !== void 0) query = query.where("at_ms", "<", filter.before);
      const rows = await query.orderBy("at_ms", "desc").orderBy("id", "desc").limit(filter.limit).execute();
      return rows.map(fromRow);
    }),
    countAuditEvents: ({ from, to, bucket, keys }) => guard(async () => {
      if (keys.length === 0) return [];
      const start = sql`(hour_ms / ${sql.lit(bucket === "day" ? dayMs : hourMs)}) * ${sql.lit(bucket === "day" ? dayMs : hourMs)}`;
      const rows = await db.selectFrom("audit_counts").select(["key", start.as("bucket_start"), (eb) => eb.fn.sum("count").as("count")]).where("key", "in", keys).where("hour_ms", ">=", from).where("hour_ms", "<", to).groupBy(["key", "bucket_start"]).orderBy("bucket_start").orderBy("key").execute();
      return rows.map((row) => ({ key: row.key, bucketStart: Number(row.bucket_start), count: Number(row.count) }));
    })
  };
}
function countByHour(events) {
  const counts = /* @__PURE__ */ new Map();
  for (const event of events) {
    const hour = Math.floor(event.at / hourMs) * hourMs;
    for (const key of auditCounterKeys(event)) {
      const id = `${key}
${hour}`;
      const row = counts.get(id);
      if (row) row.count++;
      else counts.set(id, { key, hour_ms: hour, count: 1 });
    }
  }
  return [...counts.values()].sort((a, b) => a.key < b.key ? -1 : a.key > b.key ? 1 : a.hour_ms - b.hour_ms);
}
async function insertInChunks(db, rows, counts) {
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += maxRows) {
      await trx.insertInto("audit_events").values(rows.slice(start, start + maxRows)).execute();
    }
    for (let start = 0; start < counts.length; start += maxRows) {
      await addCounts(trx, counts.slice(start, start + maxRows)).execute();
    }
  });
}
function addCounts(db, counts) {
  return db.insertInto("audit_counts").values(counts).onConflict((oc) => oc.columns(["key", "hour_ms"]).doUpdateSet({ count: sql`audit_counts.count + excluded.count` }));
}
function toRow(event) {
  return {
    id: event.id,
    at_ms: event.at,
    type: event.type,
    client_id: event.clientId,
    user_id: event.userId,
    actor: event.actor,
    ip: event.ip,
    data: JSON.stringify(event.data)
  };
}
function fromRow(row) {
  return {
    id: row.id,
    at: Number(row.at_ms),
    type: row.type,
    clientId: row.client_id,
    userId: row.user_id,
    actor: row.actor,
    ip: row.ip,
    data: typeof row.data === "string" ? JSON.parse(row.data) : row.data
  };
}
export {
  addCounts,
  countByHour,
  createAuditRepository,
  toRow
};
//# sourceMappingURL=audit-repository.js.map
