import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuditTrail } from '../../src/observability/audit-trail.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { AuditEventStore } from '../../src/ports/audit-events.js';
import type { Storage } from '../../src/ports/storage.js';
import { systemRandom } from '../../src/system.js';
import { fixedClock } from '../support/clock.js';

function recordingLogger() {
  const lines: { level: string; object: object; message: string }[] = [];
  return {
    lines,
    debug: (object: object, message: string) => void lines.push({ level: 'debug', object, message }),
    info: (object: object, message: string) => void lines.push({ level: 'info', object, message }),
    warn: (object: object, message: string) => void lines.push({ level: 'warn', object, message }),
  };
}

describe('the audit trail', () => {
  let storage: Storage;
  before(async () => {
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'full', poolSize: 1 });
    await storage.migrate();
  });
  after(() => storage.close());

  it('logs each event at once and writes it to the table in a batch, with its time and id', async () => {
    const logger = recordingLogger();
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    const trail = createAuditTrail({ store: storage.auditEvents, logger, clock, random: systemRandom, flushDelayMs: 10_000 });
    trail.record({ type: 'client.registered', clientId: 'c1', ip: '192.0.2.1', data: { source: 'dynamic' } });
    trail.record({ type: 'iat.used', clientId: 'c1', data: { iat_id: 'i1' } });
    assert.equal(logger.lines.length, 2, 'logged before any write');
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c1', limit: 10 })).length, 0, 'not written before the delay');
    await trail.flush();
    const events = await storage.auditEvents.listAuditEvents({ clientId: 'c1', limit: 10 });
    assert.deepEqual(events.map((e) => e.type).sort(), ['client.registered', 'iat.used']);
    const registered = events.find((e) => e.type === 'client.registered')!;
    assert.equal(registered.at, Date.UTC(2026, 5, 1));
    assert.equal(registered.ip, '192.0.2.1');
    assert.deepEqual(registered.data, { source: 'dynamic' });
    assert.match(registered.id, /^[0-9a-f-]{36}$/);
    await trail.close();
  });

  it('logs the events of busy endpoints (registrations, tokens, tool calls) at debug, their request having its line at info, and writes them like any other', async () => {
    const logger = recordingLogger();
    const trail = createAuditTrail({ store: storage.auditEvents, logger, clock: fixedClock(Date.UTC(2026, 5, 2)), random: systemRandom, flushDelayMs: 10_000 });
    trail.record({ type: 'gateway.tool_called', clientId: 'c-tool', userId: 'u1', data: { tool: 'echo', outcome: 'ok' } });
    trail.record({ type: 'token.issued', clientId: 'c-tool', userId: 'u1', data: { grant_type: 'refresh_token' } });
    trail.record({ type: 'client.registered', clientId: 'c-tool', data: { source: 'dynamic' } });
    trail.record({ type: 'client.deleted', clientId: 'c-tool', actor: 'cli' });
    assert.deepEqual(logger.lines.map((line) => line.level), ['debug', 'debug', 'debug', 'info']);
    await trail.flush();
    const events = await storage.auditEvents.listAuditEvents({ clientId: 'c-tool', limit: 10 });
    assert.deepEqual(events.map((e) => e.type).sort(), ['client.deleted', 'client.registered', 'gateway.tool_called', 'token.issued']);
    await trail.close();
  });

  it('writes in bounded batches, and a flush writes them all', async () => {
    const sizes: number[] = [];
    const counting: AuditEventStore = {
      ...storage.auditEvents,
      appendAuditEvents: async (events) => {
        sizes.push(events.length);
        await storage.auditEvents.appendAuditEvents(events);
      },
    };
    const trail = createAuditTrail({ store: counting, logger: recordingLogger(), clock: fixedClock(), random: systemRandom, maxBatch: 2 });
    for (let i = 0; i < 5; i++) trail.record({ type: 'token.issued', clientId: 'c5' });
    await trail.flush();
    assert.deepEqual(sizes, [2, 2, 1]);
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c5', limit: 10 })).length, 5);
    await trail.close();
  });

  it('sizes its writes by time: smaller in proportion after a slow one, back up after fast ones', async () => {
    const sizes: number[] = [];
    let now = 0;
    // Each event takes 0.1 ms to write, more while the database is slow.
    let perEvent = 0.1;
    const timed: AuditEventStore = {
      ...storage.auditEvents,
      appendAuditEvents: async (events) => {
        sizes.push(events.length);
        now += events.length * perEvent;
      },
    };
    const trail = createAuditTrail({ store: timed, logger: recordingLogger(), clock: fixedClock(), random: systemRandom, maxBatch: 4000, batchTargetMs: 25, elapsed: () => now });
    const record = (count: number) => {
      for (let i = 0; i < count; i++) trail.record({ type: 'client.deleted', clientId: `c${i}` });
    };
    record(1000);
    await trail.flush();
    // 1,000 events took 100 ms: the next writes hold 250 (25 ms each).
    record(1000);
    await trail.flush();
    assert.deepEqual(sizes, [1000, 250, 250, 250, 250]);
    // Fast again: each full write under half the target doubles the size, up to maxBatch.
    perEvent = 0.01;
    sizes.length = 0;
    record(4000);
    await trail.flush();
    assert.deepEqual(sizes, [250, 500, 1000, 2000, 250]);
    // Never below 100 a write, however slow.
    perEvent = 10;
    sizes.length = 0;
    record(400);
    await trail.flush();
    record(300);
    await trail.flush();
    assert.deepEqual(sizes, [400, 100, 100, 100], 'the first write shows it slow (4 s), the next hold 100');
    await trail.close();
  });

  it('writes by itself after the delay', async () => {
    const trail = createAuditTrail({ store: storage.auditEvents, logger: recordingLogger(), clock: fixedClock(), random: systemRandom, flushDelayMs: 20 });
    trail.record({ type: 'consent.granted', clientId: 'c2', userId: 'u1' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c2', limit: 10 })).length, 1);
    await trail.close();
  });

  it('writes as soon as enough events wait, without waiting for the delay, and keeps backing off while writes fail', async () => {
    let failing = false;
    const writes: number[] = [];
    const counting: AuditEventStore = {
      ...storage.auditEvents,
      appendAuditEvents: async (events) => {
        writes.push(events.length);
        if (failing) throw new Error('database is down');
        await storage.auditEvents.appendAuditEvents(events);
      },
    };
    const logger = recordingLogger();
    const trail = createAuditTrail({ store: counting, logger, clock: fixedClock(), random: systemRandom, flushDelayMs: 10_000, writeAt: 3 });
    const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
    trail.record({ type: 'token.issued', clientId: 'c-soon' });
    trail.record({ type: 'token.issued', clientId: 'c-soon' });
    await settle();
    assert.deepEqual(writes, [], 'two events wait for the delay');
    trail.record({ type: 'token.issued', clientId: 'c-soon' });
    await settle();
    assert.deepEqual(writes, [3], 'the third starts a write');
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c-soon', limit: 10 })).length, 3);

    // A failed write: the events stay, and further events wait for the retry's delay instead of a write each.
    failing = true;
    for (let i = 0; i < 3; i++) trail.record({ type: 'token.issued', clientId: 'c-soon' });
    await settle();
    assert.deepEqual(writes, [3, 3], 'one failed write');
    for (let i = 0; i < 6; i++) trail.record({ type: 'token.issued', clientId: 'c-soon' });
    await settle();
    assert.deepEqual(writes, [3, 3], 'no write while the database fails, however many events wait');
    failing = false;
    await trail.flush();
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c-soon', limit: 20 })).length, 12, 'nothing lost');
    await trail.close();
  });

  it('keeps one retry every 8 delays through an outage that starts under load, whatever the writes in flight', async () => {
    let down = false;
    let attempts = 0;
    // A database that takes 20 ms to fail: events keep coming while each failing write runs.
    const slow: AuditEventStore = {
      ...storage.auditEvents,
      appendAuditEvents: async (events) => {
        attempts++;
        await new Promise((resolve) => setTimeout(resolve, 20));
        if (down) throw new Error('database is down');
        await storage.auditEvents.appendAuditEvents(events);
      },
    };
    const trail = createAuditTrail({ store: slow, logger: recordingLogger(), clock: fixedClock(), random: systemRandom, flushDelayMs: 25, writeAt: 5 });
    const recordFor = async (ms: number) => {
      const end = Date.now() + ms;
      let n = 0;
      while (Date.now() < end) {
        trail.record({ type: 'token.issued', clientId: 'c-outage' });
        n++;
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      return n;
    };
    let recorded = await recordFor(100);
    down = true;
    attempts = 0;
    recorded += await recordFor(1000);
    // A retry every 200 ms (8 × 25) after each failure, which takes 20: 4 in a second. Without the guard, a write
    // queued before the failure, and the retry timer it lost, ran a chain of retries of their own (9).
    assert.ok(attempts >= 3 && attempts <= 6, `write attempts during the outage: ${attempts}`);
    down = false;
    await trail.close();
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c-outage', limit: 5000 })).length, recorded, 'nothing lost');
  });

  it('keeps events when a write fails, warns, and writes them on the next attempt', async () => {
    let failures = 1;
    const flaky: AuditEventStore = {
      ...storage.auditEvents,
      appendAuditEvents: async (events) => {
        if (failures-- > 0) throw new Error('database is down');
        await storage.auditEvents.appendAuditEvents(events);
      },
    };
    const logger = recordingLogger();
    const trail = createAuditTrail({ store: flaky, logger, clock: fixedClock(), random: systemRandom, flushDelayMs: 10_000 });
    trail.record({ type: 'token.revoked', clientId: 'c3' });
    await trail.flush();
    assert.ok(logger.lines.some((line) => line.level === 'warn' && /could not be written/.test(line.message)));
    assert.equal((await storage.auditEvents.listAuditEvents({ clientId: 'c3', limit: 10 })).length, 0);
    trail.record({ type: 'grant.revoked', clientId: 'c3' });
    await trail.flush();
    assert.deepEqual((await storage.auditEvents.listAuditEvents({ clientId: 'c3', limit: 10 })).map((e) => e.type).sort(), ['grant.revoked', 'token.revoked']);
    await trail.close();
  });

  it('pages the newest events first, by type and before a time', async () => {
    const clock = fixedClock(Date.UTC(2026, 6, 1));
    const trail = createAuditTrail({ store: storage.auditEvents, logger: recordingLogger(), clock, random: systemRandom });
    for (let i = 0; i < 5; i++) {
      trail.record({ type: 'token.issued', clientId: 'c4', data: { n: i } });
      clock.advance(1000);
    }
    await trail.close();
    const firstPage = await storage.auditEvents.listAuditEvents({ clientId: 'c4', type: 'token.issued', limit: 2 });
    assert.deepEqual(firstPage.map((e) => e.data['n']), [4, 3]);
    const next = await storage.auditEvents.listAuditEvents({ clientId: 'c4', type: 'token.issued', before: firstPage[1]!.at, limit: 10 });
    assert.deepEqual(next.map((e) => e.data['n']), [2, 1, 0]);
  });
});
