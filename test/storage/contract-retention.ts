import assert from 'node:assert/strict';
import { it } from 'node:test';
import { forgetExpiredValues, forgetOldAuditEvents } from '../../src/cleanup/retention.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind } from '../support/databases.js';
import { unique, withFreshStorage } from '../support/storage.js';

/**
 * What is kept only for a while: one-time values (used once until they expire, decided by the primary key under
 * concurrency, then swept) and audit events past their retention.
 */
export function storageRetentionContract(kind: DatabaseKind): void {
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

  it('deletes audit events past the retention, oldest first in batches, and keeps the rest (0 keeps all)', async () => {
    const day = 86_400_000;
    const event = (at: number) => ({ id: unique('evt'), at, type: 'token.issued' as const, clientId: null, userId: null, actor: null, ip: null, data: {} });
    const before = (await storage.auditEvents.listAuditEvents({ limit: 10_000 })).length;
    await storage.auditEvents.appendAuditEvents([event(now - 100 * day), event(now - 95 * day), event(now - 91 * day), event(now - 89 * day), event(now - day)]);
    assert.equal(await forgetOldAuditEvents(storage.auditEvents, now, 0, 2), 0, 'retention 0 keeps everything');
    assert.equal(await forgetOldAuditEvents(storage.auditEvents, now, 90, 2), 3);
    const left = await storage.auditEvents.listAuditEvents({ limit: 10_000 });
    assert.equal(left.length, before + 2);
    assert.ok(left.every((e) => e.at >= now - 90 * day));
    assert.equal(await storage.auditEvents.deleteAuditEventsBefore(now - 90 * day, 10), 0);
  });
}
