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

  it('makes a batch smaller after one that took longer than the target, in proportion, and grows it back up to batchSize', async () => {
    // Each batch "takes" the next of these milliseconds on the sweep's clock.
    const durations = [40, 40, 5, 5, 5, 100, 10];
    let clock = 0;
    const limits: number[] = [];
    const total = await inBatches(
      'clients',
      async (limit) => {
        limits.push(limit);
        clock += durations.shift() ?? 1;
        return { deleted: limit, more: durations.length > 0 };
      },
      100,
      undefined,
      { targetMs: 20, now: () => clock },
    );
    // 100 in 40 ms: 50; 50 in 40 ms: 25; then doubling (not 100 at once) back to 100; 100 in 100 ms: 20, raised to
    // the floor, a quarter of 100; the last batch says it was the last.
    assert.deepEqual(limits, [100, 50, 25, 50, 100, 100, 25]);
    assert.equal(total, 450);
  });

  it('keeps every batch at batchSize without a target, however long it took', async () => {
    let clock = 0;
    const limits: number[] = [];
    await inBatches(
      'clients',
      async (limit) => {
        limits.push(limit);
        clock += 500;
        return { deleted: limit, more: limits.length < 3 };
      },
      10,
      undefined,
      { now: () => clock },
    );
    assert.deepEqual(limits, [10, 10, 10]);
  });

  it('ends a sweep of plain counts at a batch shorter than its own, smaller, limit', async () => {
    let clock = 0;
    const limits: number[] = [];
    const left = [10, 10, 0];
    await inBatches(
      'audit_events',
      async (limit) => {
        limits.push(limit);
        clock += 80;
        return Math.min(limit, left.shift() ?? 0);
      },
      10,
      undefined,
      { targetMs: 20, now: () => clock },
    );
    // 10 in 80 ms: 2.5, raised to the floor (3); 3 deleted of 3 is a full batch and goes on; 0 of 3 is short: the end.
    assert.deepEqual(limits, [10, 3, 3]);
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
