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
 * Runs `deleteBatch` (which deletes at most `batchSize` rows) until a batch comes back short (or, when it says,
 * until it has no more), and resolves how many rows were deleted in all. Between batches it yields to the event
 * loop (`setImmediate`): on SQLite a batch runs on the one synchronous connection, and requests that arrived
 * meanwhile run before the next batch starts, so none waits for more than one batch.
 */
export async function inBatches(kind: SweepKind, deleteBatch: (limit: number) => Promise<BatchResult>, batchSize: number, observer?: SweepObserver): Promise<number> {
  const started = performance.now();
  let total = 0;
  for (;;) {
    const batchStarted = performance.now();
    const result = await deleteBatch(batchSize);
    const deleted = typeof result === 'number' ? result : result.deleted;
    observer?.batch(kind, deleted, (performance.now() - batchStarted) / 1000);
    total += deleted;
    if (typeof result === 'number' ? deleted < batchSize : !result.more) break;
    await nextTurn();
  }
  observer?.sweep(kind, (performance.now() - started) / 1000);
  return total;
}
