import { RateLimiterMemory } from "rate-limiter-flexible";
import { normalizeUsername } from "../users/users.js";
const inMemory = (options) => new RateLimiterMemory(options);
function createLoginThrottle(options, makeCounter = inMemory) {
  const accountLimit = options.maxFailures;
  const ipLimit = options.ipMaxFailures ?? 4 * options.maxFailures;
  const perAccount = makeCounter({ keyPrefix: "login-account-ip", points: accountLimit, duration: options.windowSeconds });
  const perAddress = makeCounter({ keyPrefix: "login-ip", points: ipLimit, duration: options.windowSeconds });
  const accountKey = (username, ip) => `${normalizeUsername(username)}|${ip}`;
  return {
    async check(username, ip) {
      const [account, address] = await Promise.all([perAccount.get(accountKey(username, ip)), perAddress.get(ip)]);
      const waits = [
        ...account && account.consumedPoints >= accountLimit && account.msBeforeNext > 0 ? [account.msBeforeNext] : [],
        ...address && address.consumedPoints >= ipLimit && address.msBeforeNext > 0 ? [address.msBeforeNext] : []
      ];
      if (waits.length === 0) return { allowed: true };
      return { allowed: false, retryAfterSeconds: Math.ceil(Math.max(...waits) / 1e3) };
    },
    async recordFailure(username, ip) {
      await Promise.all([perAccount.penalty(accountKey(username, ip)), perAddress.penalty(ip)]);
    },
    async recordSuccess(username, ip) {
      await perAccount.delete(accountKey(username, ip));
    }
  };
}
export {
  createLoginThrottle
};
//# sourceMappingURL=login-throttle.js.map
