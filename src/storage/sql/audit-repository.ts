import type { Kysely, Selectable } from 'kysely';
import type { AuditEvent, AuditEventStore, AuditEventType } from '../ports.js';
import type { AuditEventsTable, Database, Guard } from './schema.js';

/** Rows per insert: well under SQLite's bound-parameter limit at 8 columns a row. */
const maxRows = 1000;

/** An `audit_events` row as written. */
export type AuditRow = ReturnType<typeof toRow>;

/**
 * The {@link AuditEventStore} over Kysely, for both dialects. `insertRows` writes rows in one transaction; by
 * default multi-row `INSERT`s (SQLite passes a prepared statement: building a statement of thousands of
 * parameters for every batch cost a tenth of the registration throughput).
 */
export function createAuditRepository(
  db: Kysely<Database>,
  guard: Guard,
  insertRows: (rows: AuditRow[]) => Promise<void> = (rows) => insertInChunks(db, rows),
): AuditEventStore {
  return {
    appendAuditEvents: (events) =>
      guard(async () => {
        if (events.length > 0) await insertRows(events.map(toRow));
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
  };
}

async function insertInChunks(db: Kysely<Database>, rows: AuditRow[]): Promise<void> {
  await db.transaction().execute(async (trx) => {
    for (let start = 0; start < rows.length; start += maxRows) {
      await trx.insertInto('audit_events').values(rows.slice(start, start + maxRows)).execute();
    }
  });
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
