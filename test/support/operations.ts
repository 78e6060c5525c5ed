import { after, before } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { createAuditTrail } from '../../src/observability/audit-trail.js';
import type { RandomSource } from '../../src/ports/clock.js';
import { OperationError, type OperationErrorCode } from '../../src/operations/operation-error.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { AuditEvent, AuditEventType } from '../../src/ports/audit-events.js';
import type { Storage } from '../../src/ports/storage.js';
import { fixedClock } from './clock.js';
import assert from 'node:assert/strict';

/**
 * What the operation tests share: a migrated in-memory SQLite database, the real audit trail writing into it, a
 * fixed clock and a counting random source, so that ids, times and the events recorded are exact.
 */
export function operationFixture(overrides: Record<string, unknown> = {}) {
  const clock = fixedClock();
  let n = 0;
  const random: RandomSource = {
    token: (bytes) => `t${++n}`.padEnd(Math.ceil((bytes * 4) / 3), 'x'),
    uuid: () => `00000000-0000-4000-8000-${String(++n).padStart(12, '0')}`,
    timeOrderedUuid: () => `00000000-0000-7000-8000-${String(++n).padStart(12, '0')}`,
  };
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', ...overrides } });
  const fixture = {
    clock,
    random,
    config,
    storage: undefined as unknown as Storage,
    audit: undefined as unknown as ReturnType<typeof createAuditTrail>,
    /** Every event of `type` written so far, oldest first (the trail is flushed to the database first). */
    async recorded(type: AuditEventType): Promise<AuditEvent[]> {
      await fixture.audit.flush();
      return (await fixture.storage.auditEvents.listAuditEvents({ type, limit: 100 })).reverse();
    },
  };
  before(async () => {
    fixture.storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'full', poolSize: 1 });
    await fixture.storage.migrate();
    const silent = { debug: () => {}, info: () => {}, warn: () => {} };
    fixture.audit = createAuditTrail({ store: fixture.storage.auditEvents, logger: silent, clock, random, flushDelayMs: 60_000 });
  });
  after(async () => {
    await fixture.audit.close();
    await fixture.storage.close();
  });
  return fixture;
}

/** The {@link OperationError} `promise` is refused with, checked to have `code`. */
export async function refusal(promise: Promise<unknown>, code: OperationErrorCode): Promise<OperationError> {
  const error = await promise.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
  assert.ok(error instanceof OperationError, String(error));
  assert.equal(error.code, code, error.message);
  return error;
}

/** An administrator signed in to the dashboard, as the dashboard passes them. */
export const admin = { kind: 'admin', username: 'root', ip: '192.0.2.1' } as const;
