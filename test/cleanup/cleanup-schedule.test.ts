import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import pino from 'pino';
import { startCleanupSchedule } from '../../src/cleanup/cleanup-schedule.js';
import type { CleanupSummary } from '../../src/cleanup/clean-up-clients.js';

function capturingLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write: (chunk, _encoding, done) => {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, sink) };
}

const nothing: CleanupSummary = { unused: 0, idle: 0, batches: 1 };

describe('startCleanupSchedule', () => {
  it('runs every interval, never two runs at once, and stop() waits for the run in progress', async () => {
    const { logger } = capturingLogger();
    let active = 0;
    let maxActive = 0;
    let runs = 0;
    let finished = 0;
    const schedule = startCleanupSchedule({
      intervalMs: 10,
      logger,
      run: async () => {
        runs++;
        maxActive = Math.max(maxActive, ++active);
        await sleep(35);
        active--;
        finished++;
        return nothing;
      },
    });
    await sleep(150);
    await schedule.stop();
    assert.ok(runs >= 2, `ran ${runs} times`);
    assert.equal(maxActive, 1, 'ticks during a run are skipped');
    assert.equal(finished, runs, 'stop() resolved only after the last run finished');
    await sleep(40);
    assert.equal(runs, finished, 'nothing runs after stop()');
  });

  it('starts the first run after firstRunAfterMs when given', async () => {
    const { logger } = capturingLogger();
    let runs = 0;
    const schedule = startCleanupSchedule({ intervalMs: 60_000, firstRunAfterMs: 5, logger, run: async () => (runs++, nothing) });
    await sleep(50);
    await schedule.stop();
    assert.equal(runs, 1);
  });

  it('logs a summary only when something was deleted, and logs a failure without stopping', async () => {
    const { lines, logger } = capturingLogger();
    const results: (CleanupSummary | Error)[] = [nothing, new Error('database is down'), { unused: 3, idle: 1, batches: 1 }];
    const schedule = startCleanupSchedule({
      intervalMs: 10,
      logger,
      run: async () => {
        const next = results.shift() ?? nothing;
        if (next instanceof Error) throw next;
        return next;
      },
    });
    while (results.length > 0) await sleep(10);
    await sleep(20);
    await schedule.stop();
    const messages = lines.map((line) => line['msg']);
    assert.deepEqual(messages, ['cleanup of unused clients failed; it runs again at the next interval', 'cleanup deleted 4 unused clients']);
    assert.equal((lines[0]!['err'] as { message: string }).message, 'database is down');
    assert.equal(lines[0]!['level'], 50);
    assert.deepEqual({ unused: lines[1]!['unused'], idle: lines[1]!['idle'], deleted: lines[1]!['deleted'] }, { unused: 3, idle: 1, deleted: 4 });
  });
});
