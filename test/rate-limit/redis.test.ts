import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import pino from 'pino';
import type { Config } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { createRateLimiters, type RateLimiters } from '../../src/rate-limit/limiters.js';
import { createLoginThrottle } from '../../src/rate-limit/login-throttle.js';
import { deleteKeys, testRedisUrl, uniqueKeyPrefix } from '../support/redis.js';
import { startTcpProxy } from '../support/tcp-proxy.js';

/**
 * PRODUCT §1 "Scale-out": `REDIS_URL` makes rate limits shared across instances. Two limiter sets built from the
 * same configuration stand for two server instances; they share counts through Redis, and each counts on its
 * own (quickly, without an error) while Redis cannot be reached.
 */

/** Every log line a limiter set wrote, parsed. */
function captureLogs() {
  const lines: { level: number; msg: string; reason?: string }[] = [];
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as (typeof lines)[number]) });
  return { logger, lines, messages: (level: number) => lines.filter((line) => line.level === level).map((line) => line.msg) };
}
const warn = 40;
const info = 30;

function configFor(url: string, keyPrefix: string, points = 3): Config {
  return loadConfig({
    env: {},
    overrides: {
      'redis.url': url,
      'redis.keyPrefix': keyPrefix,
      'registration.rateLimit.points': points,
      'token.rateLimit.points': points,
      'authorize.rateLimit.points': points,
    },
  });
}

const opened: RateLimiters[] = [];
async function instance(config: Config, logger = pino({ level: 'silent' })): Promise<RateLimiters> {
  const limiters = createRateLimiters(config, logger);
  opened.push(limiters);
  await limiters.ready();
  return limiters;
}
after(() => Promise.all(opened.map((limiters) => limiters.close())));

const skip = testRedisUrl ? {} : { skip: 'no Redis: set TEST_REDIS_URL (or TEST_DATABASE_URL, as CI does, for redis://127.0.0.1:6379)' };

