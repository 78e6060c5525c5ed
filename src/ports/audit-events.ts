/** What the audit trail records. */
export type AuditEventType =
  | 'client.registered'
  | 'client.updated'
  | 'client.deleted'
  | 'client.flagged'
  | 'client.gc_deleted'
  | 'iat.created'
  /** Written by earlier versions; a registration's token use is now `client.registered`'s `iat_id`. */
  | 'iat.used'
  | 'iat.revoked'
  | 'consent.granted'
  | 'consent.revoked'
  | 'token.issued'
  | 'token.revoked'
  | 'grant.revoked'
  | 'key.rotated'
  | 'user.signed_in'
  | 'user.sign_in_failed'
  | 'user.created'
  | 'user.removed'
  | 'user.password_changed'
  | 'user.identity_linked'
  | 'user.identity_unlinked'
  /** A `tools/call` through the gateway: the tool, its outcome and duration (arguments only with `gateway.auditArguments`). */
  | 'gateway.tool_called';

/** One audit event. `data` never holds a secret (no token, secret, code or password, not even a digest). */
export interface AuditEvent {
  id: string;
  /** Milliseconds since the epoch. */
  at: number;
  type: AuditEventType;
  clientId: string | null;
  userId: string | null;
  /** Who did it when not the client or user: `cli`, `admin:<username>`, `gc`. */
  actor: string | null;
  ip: string | null;
  data: Record<string, unknown>;
}

/** The audit trail. */
export interface AuditEventStore {
  appendAuditEvents(events: AuditEvent[]): Promise<void>;
  /** Newest first, optionally of one client or type, before a time (for paging). */
  listAuditEvents(filter: { clientId?: string; type?: AuditEventType; before?: number; limit: number }): Promise<AuditEvent[]>;
  /**
   * How many events of each counter key happened per hour or per UTC day in `[from, to)` (milliseconds),
   * read from hourly totals that {@link appendAuditEvents} keeps in the same transaction as the events (see
   * `auditCounterKeys`), so a 30-day chart reads at most 720 rows per key, never the events themselves.
   * Buckets without events are absent.
   */
  countAuditEvents(query: { from: number; to: number; bucket: 'hour' | 'day'; keys: string[] }): Promise<AuditCount[]>;
  /**
   * Deletes up to `limit` of the oldest events that happened before `before` (milliseconds); resolves how many.
   * The hourly counts behind the charts stay: they are small, and a chart longer than the retention still draws.
   */
  deleteAuditEventsBefore(before: number, limit: number): Promise<number>;
}

/** Events of one counter key in one bucket. */
export interface AuditCount {
  key: string;
  /** Start of the hour or UTC day, in milliseconds. */
  bucketStart: number;
  count: number;
}

/**
 * The counters an event adds one to: its type, and for `token.issued` also `token.issued:<grant_type>`
 * (so that completed authorizations, `token.issued:authorization_code`, can be charted apart).
 */
export function auditCounterKeys(event: Pick<AuditEvent, 'type' | 'data'>): string[] {
  const grantType = event.data['grant_type'];
  return event.type === 'token.issued' && typeof grantType === 'string' ? [event.type, `${event.type}:${grantType}`] : [event.type];
}
