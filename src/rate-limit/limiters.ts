import { RateLimiterMemory } from 'rate-limiter-flexible';
import type { Config } from '../config/defaults.js';
import { unlimited, type RateLimiter } from './limiter.js';
import type { FailureCounterFactory } from './login-throttle.js';
import { createMemoryRateLimiter, toRateLimiter } from './memory.js';
import { connectRedisRateLimitStore, type RateLimitLogger } from './redis.js';

/** Every rate limit of one server instance, and the connection they share (if any). */
export interface RateLimiters {
  /** Registrations per client address (`registration.rateLimit`). */
  registration: RateLimiter;
  /** Token requests per client address (`token.rateLimit`). */
  token: RateLimiter;
  /** Authorization page requests per client address (`authorize.rateLimit`). */
  authorize: RateLimiter;
  /** Gateway requests per user (`gateway.rateLimit.userPoints`). */
  gatewayUser: RateLimiter;
  /** Gateway requests per client (`gateway.rateLimit.clientPoints`). */
  gatewayClient: RateLimiter;
  /** The counters of the sign-in throttle: pass to `createLoginThrottle`. */
  loginCounters: FailureCounterFactory;
  /**
   * Resolves once the shared store is connected or known to be unreachable, so that the first requests are
   * already counted together. Never rejects: an unreachable Redis only means counting alone.
   */
  ready(): Promise<void>;
  /** Closes the connection to Redis, if there is one. */
  close(): Promise<void>;
}

/**
 * The rate limiters that `config` asks for: counted in this process, or, with `redis.url`, in Redis under
 * `<redis.keyPrefix>:register`, `:token`, `:authorize`, `:gateway-user`, `:gateway-client`, `:login-account-ip` and `:login-ip`, so that all instances behind one
 * load balancer share each limit (PRODUCT §1, "Scale-out"). A limit that is switched off allows everything.
 */
export function createRateLimiters(config: Config, logger: RateLimitLogger): RateLimiters {
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
      ready: async () => {},
      close: async () => {},
    };
  }

  const store = connectRedisRateLimitStore(config.redis.url, config.redis.keyPrefix, logger);
  const shared = (keyPrefix: string, limit: { enabled: boolean; points: number; durationSeconds: number }) =>
    limit.enabled ? toRateLimiter(store.counter({ keyPrefix, points: limit.points, duration: limit.durationSeconds })) : unlimited;
  return {
    registration: shared('register', registration),
    token: shared('token', token),
    authorize: shared('authorize', authorize),
    gatewayUser: shared('gateway-user', gatewayUser),
    gatewayClient: shared('gateway-client', gatewayClient),
    loginCounters: (options) => store.counter(options),
    ready: () => store.ready(),
    close: () => store.close(),
  };
}