describe('rate limits shared through Redis', skip, () => {
  const url = testRedisUrl!;
  const prefix = uniqueKeyPrefix('redis-test');
  after(() => deleteKeys(url, prefix));

  it('counts registrations from two instances together: with a limit of 3, the 4th across both is refused', async () => {
    const config = configFor(url, `${prefix}:shared`);
    const [a, b] = [await instance(config), await instance(config)];
    assert.deepEqual(await a.registration.consume('192.0.2.1'), { allowed: true });
    assert.deepEqual(await b.registration.consume('192.0.2.1'), { allowed: true });
    assert.deepEqual(await a.registration.consume('192.0.2.1'), { allowed: true });

    const refused = await b.registration.consume('192.0.2.1');
    assert.equal(refused.allowed, false, 'the 4th registration, on the other instance, is refused');
    assert.ok(!refused.allowed && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60, JSON.stringify(refused));
    assert.equal((await a.registration.consume('192.0.2.1')).allowed, false, 'and on the first one too');

    assert.deepEqual(await b.registration.consume('192.0.2.2'), { allowed: true }, 'another address has its own count');
    assert.deepEqual(await a.token.consume('192.0.2.1'), { allowed: true }, 'token requests are counted apart from registrations');
  });

  it('counts token requests from two instances together', async () => {
    const config = configFor(url, `${prefix}:token`, 2);
    const [a, b] = [await instance(config), await instance(config)];
    assert.deepEqual(await a.token.consume('198.51.100.9'), { allowed: true });
    assert.deepEqual(await b.token.consume('198.51.100.9'), { allowed: true });
    assert.equal((await a.token.consume('198.51.100.9')).allowed, false);
  });

  it('counts authorization page requests from two instances together, apart from the other limits', async () => {
    const config = configFor(url, `${prefix}:authorize`, 2);
    const [a, b] = [await instance(config), await instance(config)];
    assert.deepEqual(await a.authorize.consume('198.51.100.7'), { allowed: true });
    assert.deepEqual(await b.authorize.consume('198.51.100.7'), { allowed: true });
    assert.equal((await a.authorize.consume('198.51.100.7')).allowed, false);
    assert.deepEqual(await b.token.consume('198.51.100.7'), { allowed: true }, 'token requests have their own count');
  });

  it('counts gateway requests per user and per client from two instances together, each limit apart', async () => {
    const config = loadConfig({
      env: {},
      overrides: { 'redis.url': url, 'redis.keyPrefix': `${prefix}:gateway`, 'gateway.rateLimit.userPoints': 2, 'gateway.rateLimit.clientPoints': 3 },
    });
    const [a, b] = [await instance(config), await instance(config)];
    assert.deepEqual(await a.gatewayUser.consume('user-alice'), { allowed: true });
    assert.deepEqual(await b.gatewayUser.consume('user-alice'), { allowed: true });
    assert.equal((await a.gatewayUser.consume('user-alice')).allowed, false, 'the 3rd request of the user, across both, is refused');
    assert.deepEqual(await b.gatewayUser.consume('user-bob'), { allowed: true }, 'another user has their own count');
    for (const limiters of [a, b, a]) assert.deepEqual(await limiters.gatewayClient.consume('client-1'), { allowed: true });
    assert.equal((await b.gatewayClient.consume('client-1')).allowed, false, 'the 4th request of the client, across both, is refused');
  });

  it('shares the sign-in throttle: failures on one instance lock the account+address out on the other', async () => {
    const config = configFor(url, `${prefix}:login`);
    const [a, b] = [await instance(config), await instance(config)];
    const options = { maxFailures: 3, windowSeconds: 60 };
    const [onA, onB] = [createLoginThrottle(options, a.loginCounters), createLoginThrottle(options, b.loginCounters)];

    await onA.recordFailure('alice', '192.0.2.7');
    await onB.recordFailure('Alice', '192.0.2.7');
    assert.deepEqual(await onA.check('alice', '192.0.2.7'), { allowed: true }, 'two failures are below the limit');
    await onA.recordFailure('alice', '192.0.2.7');

    const refused = await onB.check('alice', '192.0.2.7');
    assert.equal(refused.allowed, false, 'three failures across both instances lock alice out at this address on B');
    assert.equal((await onA.check('alice', '192.0.2.7')).allowed, false);
    assert.deepEqual(await onB.check('alice', '192.0.2.8'), { allowed: true }, 'another address is not locked out');

    await onB.recordSuccess('alice', '192.0.2.7');
    assert.deepEqual(await onA.check('alice', '192.0.2.7'), { allowed: true }, 'a success on B clears the count on A');
  });

  it('counts alone while Redis is away, and together again once it is back (each logged once)', { timeout: 30_000 }, async () => {
    const target = new URL(url);
    const proxy = await startTcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
    after(() => proxy.close());
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const keyPrefix = `${prefix}:outage`;
    const logs = captureLogs();
    const a = await instance(configFor(viaProxy.href, keyPrefix), logs.logger);
    const b = await instance(configFor(url, keyPrefix));

    assert.deepEqual(await a.registration.consume('203.0.113.5'), { allowed: true }, 'counted in Redis: 1');
    await proxy.cut();
    const started = performance.now();
    for (let i = 0; i < 3; i++) assert.deepEqual(await a.registration.consume('203.0.113.5'), { allowed: true }, `alone: ${i + 1}`);
    assert.equal((await a.registration.consume('203.0.113.5')).allowed, false, 'the 4th counted alone is refused');
    assert.ok(performance.now() - started < 1000, 'no request waited on the missing Redis');
    assert.deepEqual(logs.messages(warn), ['Redis is unreachable: each instance counts rate limits on its own until it is back']);

    await proxy.restore();
    const deadline = Date.now() + 10_000;
    while (logs.messages(info).length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.deepEqual(logs.messages(info), ['Redis is reachable again: rate limits are shared across instances again']);
    assert.equal(logs.messages(warn).length, 1, 'the outage was logged once, not once per request or reconnect attempt');

    // Back on Redis: A's 1 count from before the outage plus B's 2 reach the limit of 3.
    assert.deepEqual(await b.registration.consume('203.0.113.5'), { allowed: true });
    assert.deepEqual(await b.registration.consume('203.0.113.5'), { allowed: true });
    assert.equal((await a.registration.consume('203.0.113.5')).allowed, false, 'A counts in Redis again');
  });
});

describe('rate limits with an unreachable Redis', () => {
  // Nothing listens on port 1: connecting is refused at once, as for a Redis that is down.
  const deadRedis = 'redis://127.0.0.1:1';

  it('answers from the in-memory fallback, quickly, and logs a warning once', { timeout: 15_000 }, async () => {
    const logs = captureLogs();
    const startedAt = performance.now();
    const limiters = await instance(configFor(deadRedis, uniqueKeyPrefix('dead')), logs.logger);
    assert.ok(performance.now() - startedAt < 2000, 'starting does not wait long for the dead Redis');

    const started = performance.now();
    for (let i = 0; i < 3; i++) assert.deepEqual(await limiters.registration.consume('192.0.2.1'), { allowed: true });
    const refused = await limiters.registration.consume('192.0.2.1');
    assert.equal(refused.allowed, false, 'the limit still holds, counted in this process');
    assert.ok(!refused.allowed && refused.retryAfterSeconds >= 1 && refused.retryAfterSeconds <= 60);
    assert.deepEqual(await limiters.token.consume('192.0.2.1'), { allowed: true });
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 500, `five checks took ${elapsed.toFixed(0)} ms`);

    const throttle = createLoginThrottle({ maxFailures: 2, windowSeconds: 60 }, limiters.loginCounters);
    await throttle.recordFailure('bob', '192.0.2.1');
    await throttle.recordFailure('bob', '192.0.2.1');
    assert.equal((await throttle.check('bob', '192.0.2.1')).allowed, false, 'the sign-in throttle counts in memory too');

    // Several reconnect attempts fail meanwhile; the warning is still written once.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const warnings = logs.lines.filter((line) => line.level === warn);
    assert.equal(warnings.length, 1, JSON.stringify(warnings));
    assert.match(warnings[0]!.msg, /Redis is unreachable/);
    assert.match(String(warnings[0]!.reason), /ECONNREFUSED|failed/);
  });

  it('counts each instance on its own while Redis is unreachable', async () => {
    const config = configFor(deadRedis, uniqueKeyPrefix('dead-two'), 1);
    const [a, b] = [await instance(config), await instance(config)];
    assert.deepEqual(await a.registration.consume('192.0.2.9'), { allowed: true });
    assert.deepEqual(await b.registration.consume('192.0.2.9'), { allowed: true }, 'B has not seen A’s request');
    assert.equal((await a.registration.consume('192.0.2.9')).allowed, false);
  });
});

describe('rate limits without Redis', () => {
  it('counts in this process when redis.url is unset, and allows everything for a limit that is off', async () => {
    const config = loadConfig({
      env: {},
      overrides: { 'registration.rateLimit.points': 1, 'token.rateLimit.enabled': false },
    });
    const limiters = await instance(config);
    assert.deepEqual(await limiters.registration.consume('192.0.2.1'), { allowed: true });
    assert.equal((await limiters.registration.consume('192.0.2.1')).allowed, false);
    for (let i = 0; i < 5; i++) assert.deepEqual(await limiters.token.consume('192.0.2.1'), { allowed: true });
  });
});
