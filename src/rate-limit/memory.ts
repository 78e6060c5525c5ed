import { RateLimiterMemory, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { RateLimiter } from './limiter.js';

/** A fixed-window limit of `points` per `durationSeconds` per key, counted in this process. */
export function createMemoryRateLimiter(options: { points: number; durationSeconds: number }): RateLimiter {
  return toRateLimiter(new RateLimiterMemory({ points: options.points, duration: options.durationSeconds }));
}

/**
 * A rate-limiter-flexible limiter (memory or Redis) as a {@link RateLimiter}. The library refuses by rejecting
 * with a `RateLimiterRes`; that becomes a decision, while any other rejection is a real error and propagates.
 */
export function toRateLimiter(limiter: Pick<RateLimiterAbstract, 'consume'>): RateLimiter {
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
