import type { AuditEventStore } from '../ports/audit-events.js';
import type { ReplayStore } from '../ports/replays.js';

/**
 * Deletes the one-time values (assertion and proof `jti`s) whose JWTs have expired, in batches so that no
 * statement holds the database for long: past its expiry a value protects nothing, since the JWT carrying it is
 * refused for its `exp` already. Resolves how many were deleted.
 */
export async function forgetExpiredValues(replays: ReplayStore, now: number, batchSize: number): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await replays.deleteExpired(now, batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}

/**
 * Deletes audit events older than the retention (`audit.retentionDays`; 0 keeps them all), oldest first, in
 * batches. Resolves how many were deleted.
 */
export async function forgetOldAuditEvents(events: Pick<AuditEventStore, 'deleteAuditEventsBefore'>, now: number, retentionDays: number, batchSize: number): Promise<number> {
  if (retentionDays === 0) return 0;
  const before = now - retentionDays * 86_400_000;
  let total = 0;
  for (;;) {
    const deleted = await events.deleteAuditEventsBefore(before, batchSize);
    total += deleted;
    if (deleted < batchSize) return total;
  }
}
