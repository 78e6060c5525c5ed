import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import { createUsageTracker } from '../../src/cleanup/usage-tracker.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { fixedClock } from '../support/clock.js';
import { sampleClient } from '../storage/contract.js';

const hour = 3_600_000;

describe('createUsageTracker', () => {
  const clock = fixedClock();
  let storage: Storage;
  let logged: Record<string, unknown>[];
  let logger: pino.Logger;

  beforeEach(async () => {
    clock.set(Date.UTC(2026, 5, 1));
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'normal', poolSize: 1 });
    await storage.migrate();
    logged = [];
    const sink = new Writable({
      write: (chunk, _encoding, done) => {
        logged.push(JSON.parse(String(chunk)));
        done();
      },
    });
    logger = pino({ level: 'warn' }, sink);
  });
  afterEach(() => storage.close().catch(() => {}));

  async function client(): Promise<string> {
    const record = sampleClient();
    await storage.clients.insertClient(record);
    return record.clientId;
  }
  const lastUsed = async (clientId: string) => (await storage.clients.findClient(clientId))?.lastUsedAt;

  it('writes on the first use, not again within the interval, and again once it has passed', async () => {
    const id = await client();
    const tracker = createUsageTracker(storage.clients, clock, { logger });
    const first = clock.now();
    tracker.clientUsed(id);
    await tracker.drain();
    assert.equal(await lastUsed(id), first);

    clock.advance(hour - 1);
    tracker.clientUsed(id);
    await tracker.drain();
    assert.equal(await lastUsed(id), first, 'not rewritten within the hour');

    clock.advance(1);
    tracker.clientUsed(id);
    await tracker.drain();
    assert.equal(await lastUsed(id), first + hour);
  });

  it('tracks each client on its own', async () => {
    const [a, b] = [await client(), await client()];
    const tracker = createUsageTracker(storage.clients, clock, { logger });
    tracker.clientUsed(a);
    clock.advance(60_000);
    tracker.clientUsed(b);
    tracker.clientUsed(a);
    await tracker.drain();
    assert.equal(await lastUsed(a), clock.now() - 60_000);
    assert.equal(await lastUsed(b), clock.now());
  });

  it('forgets the least recently written client beyond maxEntries, which only costs an extra write', async () => {
    const [a, b, c] = [await client(), await client(), await client()];
    const tracker = createUsageTracker(storage.clients, clock, { logger, maxEntries: 2 });
    tracker.clientUsed(a);
    tracker.clientUsed(b);
    clock.advance(1000);
    tracker.clientUsed(c);
    tracker.clientUsed(b);
    tracker.clientUsed(a);
    await tracker.drain();
    assert.equal(await lastUsed(a), clock.now(), 'a was forgotten to make room for c, so its use is written again');
    assert.equal(await lastUsed(b), clock.now() - 1000, 'b is still remembered');
  });

  it('swallows a failed write into the log, and writes again on the next use instead of waiting out the interval', async () => {
    const closed = storage;
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'normal', poolSize: 1 });
    await storage.migrate();
    const id = await client();
    await closed.close();
    // The tracker writes through whichever database is current: first a closed one, then a working one.
    let current = closed;
    const tracker = createUsageTracker({ touchClient: (clientId, now) => current.clients.touchClient(clientId, now) }, clock, { logger });
    assert.doesNotThrow(() => tracker.clientUsed(id));
    await tracker.drain();
    assert.equal(logged.length, 1);
    assert.equal(logged[0]!['msg'], 'could not record the use of a client');
    assert.equal(logged[0]!['client_id'], id);

    current = storage;
    clock.advance(1000);
    tracker.clientUsed(id);
    await tracker.drain();
    assert.equal(await lastUsed(id), clock.now());
  });

  it('refuses an interval longer than the slack cleanup allows for', () => {
    assert.throws(() => createUsageTracker(storage.clients, clock, { logger, intervalMs: 2 * hour }), RangeError);
  });
});
