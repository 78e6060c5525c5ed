import type * as IORedis from 'ioredis';
import type { BaseLogger } from 'pino';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { requireOptional } from '../config/optional-package.js';

/**
 * How long one rate-limit command may wait on Redis. A check runs before every registration and token request,
 * so a Redis that has stopped answering (but whose connection looks open) must not hold requests for longer.
 */
const commandTimeoutMs = 500;
/** How long connecting may take before Redis counts as unreachable and the in-process counts answer. */
const connectTimeoutMs = 1000;
/** While counting on its own over a connection that looks open, how often to ask Redis whether it answers again. */
const probeIntervalMs = 5000;

/** Where the store says that it falls back and recovers: the server's pino logger (or Fastify's). */
export type RateLimitLogger = Pick<BaseLogger, 'info' | 'warn'>;

/** Counters shared through one Redis connection. */
export interface RedisRateLimitStore {
  /**
   * A fixed window of `points` per `duration` seconds, kept in Redis under `<prefix>:<keyPrefix>:<key>` so that
   * every instance with the same prefix counts together. While Redis cannot be reached, an in-process counter of
   * the same limit answers instead: each instance then allows the limit on its own, which is better than
   * refusing everyone or letting everyone through.
   */
  counter(options: { keyPrefix: string; points: number; duration: number }): RateLimiterRedis;
  /** Resolves once connected, or once the first connection attempt has failed (it never rejects). */
  ready(): Promise<void>;
  /** Closes the connection; counters then answer from this process alone. */
  close(): Promise<void>;
}

/**
 * Connects to the Redis at `url` for shared rate limits. Nothing here ever makes a request wait long on a dead
 * Redis: commands are not queued while disconnected (`enableOfflineQueue: false`), connecting and each command
 * time out quickly, and a failed command falls back to the in-process count. Going to the fallback and coming
 * back are each logged once, not once per request.
 */
export function connectRedisRateLimitStore(url: string, prefix: string, logger: RateLimitLogger): RedisRateLimitStore {
  // ioredis is an optional peer dependency, loaded only when redis.url is set (a missing one is a one-line
  // error). It is CommonJS, so require() loads it here at once; this factory is synchronous.
  const { Redis } = requireOptional<typeof IORedis>('ioredis');
  const client = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    // A command cut off by a dropped connection is not replayed later: by then its request has been answered.
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false,
  });
  // Only the address: the URL may carry a password.
  const redis = hostOf(url);
  let closing = false;
  let fallingBack = false;

  const fellBack = (reason: string) => {
    if (fallingBack || closing) return;
    fallingBack = true;
    logger.warn({ redis, reason }, 'Redis is unreachable: each instance counts rate limits on its own until it is back');
  };
  const recovered = () => {
    if (!fallingBack || closing) return;
    fallingBack = false;
    logger.info({ redis }, 'Redis is reachable again: rate limits are shared across instances again');
  };
  client.on('ready', recovered);
  // ioredis reconnects on its own; without an 'error' listener it would also print every failed attempt.
  client.on('error', (error: Error) => fellBack(error.message));
  client.on('close', () => fellBack('the connection was closed'));

  // A command that timed out on a connection that still looks open produces no 'ready' event when Redis
  // answers again, so while counting alone over such a connection, ask.
  const probe = setInterval(() => {
    if (fallingBack && client.status === 'ready') client.ping().then(recovered, () => {});
  }, probeIntervalMs);
  probe.unref();

  const connected = new Promise<void>((resolve) => {
    const done = () => {
      client.off('ready', done).off('error', done).off('end', done);
      resolve();
    };
    client.on('ready', done).on('error', done).on('end', done);
  });

  return {
    counter(options) {
      const keyPrefix = `${prefix}:${options.keyPrefix}`;
      return new RateLimiterRedis({
        storeClient: client,
        keyPrefix,
        points: options.points,
        duration: options.duration,
        // Not even tried while disconnected: the fallback answers at once.
        rejectIfRedisNotReady: true,
        insuranceLimiter: new FallbackCounter({ keyPrefix, points: options.points, duration: options.duration }, () =>
          fellBack('a rate-limit command failed'),
        ),
      });
    },
    ready: () => connected,
    async close() {
      closing = true;
      clearInterval(probe);
      if (client.status === 'ready') await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    },
  };
}

/** The in-process counter used while Redis is away; it reports each use so that the fallback is logged. */
class FallbackCounter extends RateLimiterMemory {
  readonly #onUse: () => void;

  constructor(options: { keyPrefix: string; points: number; duration: number }, onUse: () => void) {
    super(options);
    this.#onUse = onUse;
  }

  override consume(...args: Parameters<RateLimiterMemory['consume']>) {
    this.#onUse();
    return super.consume(...args);
  }

  override penalty(...args: Parameters<RateLimiterMemory['penalty']>) {
    this.#onUse();
    return super.penalty(...args);
  }

  override get(...args: Parameters<RateLimiterMemory['get']>) {
    this.#onUse();
    return super.get(...args);
  }

  override delete(...args: Parameters<RateLimiterMemory['delete']>) {
    this.#onUse();
    return super.delete(...args);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'redis';
  }
}
