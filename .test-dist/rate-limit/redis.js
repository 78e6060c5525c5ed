import { RateLimiterMemory, RateLimiterRedis } from "rate-limiter-flexible";
import { requireOptional } from "../config/optional-package.js";
const commandTimeoutMs = 500;
const connectTimeoutMs = 1e3;
const probeIntervalMs = 5e3;
function connectRedisRateLimitStore(url, prefix, logger) {
  const { Redis } = requireOptional("ioredis");
  const client = new Redis(url, {
    enableOfflineQueue: false,
    connectTimeout: connectTimeoutMs,
    commandTimeout: commandTimeoutMs,
    // A command cut off by a dropped connection is not replayed later: by then its request has been answered.
    maxRetriesPerRequest: 1,
    autoResendUnfulfilledCommands: false
  });
  const redis = hostOf(url);
  let closing = false;
  let fallingBack = false;
  const fellBack = (reason) => {
    if (fallingBack || closing) return;
    fallingBack = true;
    logger.warn({ redis, reason }, "Redis is unreachable: each instance counts rate limits on its own until it is back");
  };
  const recovered = () => {
    if (!fallingBack || closing) return;
    fallingBack = false;
    logger.info({ redis }, "Redis is reachable again: rate limits are shared across instances again");
  };
  client.on("ready", recovered);
  client.on("error", (error) => fellBack(error.message));
  client.on("close", () => fellBack("the connection was closed"));
  const probe = setInterval(() => {
    if (fallingBack && client.status === "ready") client.ping().then(recovered, () => {
    });
  }, probeIntervalMs);
  probe.unref();
  const connected = new Promise((resolve) => {
    const done = () => {
      client.off("ready", done).off("error", done).off("end", done);
      resolve();
    };
    client.on("ready", done).on("error", done).on("end", done);
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
        insuranceLimiter: new FallbackCounter(
          { keyPrefix, points: options.points, duration: options.duration },
          () => fellBack("a rate-limit command failed")
        )
      });
    },
    ready: () => connected,
    async close() {
      closing = true;
      clearInterval(probe);
      if (client.status === "ready") await client.quit().catch(() => client.disconnect());
      else client.disconnect();
    }
  };
}
class FallbackCounter extends RateLimiterMemory {
  #onUse;
  constructor(options, onUse) {
    super(options);
    this.#onUse = onUse;
  }
  consume(...args) {
    this.#onUse();
    return super.consume(...args);
  }
  penalty(...args) {
    this.#onUse();
    return super.penalty(...args);
  }
  get(...args) {
    this.#onUse();
    return super.get(...args);
  }
  delete(...args) {
    this.#onUse();
    return super.delete(...args);
  }
}
function hostOf(url) {
  try {
    return new URL(url).host;
  } catch {
    return "redis";
  }
}
export {
  connectRedisRateLimitStore
};
//# sourceMappingURL=redis.js.map
