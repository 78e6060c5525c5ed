import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import pino from 'pino';
import type { Config } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { createAuditTrail, type BackgroundAuditTrail } from '../../src/observability/audit-trail.js';
import { cleanUpClients, cleanupCriteria } from '../../src/cleanup/clean-up-clients.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import type { ClientCleanupStore } from '../../src/ports/cleanup.js';
import { systemRandom } from '../../src/system.js';
import { fixedClock } from '../support/clock.js';
import { sampleClient } from '../storage/contract.js';

const hour = 3_600_000;
const day = 24 * hour;

describe('cleanUpClients', () => {
  const clock = fixedClock(Date.UTC(2026, 5, 1));
  let storage: Storage;
  let audit: BackgroundAuditTrail;
  let config: Config;

  beforeEach(async () => {
    clock.set(Date.UTC(2026, 5, 1));
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'normal', poolSize: 1 });
    await storage.migrate();
    audit = createAuditTrail({ store: storage.auditEvents, logger: pino({ level: 'silent' }), clock, random: systemRandom });
    config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'cleanup.batchSize': 2 } });
  });
  afterEach(async () => {
    await audit.close();
    await storage.close();
  });

  async function client(registeredAgo: number, lastUsedAgo: number | null = null): Promise<string> {
    const record = sampleClient({ updatedAt: clock.now() - registeredAgo });
    await storage.clients.insertClient(record);
    if (lastUsedAgo !== null) await storage.clients.touchClient(record.clientId, clock.now() - lastUsedAgo);
    return record.clientId;
  }

  let users = 0;
  async function user(): Promise<string> {
    const id = `user-${++users}`;
    await storage.users.createUser({ id, username: id, passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
    return id;
  }

  // Batches of exactly cleanup.batchSize: without the SQLite store's pacing by time, which would make the batch after
  // a slow one (a loaded machine) smaller; that pacing is tested below with a store of its own.
  const run = (progress: [number, number][] = []) => {
    const { batchTargetMs: _paced, ...unpaced } = storage.cleanup;
    return cleanUpClients({ cleanup: unpaced, config, clock, audit }, (deleted, lastBatch) => progress.push([deleted, lastBatch]));
  };

  it('derives the criteria from the clock and the configuration, allowing an hour of usage-recording slack', () => {
    const now = clock.now();
    assert.deepEqual(cleanupCriteria(config, now), {
      now,
      unusedRegisteredBefore: now - day,
      idleSince: now - 90 * day,
      accessTokensIssuedAfter: now - hour - hour,
    });
  });

  it('deletes in batches of cleanup.batchSize until a batch is short, counting each reason and reporting progress', async () => {
    const unused = [await client(2 * day), await client(3 * day), await client(4 * day)];
    const idle = [await client(200 * day, 100 * day), await client(200 * day, 91 * day)];
    const kept = [await client(23 * hour), await client(200 * day, 89 * day)];
    const progress: [number, number][] = [];
    assert.deepEqual(await run(progress), { unused: 3, idle: 2, batches: 3 });
    assert.deepEqual(progress, [
      [2, 2],
      [4, 2],
      [5, 1],
    ]);
    for (const id of [...unused, ...idle]) assert.equal(await storage.clients.findClient(id), undefined);
    for (const id of kept) assert.ok(await storage.clients.findClient(id));
  });

  it('records one client.gc_deleted event per deleted client, by the gc, with the reason', async () => {
    const unused = await client(2 * day);
    const idle = await client(200 * day, 100 * day);
    await run();
    await audit.flush();
    const events = await storage.auditEvents.listAuditEvents({ type: 'client.gc_deleted', limit: 10 });
    assert.deepEqual(
      events.map((e) => ({ clientId: e.clientId, actor: e.actor, data: e.data, at: e.at })).sort((a, b) => a.clientId!.localeCompare(b.clientId!)),
      [
        { clientId: unused, actor: 'gc', data: { reason: 'unused' }, at: clock.now() },
        { clientId: idle, actor: 'gc', data: { reason: 'idle' }, at: clock.now() },
      ].sort((a, b) => a.clientId.localeCompare(b.clientId)),
    );
  });

  it('reads past candidates that something live keeps, each once, and ends when all have been read', async () => {
    // The two oldest never-used clients are completing an authorization (an unexpired code): a whole batch of
    // candidates is kept, deleting none, and the run goes on past them instead of ending there.
    const authorizing = [await client(5 * day), await client(4 * day)];
    for (const clientId of authorizing) {
      await storage.codes.insertCode({
        codeDigest: `code-${clientId}`,
        clientId,
        userId: await user(),
        redirectUri: 'https://client.example/cb',
        codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
        scope: 'mcp',
        resource: null,
        nonce: null,
        authTime: clock.now(),
        expiresAt: clock.now() + 60_000,
      });
    }
    const unused = [await client(3 * day), await client(2 * day), await client(2 * day - 1)];
    const progress: [number, number][] = [];
    assert.deepEqual(await run(progress), { unused: 3, idle: 0, batches: 3 });
    assert.deepEqual(progress, [
      [0, 0],
      [2, 2],
      [3, 1],
    ]);
    for (const id of unused) assert.equal(await storage.clients.findClient(id), undefined);
    for (const id of authorizing) assert.ok(await storage.clients.findClient(id));
  });

  it("makes batches smaller when they take longer than the store's batchTargetMs", async () => {
    config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'cleanup.batchSize': 8 } });
    for (let n = 0; n < 12; n++) await client((3 + n) * day);
    const limits: number[] = [];
    // A store whose batches take 10 ms, five times its target.
    const slow: ClientCleanupStore = {
      ...storage.cleanup,
      batchTargetMs: 2,
      deleteUnusedClients: async (criteria, limit, cursor) => {
        limits.push(limit);
        await new Promise((resolve) => setTimeout(resolve, 10));
        return storage.cleanup.deleteUnusedClients(criteria, limit, cursor);
      },
    };
    const summary = await cleanUpClients({ cleanup: slow, config, clock, audit });
    assert.equal(summary.unused, 12);
    assert.equal(limits[0], 8);
    assert.ok(limits.slice(1).every((limit) => limit === 2), `limits ${limits.join(', ')}: a quarter of 8 after the first`);
  });

  it('runs one empty batch when there is nothing to delete, and deletes a client once the clock passes its threshold', async () => {
    const fresh = await client(23 * hour);
    const progress: [number, number][] = [];
    assert.deepEqual(await run(progress), { unused: 0, idle: 0, batches: 1 });
    assert.deepEqual(progress, [[0, 0]]);
    clock.advance(hour + 1);
    assert.deepEqual(await run(), { unused: 1, idle: 0, batches: 1 });
    assert.equal(await storage.clients.findClient(fresh), undefined);
  });

  it('keeps a client whose use was recorded within the access-token lifetime plus the slack, even when idleAfter is shorter', async () => {
    config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'cleanup.idleAfter': 3600 } });
    const recent = await client(10 * day, 2 * hour - 1);
    const older = await client(10 * day, 2 * hour + 1);
    assert.deepEqual(await run(), { unused: 0, idle: 1, batches: 1 });
    assert.ok(await storage.clients.findClient(recent));
    assert.equal(await storage.clients.findClient(older), undefined);
  });
});
