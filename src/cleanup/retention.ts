import type { Config } from '../config/defaults.js';
import type { AuditEventStore } from '../ports/audit-events.js';
import type { GrantStore } from '../ports/grants.js';
import type { ClientCleanupStore, ExpiringRecords } from '../ports/cleanup.js';
import type { PushedRequestStore } from '../ports/pushed-requests.js';
import type { ReplayStore } from '../ports/replays.js';
import type { Storage } from '../ports/storage.js';
import { inBatches, type SweepObserver } from './sweep-observer.js';

/**
 * Deletes the one-time values (assertion and proof `jti`s) whose JWTs have expired, in batches: past its expiry a value protects nothing, since the JWT carrying it is
 * refused for its `exp` already. Resolves how many were deleted.
 */
export function forgetExpiredValues(replays: ReplayStore, now: number, batchSize: number, observer?: SweepObserver): Promise<number> {
  return inBatches('used_values', (limit) => replays.deleteExpired(now, limit), batchSize, observer);
}

/**
 * Deletes audit events older than the retention (`audit.retentionDays`; 0 keeps them all), oldest first, in
 * batches. Resolves how many were deleted.
 */
export async function forgetOldAuditEvents(
  events: Pick<AuditEventStore, 'deleteAuditEventsBefore'>,
  now: number,
  retentionDays: number,
  batchSize: number,
  observer?: SweepObserver,
): Promise<number> {
  if (retentionDays === 0) return 0;
  const before = now - retentionDays * 86_400_000;
  return inBatches('audit_events', (limit) => events.deleteAuditEventsBefore(before, limit), batchSize, observer);
}

/**
 * How long after its expiry each kind of record is kept. A redeemed code stays an hour past its expiry so that a
 * replay of it in that hour still revokes what it granted (RFC 6749 §4.1.2); a refresh token or a revocation entry
 * protects nothing once expired (the bearer of either gets `invalid_grant`, or the access token fails on its `exp`).
 * A used refresh token of the earlier, unsealed formats is kept while it could be presented: until its own expiry,
 * reuse of it revokes its grant (sealed ones go sooner: {@link forgetRetiredRefreshTokens}).
 */
const keptAfterExpiry: Record<ExpiringRecords, number> = { refresh_tokens: 0, authorization_codes: 3_600_000, revoked_access_tokens: 0 };

/**
 * Deletes expired refresh tokens, codes and revocation entries, in batches, so that these tables hold what is live
 * (an agent rotating its refresh token hourly leaves at most one lifetime's worth of used tokens, not a year's).
 * Resolves how many of each were deleted.
 */
export async function forgetExpiredRecords(
  cleanup: Pick<ClientCleanupStore, 'deleteExpired'>,
  now: number,
  batchSize: number,
  observer?: SweepObserver,
): Promise<Record<ExpiringRecords, number>> {
  const deleted: Record<ExpiringRecords, number> = { refresh_tokens: 0, authorization_codes: 0, revoked_access_tokens: 0 };
  for (const kind of Object.keys(deleted) as ExpiringRecords[]) {
    deleted[kind] = await inBatches(kind, (limit) => cleanup.deleteExpired(kind, now - keptAfterExpiry[kind], limit), batchSize, observer);
  }
  return deleted;
}

/**
 * Deletes the sealed refresh tokens retired (used) before the reuse grace window and a margin, in batches: past
 * them, a retired sealed token is recognised as reuse from what it says of itself and its grant's newer
 * generation (see protocol/token/refresh-token-key.ts), so a grant keeps only its live token and those of the
 * window, not one lifetime of retired ones (720 for an agent rotating hourly with the default 30 days). Unsealed
 * tokens of the earlier formats are kept until they expire. Resolves how many were deleted.
 */
export function forgetRetiredRefreshTokens(
  grants: Pick<GrantStore, 'pruneRetiredRefreshTokens'>,
  now: number,
  reuseGraceSeconds: number,
  batchSize: number,
  observer?: SweepObserver,
): Promise<number> {
  const before = now - reuseGraceSeconds * 1000 - retiredTokenMarginMs;
  return inBatches('retired_refresh_tokens', (limit) => grants.pruneRetiredRefreshTokens(before, limit), batchSize, observer);
}

/**
 * How long past the grace window a retired token is kept all the same: the sweep runs on any instance (or as
 * `latchkey gc` on another host) by its own clock, and a request answered by another may be inside its window
 * still, by its clock, or between reading the token and rotating it. Deleted within the window, the token would be
 * taken for reuse (no longer stored, older than the newest) and its grant revoked instead of reissued. Five minutes
 * of retired rows per rotation cost nothing.
 */
export const retiredTokenMarginMs = 300_000;

/**
 * Deletes the pushed authorization requests (RFC 9126) that expired before `/authorize` took them, in batches
 * so that no statement holds the database for long: an expired `request_uri` is refused anyway, and its row
 * only holds a client's request parameters. Resolves how many were deleted.
 */
export function forgetExpiredPushedRequests(
  pushedRequests: Pick<PushedRequestStore, 'deleteExpired'>,
  now: number,
  batchSize: number,
  observer?: SweepObserver,
): Promise<number> {
  return inBatches('pushed_requests', (limit) => pushedRequests.deleteExpired(now, limit), batchSize, observer);
}

/** What one retention sweep deleted, by kind. */
export interface RetentionSummary extends Record<ExpiringRecords, number> {
  retired_refresh_tokens: number;
  used_values: number;
  pushed_requests: number;
  audit_events: number;
}

/**
 * One retention sweep, as the cleanup schedule runs it after the unused clients and `latchkey gc` runs it once:
 * expired tokens, codes and revocation entries, retired sealed refresh tokens, used one-time values, expired
 * pushed requests, and audit events past `audit.retentionDays`, each in batches of `cleanup.batchSize`. Every table
 * then holds what is live.
 * `observer` (the metrics) hears of every batch and sweep.
 */
export async function sweepRetention(
  storage: Pick<Storage, 'cleanup' | 'replays' | 'pushedRequests' | 'auditEvents' | 'grants'>,
  config: Pick<Config, 'audit' | 'cleanup' | 'tokens'>,
  now: number,
  observer?: SweepObserver,
): Promise<RetentionSummary> {
  const batch = config.cleanup.batchSize;
  return {
    ...(await forgetExpiredRecords(storage.cleanup, now, batch, observer)),
    retired_refresh_tokens: await forgetRetiredRefreshTokens(storage.grants, now, config.tokens.refreshReuseGraceSeconds, batch, observer),
    used_values: await forgetExpiredValues(storage.replays, now, batch, observer),
    pushed_requests: await forgetExpiredPushedRequests(storage.pushedRequests, now, batch, observer),
    audit_events: await forgetOldAuditEvents(storage.auditEvents, now, config.audit.retentionDays, batch, observer),
  };
}
