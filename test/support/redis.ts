import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

/**
 * The Redis that tests share counts through: `TEST_REDIS_URL`, or under CI (where `TEST_DATABASE_URL` is set and
 * `.ci/run` starts Redis) the local default. Unset on a laptop without either, and the tests that need it skip.
 */
export const testRedisUrl: string | undefined =
  process.env['TEST_REDIS_URL'] ?? (process.env['TEST_DATABASE_URL'] ? 'redis://127.0.0.1:6379' : undefined);

/** A key prefix no other test run uses, so that concurrent and successive runs never see each other's counts. */
export function uniqueKeyPrefix(name: string): string {
  return `latchkey-test:${name}:${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** Deletes every key under `prefix` (they would expire anyway; this keeps a shared Redis tidy). */
export async function deleteKeys(url: string, prefix: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await client.connect();
    for await (const keys of client.scanStream({ match: `${prefix}:*`, count: 100 }) as AsyncIterable<string[]>) {
      if (keys.length > 0) await client.del(...keys);
    }
  } finally {
    client.disconnect();
  }
}

/** Fails with a clear message when nothing answers at `url`: under CI a missing Redis is an error, not a skip. */
export async function assertRedisReachable(url: string): Promise<void> {
  const client = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw new Error(`Redis is not reachable at ${url} (${(error as Error).message}); start it or set TEST_REDIS_URL`);
  } finally {
    client.disconnect();
  }
}
