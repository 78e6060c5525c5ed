import { RateLimiterMemory, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { normalizeUsername } from '../users/users.js';
import type { RateLimitDecision } from './limiter.js';

/**
 * Brute-force protection for sign-in. Two counters of failed attempts, each a fixed window of
 * `windowSeconds` that starts at the first failure:
 *
 * - per account and client address (`<username>|<ip>`), limited to `maxFailures`: guessing one account's
 *   password is stopped, while the real user at another address can still sign in (a lock-out per account
 *   alone would let anyone lock anyone out);
 * - per client address, limited to `ipMaxFailures` (default 4 × `maxFailures`): one address trying a few
 *   passwords against many accounts (password spraying) is stopped too.
 *
 * The caller asks {@link LoginThrottle.check} before looking at the password, and does not check it at all
 * when refused, so a blocked attacker learns nothing, not even from timing.
 *
 * Checking and counting are separate steps, so attempts already past `check` when the limit is reached still
 * get their password checked: a burst of concurrent attempts can exceed `maxFailures` by the number in flight
 * (each costs the attacker one scrypt-bound request, and the per-address limit still applies afterwards).
 */
export interface LoginThrottle {
  /** Whether a sign-in attempt for `username` from `ip` may be checked now. Counts nothing. */
  check(username: string, ip: string): Promise<RateLimitDecision>;
  /** Counts a failed attempt (wrong password or unknown user) against the account+address and the address. */
  recordFailure(username: string, ip: string): Promise<void>;
  /**
   * Clears the account+address counter after a successful sign-in. The per-address counter is kept: otherwise
   * an attacker who owns one account could reset it by signing in between guesses at others.
   */
  recordSuccess(username: string, ip: string): Promise<void>;
}

export interface LoginThrottleOptions {
  /** Failed attempts allowed per account and address within the window (`login.maxFailures`). */
  maxFailures: number;
  /** The window, in seconds (`login.windowSeconds`). */
  windowSeconds: number;
  /** Failed attempts allowed per address, whatever the account; 4 × `maxFailures` unless set. */
  ipMaxFailures?: number | undefined;
}

/** The part of a rate-limiter-flexible limiter the throttle uses: the memory and the Redis limiters both have it. */
export type FailureCounter = Pick<RateLimiterAbstract, 'get' | 'penalty' | 'delete'>;

/** Makes one counter; the default keeps counts in this process. Pass one that builds `RateLimiterRedis` to share them. */
export type FailureCounterFactory = (options: { keyPrefix: string; points: number; duration: number }) => FailureCounter;

const inMemory: FailureCounterFactory = (options) => new RateLimiterMemory(options);

/** Creates a {@link LoginThrottle}; counts live in this process unless `makeCounter` says otherwise. */
export function createLoginThrottle(options: LoginThrottleOptions, makeCounter: FailureCounterFactory = inMemory): LoginThrottle {
  const accountLimit = options.maxFailures;
  const ipLimit = options.ipMaxFailures ?? 4 * options.maxFailures;
  const perAccount = makeCounter({ keyPrefix: 'login-account-ip', points: accountLimit, duration: options.windowSeconds });
  const perAddress = makeCounter({ keyPrefix: 'login-ip', points: ipLimit, duration: options.windowSeconds });

  // Usernames are compared case-insensitively, so `Alice` and `alice` must share a counter. An address never
  // contains `|`, so the last `|` separates the two parts without ambiguity.
  const accountKey = (username: string, ip: string) => `${normalizeUsername(username)}|${ip}`;

  return {
    async check(username, ip) {
      const [account, address] = await Promise.all([perAccount.get(accountKey(username, ip)), perAddress.get(ip)]);
      // A count whose window has passed (msBeforeNext ≤ 0) but which the store has not dropped yet is stale.
      const waits = [
        ...(account && account.consumedPoints >= accountLimit && account.msBeforeNext > 0 ? [account.msBeforeNext] : []),
        ...(address && address.consumedPoints >= ipLimit && address.msBeforeNext > 0 ? [address.msBeforeNext] : []),
      ];
      if (waits.length === 0) return { allowed: true };
      // The attempt may be made again only once every exhausted counter has expired.
      return { allowed: false, retryAfterSeconds: Math.ceil(Math.max(...waits) / 1000) };
    },
    async recordFailure(username, ip) {
      await Promise.all([perAccount.penalty(accountKey(username, ip)), perAddress.penalty(ip)]);
    },
    async recordSuccess(username, ip) {
      await perAccount.delete(accountKey(username, ip));
    },
  };
}
