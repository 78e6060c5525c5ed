import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimiter } from './limiter.js';

/** A fixed-window limit of `points` per `durationSeconds` per key, counted in this process. */
export function createMemoryRateLimiter(options: { points: number; durationSeconds: number }): RateLimiter {
  const limiter = new RateLimiterMemory({ points: options.points, duration: options.durationSeconds });
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)) };
        }
        throw rejection;
      }
    },
  };
}
