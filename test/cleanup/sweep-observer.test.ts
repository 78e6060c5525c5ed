import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inBatches, type SweepKind } from '../../src/cleanup/sweep-observer.js';
import { createMetrics } from '../../src/observability/metrics.js';

describe('inBatches', () => {
  it('deletes until a short batch, reports each batch and the sweep, and lets other work run between batches', async () => {
    const remaining = [3, 3, 1];
    const order: string[] = [];
    const reports: [string, SweepKind, number][] = [];
    const observer = {
      batch: (kind: SweepKind, deleted: number) => reports.push(['batch', kind, deleted]),
      sweep: (kind: SweepKind) => reports.push(['sweep', kind, 0]),
    };
    const sweep = inBatches(
      'clients',
      async () => {
        order.push('batch');
        // A request arriving while the batch runs: it must run before the next batch starts.
        setImmediate(() => order.push('request'));
        return remaining.shift() ?? 0;
      },
      3,
      observer,
    );
    assert.equal(await sweep, 7);
    assert.deepEqual(order, ['batch', 'request', 'batch', 'request', 'batch']);
    assert.deepEqual(reports, [['batch', 'clients', 3], ['batch', 'clients', 3], ['batch', 'clients', 1], ['sweep', 'clients', 0]]);
  });

  it('goes on past a short batch while the batch says there is more (a sweep through a cursor), and stops when not', async () => {
    const results = [
      { deleted: 0, more: true },
      { deleted: 2, more: true },
      { deleted: 1, more: false },
      { deleted: 3, more: true },
    ];
    const limits: number[] = [];
    const total = await inBatches(
      'clients',
      async (limit) => {
        limits.push(limit);
        return results.shift()!;
      },
      3,
    );
    assert.equal(total, 3);
    assert.deepEqual(limits, [3, 3, 3], 'three batches of at most three, the third saying it was the last');
  });

  it('counts deleted rows and times batches and sweeps in the metrics, by kind', async () => {
    const metrics = createMetrics();
    await inBatches('audit_events', async (limit) => limit - 1, 5, metrics.sweeps);
    const text = await metrics.render();
    assert.match(text, /latchkey_cleanup_deleted_total\{kind="audit_events"\} 4/);
    assert.match(text, /latchkey_cleanup_deleted_total\{kind="refresh_tokens"\} 0/, 'every kind exists before its first deletion');
    assert.match(text, /latchkey_cleanup_batch_duration_seconds_count\{kind="audit_events"\} 1/);
    assert.match(text, /latchkey_cleanup_sweep_duration_seconds_count\{kind="audit_events"\} 1/);
  });
});
