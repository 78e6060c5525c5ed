/** The outcome of counting one request against a limit. */
export type RateLimitDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/**
 * A limit on how often one key (a client IP address) may do something: counted in-process (`memory.ts`), or in
 * Redis (`redis.ts`, built by `limiters.ts`) so that instances share the count.
 */
export interface RateLimiter {
  consume(key: string): Promise<RateLimitDecision>;
}

/** A limiter that allows everything: for a limit that is switched off. */
export const unlimited: RateLimiter = { consume: async () => ({ allowed: true }) };
