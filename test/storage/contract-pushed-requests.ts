import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forgetExpiredPushedRequests } from '../../src/cleanup/retention.js';
import type { PushedRequestRecord } from '../../src/ports/pushed-requests.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind } from '../support/databases.js';
import { unique, withFreshStorage } from '../support/storage.js';

/** Pushed authorization requests: taken once (also under concurrency), never after expiry, swept when expired. */
export function storagePushedRequestsContract(kind: DatabaseKind): void {
  let storage: Storage;
  withFreshStorage(kind, (opened) => {
    storage = opened;
  });
  const now = 1_767_225_600_000;
  const record = (expiresAt = now + 60_000): PushedRequestRecord => ({
    digest: unique('digest'),
    clientId: unique('client'),
    params: { response_type: 'code', client_id: 'c', scope: 'mcp:tools offline_access', state: 'é & ü' },
    expiresAt,
  });

  it('takes a saved request once, with its client and parameters as saved', async () => {
    const saved = record();
    await storage.pushedRequests.save(saved);
    assert.deepEqual(await storage.pushedRequests.take(saved.digest, now + 1_000), saved);
    assert.equal(await storage.pushedRequests.take(saved.digest, now + 1_000), undefined, 'a second take finds nothing');
    assert.equal(await storage.pushedRequests.take(unique('digest'), now), undefined, 'an unknown digest finds nothing');
  });

  it('gives a request to exactly one of many concurrent takes', async () => {
    const saved = record();
    await storage.pushedRequests.save(saved);
    const taken = await Promise.all(Array.from({ length: 8 }, () => storage.pushedRequests.take(saved.digest, now)));
    assert.equal(taken.filter((found) => found !== undefined).length, 1);
  });

  it('does not give an expired request', async () => {
    const saved = record(now + 60_000);
    await storage.pushedRequests.save(saved);
    assert.equal(await storage.pushedRequests.take(saved.digest, now + 60_000), undefined, 'expired at its expiry');
  });

  it('sweeps expired requests in batches, leaving live ones', async () => {
    const live = record(now + 10 * 60_000);
    await storage.pushedRequests.save(live);
    for (let i = 0; i < 7; i++) await storage.pushedRequests.save(record(now + 1_000));
    const deleted = await forgetExpiredPushedRequests(storage.pushedRequests, now + 5_000, 3);
    assert.ok(deleted >= 7, `deleted ${deleted}`);
    assert.equal(await storage.pushedRequests.deleteExpired(now + 5_000, 10), 0);
    assert.deepEqual(await storage.pushedRequests.take(live.digest, now + 5_000), live, 'the live request is still there');
  });
}
