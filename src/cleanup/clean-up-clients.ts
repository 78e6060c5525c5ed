import type { Config } from '../config/defaults.js';
import type { CleanupCriteria, CleanupCursor, ClientCleanupStore } from '../ports/cleanup.js';
import { usageRecordingIntervalMs } from './client-usage.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock } from '../ports/clock.js';
import { inBatches, type SweepObserver } from './sweep-observer.js';

/** What {@link cleanUpClients} needs. */
export interface CleanupContext {
  cleanup: ClientCleanupStore;
  config: Pick<Config, 'cleanup' | 'tokens'>;
  clock: Clock;
  audit: AuditTrail;
  /** Hears of every batch and of the sweep (the metrics); optional. */
  observer?: SweepObserver;
}

/** What one cleanup run deleted, and in how many batches (transactions). */
export interface CleanupSummary {
  /** Clients that never completed an authorization within `cleanup.unusedAfter`. */
  unused: number;
  /** Clients not used for `cleanup.idleAfter`. */
  idle: number;
  batches: number;
}

/**
 * Deletes abandoned dynamically registered clients: those that never completed an authorization within
 * `cleanup.unusedAfter` of registering, and those unused for `cleanup.idleAfter`, with their grants. Agents
 * often register anew on every connection, so without this the table only grows. A client holding a live
 * grant, refresh token, code or possibly live access token is kept, whatever its age.
 *
 * Works in batches, each its own transaction, yielding to the event loop between batches, so the database is never
 * held for long and requests interleave; where a batch makes requests wait (SQLite), batches are made smaller when
 * they take longer than the store's `batchTargetMs`. A batch reads at most `cleanup.batchSize` candidates (so deletes at most
 * as many) after where the previous one stopped (a {@link CleanupCursor}): a candidate kept because something live
 * holds it is read once a run, and the run ends when every candidate has been read. The criteria are fixed at the
 * start: clients that become eligible during the run (or after the run has read them) wait for the next one, which
 * also guarantees that the loop ends.
 *
 * @param onProgress called after every batch with the number deleted so far and in that batch
 */
export async function cleanUpClients(
  context: CleanupContext,
  onProgress?: (deletedSoFar: number, lastBatch: number) => void,
): Promise<CleanupSummary> {
  const { cleanup, config, audit } = context;
  const criteria = cleanupCriteria(config, context.clock.now());
  const summary: CleanupSummary = { unused: 0, idle: 0, batches: 0 };
  const cursor: CleanupCursor = { done: false };
  const deleteBatch = async (limit: number) => {
    const position = cursor.position;
    const deleted = await cleanup.deleteUnusedClients(criteria, limit, cursor);
    summary.batches++;
    for (const { clientId, reason } of deleted) {
      summary[reason]++;
      audit.record({ type: 'client.gc_deleted', clientId, actor: 'gc', data: { reason } });
    }
    onProgress?.(summary.unused + summary.idle, deleted.length);
    // A store that left the cursor where it was read from the start, as without one: a short batch ends the run.
    const more = !cursor.done && (cursor.position !== position || deleted.length === limit);
    return { deleted: deleted.length, more };
  };
  const pace = cleanup.batchTargetMs === undefined ? {} : { targetMs: cleanup.batchTargetMs };
  await inBatches('clients', deleteBatch, config.cleanup.batchSize, context.observer, pace);
  return summary;
}

/** The eligibility thresholds at `now`, from the configuration. */
export function cleanupCriteria(config: Pick<Config, 'cleanup' | 'tokens'>, now: number): CleanupCriteria {
  return {
    now,
    unusedRegisteredBefore: now - config.cleanup.unusedAfter * 1000,
    idleSince: now - config.cleanup.idleAfter * 1000,
    // Access tokens are not stored, so a client may hold a live one for a token lifetime after its last use.
    // The recorded last use may be up to one recording interval older than the real one (it is written at
    // most once an interval per client), so a recorded use within both of now may still have a live token.
    accessTokensIssuedAfter: now - config.tokens.accessTokenTtlSeconds * 1000 - usageRecordingIntervalMs,
  };
}
