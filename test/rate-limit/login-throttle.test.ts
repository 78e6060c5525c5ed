import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { RateLimiterMemory } from 'rate-limiter-flexible';
import { createLoginThrottle, type FailureCounterFactory, type LoginThrottle } from '../../src/rate-limit/login-throttle.js';

async function fail(throttle: LoginThrottle, times: number, username: string, ip: string): Promise<void> {
  for (let i = 0; i < times; i++) await throttle.recordFailure(username, ip);
}

describe('createLoginThrottle', () => {
  // The in-memory counters read Date.now() and expire keys with setTimeout: both are mocked, so windows are exact.
  beforeEach(() => mock.timers.enable({ apis: ['Date', 'setTimeout'], now: Date.UTC(2026, 0, 1) }));
  afterEach(() => mock.timers.reset());

  it('allows a first attempt', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: true });
  });

  it('allows attempts while an account and address have fewer than maxFailures failures', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    await fail(throttle, 2, 'alice', '192.0.2.1');
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: true });
  });

  it('refuses an account and address after maxFailures failures, until the window ends', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    await fail(throttle, 3, 'alice', '192.0.2.1');
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: false, retryAfterSeconds: 60 });
    mock.timers.tick(45_000);
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: false, retryAfterSeconds: 15 });
    mock.timers.tick(15_000);
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: true });
  });

  it('counts nothing when checking, so repeated checks never block', async () => {
    const throttle = createLoginThrottle({ maxFailures: 2, windowSeconds: 60 });
    for (let i = 0; i < 10; i++) assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: true });
  });

  it('still lets the same account sign in from another address (no lock-out of the real user)', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    await fail(throttle, 3, 'alice', '192.0.2.1');
    assert.deepEqual(await throttle.check('alice', '198.51.100.7'), { allowed: true });
  });

  it('still lets another account sign in from the same address below the per-address limit', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    await fail(throttle, 3, 'alice', '192.0.2.1');
    assert.deepEqual(await throttle.check('bob', '192.0.2.1'), { allowed: true });
  });

  it('counts a username in any case as one account', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    await throttle.recordFailure('alice', '192.0.2.1');
    await throttle.recordFailure('Alice', '192.0.2.1');
    await throttle.recordFailure('ALICE', '192.0.2.1');
    assert.equal((await throttle.check('aLiCe', '192.0.2.1')).allowed, false);
  });

  it('refuses every account from an address after 4 × maxFailures failures (password spraying)', async () => {
    const throttle = createLoginThrottle({ maxFailures: 2, windowSeconds: 60 });
    for (let i = 0; i < 8; i++) await throttle.recordFailure(`user${i}`, '192.0.2.1');
    assert.deepEqual(await throttle.check('someone-new', '192.0.2.1'), { allowed: false, retryAfterSeconds: 60 });
    assert.deepEqual(await throttle.check('someone-new', '192.0.2.2'), { allowed: true });
  });

  it('allows one failure fewer than 4 × maxFailures from an address', async () => {
    const throttle = createLoginThrottle({ maxFailures: 2, windowSeconds: 60 });
    for (let i = 0; i < 7; i++) await throttle.recordFailure(`user${i}`, '192.0.2.1');
    assert.deepEqual(await throttle.check('someone-new', '192.0.2.1'), { allowed: true });
  });

  it('takes the per-address limit from ipMaxFailures when given', async () => {
    const throttle = createLoginThrottle({ maxFailures: 5, windowSeconds: 60, ipMaxFailures: 2 });
    await throttle.recordFailure('a', '192.0.2.1');
    await throttle.recordFailure('b', '192.0.2.1');
    assert.equal((await throttle.check('c', '192.0.2.1')).allowed, false);
  });

  it('clears the account and address counter on success', async () => {
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 60 });
    await fail(throttle, 2, 'alice', '192.0.2.1');
    await throttle.recordSuccess('alice', '192.0.2.1');
    await fail(throttle, 2, 'alice', '192.0.2.1');
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: true });
  });

  it('keeps the per-address counter on success, so signing in to one account does not reset spraying', async () => {
    const throttle = createLoginThrottle({ maxFailures: 2, windowSeconds: 60 });
    for (let i = 0; i < 8; i++) await throttle.recordFailure(`user${i}`, '192.0.2.1');
    await throttle.recordSuccess('mallory', '192.0.2.1');
    assert.equal((await throttle.check('user9', '192.0.2.1')).allowed, false);
  });

  it('reports the longer wait when both limits are exhausted', async () => {
    const throttle = createLoginThrottle({ maxFailures: 1, windowSeconds: 60, ipMaxFailures: 2 });
    await throttle.recordFailure('other', '192.0.2.1');
    mock.timers.tick(30_000);
    await throttle.recordFailure('alice', '192.0.2.1');
    // The address window started 30 s ago (30 s left), alice's just now (60 s left).
    assert.deepEqual(await throttle.check('alice', '192.0.2.1'), { allowed: false, retryAfterSeconds: 60 });
    assert.deepEqual(await throttle.check('bob', '192.0.2.1'), { allowed: false, retryAfterSeconds: 30 });
  });

  it('builds its two counters through the given factory, with distinct key prefixes (for a shared Redis)', async () => {
    const made: { keyPrefix: string; points: number; duration: number }[] = [];
    const factory: FailureCounterFactory = (options) => {
      made.push(options);
      return new RateLimiterMemory(options);
    };
    const throttle = createLoginThrottle({ maxFailures: 3, windowSeconds: 120 }, factory);
    assert.deepEqual(made, [
      { keyPrefix: 'login-account-ip', points: 3, duration: 120 },
      { keyPrefix: 'login-ip', points: 12, duration: 120 },
    ]);
    await fail(throttle, 3, 'alice', '192.0.2.1');
    assert.equal((await throttle.check('alice', '192.0.2.1')).allowed, false);
  });
});
