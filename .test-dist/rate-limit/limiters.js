import { RateLimiterMemory } from "rate-limiter-flexible";
import { unlimited } from "./limiter.js";
import { createMemoryRateLimiter, toRateLimiter } from "./memory.js";
import { connectRedisRateLimitStore } from "./redis.js";
function createRateLimiters(config, logger) {
  const { rateLimit: registration } = config.registration;
  const { rateLimit: token } = config.token;
  const { rateLimit: authorize } = config.authorize;
  const gateway = config.gateway.rateLimit;
  const gatewayUser = { enabled: gateway.enabled, points: gateway.userPoints, durationSeconds: gateway.durationSeconds };
  const gatewayClient = { enabled: gateway.enabled, points: gateway.clientPoints, durationSeconds: gateway.durationSeconds };
  if (config.redis.url === null) {
    return {
      registration: registration.enabled ? createMemoryRateLimiter(registration) : unlimited,
      token: token.enabled ? createMemoryRateLimiter(token) : unlimited,
      authorize: authorize.enabled ? createMemoryRateLimiter(authorize) : unlimited,
      gatewayUser: gatewayUser.enabled ? createMemoryRateLimiter(gatewayUser) : unlimited,
      gatewayClient: gatewayClient.enabled ? createMemoryRateLimiter(gatewayClient) : unlimited,
      loginCounters: (options) => new RateLimiterMemory(options),
      ready: async () => {
      },
      close: async () => {
      }
    };
  }
  const store = connectRedisRateLimitStore(config.redis.url, config.redis.keyPrefix, logger);
  const shared = (keyPrefix, limit) => limit.enabled ? toRateLimiter(store.counter({ keyPrefix, points: limit.points, duration: limit.durationSeconds })) : unlimited;
  return {
    registration: shared("register", registration),
    token: shared("token", token),
    authorize: shared("authorize", authorize),
    gatewayUser: shared("gateway-user", gatewayUser),
    gatewayClient: shared("gateway-client", gatewayClient),
    loginCounters: (options) => store.counter(options),
    ready: () => store.ready(),
    close: () => store.close()
  };
}
export {
  createRateLimiters
};
//# sourceMappingURL=limiters.js.map
