import { sql, type Kysely, type Selectable } from 'kysely';
import { auditCounterKeys, type AuditEvent, type AuditEventStore, type AuditEventType } from '../../ports/audit-events.js';
import type { AuditEventsTable, Database, Guard } from './schema.js';

/** Rows per insert: well under SQLite's bound-parameter limit at 8 columns a row. */
const maxRows = 1000;

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

/** An `audit_events` row as written. */
export type AuditRow = ReturnType<typeof toRow>;

/** What a batch adds to one hourly counter. */
export interface AuditCountRow {
  key: string;
  hour_ms: number;
  count: number;
}

/** Writes a batch's events and adds its counts to the hourly totals, in one transaction. */
export type AuditWriter = (rows: AuditRow[], counts: AuditCountRow[]) => Promise<void>;

/**
 * The {@link AuditEventStore} over Kysely, for both dialects. `write` stores a batch in one transaction; by
 * default multi-row `INSERT`s and one multi-row upsert of the counters (SQLite passes prepared statements:
 * building a statement of thousands of parameters for every batch cost a tenth of the registration throughput).
 */
export function createAuditRepository(db: Kysely<Database>, guard: Guard, write: AuditWriter = (rows, counts) => insertInChunks(db, rows, counts)): AuditEventStore {
  return {
    appendAuditEvents: (events) =>
      guard(async () => {
        if (events.length > 0) await write(events.map(toRow), countByHour(events));
      }),

    deleteAuditEventsBefore: (before, limit) =>
      guard(async () => {
        // The oldest first, through the (at_ms, type) index: a batch reads only what it deletes.
        const oldest = db.selectFrom('audit_events').select('id').where('at_ms', '<', before).orderBy('at_ms').limit(limit);
        const result = await db.deleteFrom('audit_events').where('id', 'in', oldest).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
    listAuditEvents: (filter) =>
      guard(async () => {
        let query = db.selectFrom('audit_events').selectAll();
        if (filter.clientId !== undefined) query = query.where('client_id', '=', filter.clientId);
        if (filter.type !== undefined) query = query.where('type', '=', filter.type);
        if (filter.before !== undefined) query = query.where('at_ms', '<', filter.before);
        const rows = await query.orderBy('at_ms', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
        return rows.map(fromRow);
      }),

    countAuditEvents: ({ from, to, bucket, keys }) =>
      guard(async () => {
        if (keys.length === 0) return [];
        // A literal, not a parameter: better-sqlite3 binds numbers as REAL, and REAL division keeps the fraction.
        const start = sql<number>`(hour_ms / ${sql.lit(bucket === 'day' ? dayMs : hourMs)}) * ${sql.lit(bucket === 'day' ? dayMs : hourMs)}`;
        const rows = await db
          .selectFrom('audit_counts')
          .select(['key', start.as('bucket_start'), (eb) => eb.fn.sum<number | string>('count').as('count')])
          .where('key', 'in', keys)
          .where('hour_ms', '>=', from)
          .where('hour_ms', '<', to)
          .groupBy(['key', 'bucket_start'])
          .orderBy('bucket_start')
          .orderBy('key')
          .execute();
        return rows.map((row) => ({ key: row.key, bucketStart: Number(row.bucket_start), count: Number(row.count) }));
      }),
  };
}

/**
 * The batch's events per counter key and hour, sorted by key and hour: one upsert per distinct counter, not per
 * event, and concurrent writers (several instances on PostgreSQL) lock the counter rows in the same order, so
 * they wait for each other instead of deadlocking.
 */
export function countByHour(events: readonly Pick<AuditEvent, 'at' | 'type' | 'data'>[]): AuditCountRow[] {
  const counts = new Map<string, AuditCountRow>();
  for (const event of events) {
    const hour = Math.floor(event.at / hourMs) * hourMs;
    for (const key of auditCounterKeys(event)) {
      const id = `${key}\n${hour}`;
      const row = counts.get(id);
      if (row) row.count++;
      else counts.set(id, { key, hour_ms: hour, count: 1 });
    }
  }
  return [...counts.values()].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.hour_ms - b.hour_ms));
}

async function insertInChunks(db: Kysely<Database>, rows: AuditRow[], counts: AuditCountRow[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += maxRows) {
      await trx.insertInto('audit_events').values(rows.slice(start, start + maxRows)).execute();
    }
    for (let start = 0; start < counts.length; start += maxRows) {
      await addCounts(trx, counts.slice(start, start + maxRows)).execute();
    }
  });
}

/** Adds `counts` to the hourly totals: `INSERT … ON CONFLICT (key, hour_ms) DO UPDATE` adding to the stored count. */
export function addCounts(db: Kysely<Database>, counts: AuditCountRow[]) {
  return db
    .insertInto('audit_counts')
    .values(counts)
    .onConflict((oc) => oc.columns(['key', 'hour_ms']).doUpdateSet({ count: sql<number>`audit_counts.count + excluded.count` }));
}

export function toRow(event: AuditEvent) {
  return {
    id: event.id,
    at_ms: event.at,
    type: event.type,
    client_id: event.clientId,
    user_id: event.userId,
    actor: event.actor,
    ip: event.ip,
    data: JSON.stringify(event.data),
  };
}

function fromRow(row: Selectable<AuditEventsTable>): AuditEvent {
  return {
    id: row.id,
    at: Number(row.at_ms),
    type: row.type as AuditEventType,
    clientId: row.client_id,
    userId: row.user_id,
    actor: row.actor,
    ip: row.ip,
    data: (typeof row.data === 'string' ? JSON.parse(row.data) : row.data) as Record<string, unknown>,
  };
}
