import { setImmediate as nextTurn } from 'node:timers/promises';

/** What a sweep deletes: the clients, or the rows of one retention kind. */
export type SweepKind = 'clients' | 'refresh_tokens' | 'retired_refresh_tokens' | 'authorization_codes' | 'revoked_access_tokens' | 'used_values' | 'pushed_requests' | 'audit_events';

/**
 * Where sweeps report their progress (the metrics: `latchkey_cleanup_deleted_total{kind}`,
 * `latchkey_cleanup_batch_duration_seconds{kind}`, `latchkey_cleanup_sweep_duration_seconds{kind}`).
 */
export interface SweepObserver {
  /** One batch (one transaction) deleted `deleted` rows in `seconds`. */
  batch(kind: SweepKind, deleted: number, seconds: number): void;
  /** A sweep of `kind` finished after `seconds`, batches and the pauses between them included. */
  sweep(kind: SweepKind, seconds: number): void;
}

/**
 * What a batch reports: how many rows it deleted, and, for a sweep that reads through a cursor (which may delete
 * fewer than `batchSize` rows, none even, and still have more to read), whether there is more.
 */
export type BatchResult = number | { deleted: number; more: boolean };

/**
 * Runs `deleteBatch` (which deletes at most `limit` rows) until a batch comes back short (or, when it says, until it
 * has no more), and resolves how many rows were deleted in all. Between batches it yields to the event loop
 * (`setImmediate`): on SQLite a batch runs on the one synchronous connection, and requests that arrived meanwhile
 * run before the next batch starts, so none waits for more than one batch.
 *
 * A batch is `batchSize` rows at most. Given `targetMs`, fewer where rows cost more: a batch that took longer makes
 * the next one smaller in proportion, down to a quarter of `batchSize`, and batches that take less grow back, at
 * most doubling, up to `batchSize`. What a row costs varies within one sweep by ten times and more: at a million
 * clients on SQLite a batch of 100 never-used clients took 3 ms, and one of 100 idle clients, half of them deleted
 * with five grants and five refresh tokens each on pages of their own, 30 to 60 ms. The floor bounds what a sweep
 * pays for batches made small by a busy machine rather than by costly rows (each batch has a fixed cost: on
 * PostgreSQL, without the floor and on a loaded machine, 4,980 batches instead of 2,701 took 444 s instead of 161).
 *
 * @param options.targetMs how long a batch should take at most (none: every batch is `batchSize`)
 * @param options.now the clock batches are timed with (tests)
 */
export async function inBatches(
  kind: SweepKind,
  deleteBatch: (limit: number) => Promise<BatchResult>,
  batchSize: number,
  observer?: SweepObserver,
  options: { targetMs?: number; now?: () => number } = {},
): Promise<number> {
  const { targetMs, now = () => performance.now() } = options;
  const floor = Math.ceil(batchSize / 4);
  const started = now();
  let total = 0;
  let limit = batchSize;
  for (;;) {
    const batchStarted = now();
    const result = await deleteBatch(limit);
    const took = now() - batchStarted;
    const deleted = typeof result === 'number' ? result : result.deleted;
    observer?.batch(kind, deleted, took / 1000);
    total += deleted;
    if (typeof result === 'number' ? deleted < limit : !result.more) break;
    if (targetMs !== undefined) limit = Math.max(floor, Math.min(batchSize, limit * 2, Math.floor((limit * targetMs) / Math.max(took, 1e-3))));
    await nextTurn();
  }
  observer?.sweep(kind, (now() - started) / 1000);
  return total;
}
