import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forgetExpiredValues } from '../../src/cleanup/forget-used-values.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind } from '../support/databases.js';
import { unique, withFreshStorage } from '../support/storage.js';

/** One-time values: used once until they expire, decided by the primary key under concurrency, then swept. */
export function storageReplaysContract(kind: DatabaseKind): void {
  let storage: Storage;
  withFreshStorage(kind, (opened) => {
    storage = opened;
  });
  const now = 1_767_225_600_000;

  it('accepts a value once, and refuses it again while it lives', async () => {
    const key = unique('dpop:jkt:jti');
    assert.equal(await storage.replays.useOnce(key, now + 60_000, now), true);
    assert.equal(await storage.replays.useOnce(key, now + 60_000, now + 1_000), false);
    assert.equal(await storage.replays.useOnce(key, now + 120_000, now + 59_999), false, 'not extended by a refused use');
    assert.equal(await storage.replays.useOnce(unique('dpop:jkt:jti'), now + 60_000, now), true, 'another value is another key');
  });

  it('lets exactly one of many concurrent uses of one value through', async () => {
    const key = unique('assertion:client:jti');
    const results = await Promise.all(Array.from({ length: 8 }, () => storage.replays.useOnce(key, now + 60_000, now)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  it('accepts a value again once it has expired (its JWT is refused for its exp by then anyway)', async () => {
    const key = unique('idjag:issuer:jti');
    assert.equal(await storage.replays.useOnce(key, now + 1_000, now), true);
    assert.equal(await storage.replays.useOnce(key, now + 61_000, now + 1_000), true);
    assert.equal(await storage.replays.useOnce(key, now + 61_000, now + 2_000), false, 'and it lives again until its new expiry');
  });

  it('sweeps expired values in batches, leaving live ones', async () => {
    const live = unique('live');
    await storage.replays.useOnce(live, now + 10 * 60_000, now);
    for (let i = 0; i < 7; i++) await storage.replays.useOnce(unique('old'), now + 1_000, now);
    const deleted = await forgetExpiredValues(storage.replays, now + 5_000, 3);
    assert.ok(deleted >= 7, `deleted ${deleted}`);
    assert.equal(await storage.replays.deleteExpired(now + 5_000, 10), 0);
    assert.equal(await storage.replays.useOnce(live, now + 10 * 60_000, now + 5_000), false, 'the live value is still there');
  });
}
