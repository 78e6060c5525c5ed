import type { AuditEventType } from './audit-events.js';

/** What an audit event says; the trail adds its id and time. Never a secret, not even a digest. */
export interface AuditEntry {
  type: AuditEventType;
  clientId?: string | null;
  userId?: string | null;
  /** Who did it when not the client or user: `cli`, `admin:<username>`, `gc`. */
  actor?: string | null;
  ip?: string | null;
  data?: Record<string, unknown>;
}

/**
 * The audit trail: protocol code records what it did; the trail logs it and writes it to the database in the
 * background (batched), so recording never slows or fails a request.
 */
export interface AuditTrail {
  record(entry: AuditEntry): void;
}

/** A trail that records nothing, for code paths and tests that do not audit. */
export const noAudit: AuditTrail = { record: () => {} };
