import { RateLimiterMemory, RateLimiterRes } from "rate-limiter-flexible";
function createMemoryRateLimiter(options) {
  return toRateLimiter(new RateLimiterMemory({ points: options.points, duration: options.durationSeconds }));
}
function toRateLimiter(limiter) {
  return {
    async consume(key) {
      try {
        await limiter.consume(key);
        return { allowed: true };
      } catch (rejection) {
        if (rejection instanceof RateLimiterRes) {
          return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1e3)) };
        }
        throw rejection;
      }
    }
  };
}
export {
  createMemoryRateLimiter,
  toRateLimiter
};
//# sourceMappingURL=memory.js.map
