import type { Clock } from '../../ports/clock.js';
import type { InitialAccessTokenRecord, InitialAccessTokenStore } from '../../ports/initial-access-tokens.js';

export interface InitialAccessTokenCacheOptions {
  /** How long a token read from the database is reused, in milliseconds. */
  ttlMs?: number;
  /** Tokens kept at most; the oldest entry goes first beyond it. */
  maxEntries?: number;
}

/**
 * Token lookups for the registration endpoint's early check, cached for a second. Protected registration
 * presents the same few tokens again and again (an operator hands one to a fleet of agents); reading the row
 * for every request cost a tenth of the throughput.
 *
 * A stale entry cannot let a registration through that should be refused: the check before validation only
 * saves work, and the use itself is counted by a conditional `UPDATE` in the client's own commit (see
 * `ClientStore.insertClient`), which refuses a token revoked, expired or used up a moment ago. At worst such a
 * request is refused after validation rather than before. Unknown tokens are not cached, so one that is
 * created is usable at once.
 */
export function cacheInitialAccessTokenLookups(
  store: Pick<InitialAccessTokenStore, 'findInitialAccessToken'>,
  clock: Clock,
  options: InitialAccessTokenCacheOptions = {},
): Pick<InitialAccessTokenStore, 'findInitialAccessToken'> {
  const ttlMs = options.ttlMs ?? 1000;
  const maxEntries = options.maxEntries ?? 1000;
  const entries = new Map<string, { record: InitialAccessTokenRecord; until: number }>();
  return {
    async findInitialAccessToken(tokenDigest) {
      const now = clock.now();
      const cached = entries.get(tokenDigest);
      if (cached && cached.until > now) return cached.record;
      const record = await store.findInitialAccessToken(tokenDigest);
      entries.delete(tokenDigest);
      if (record) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
        entries.set(tokenDigest, { record, until: now + ttlMs });
      }
      return record;
    },
  };
}
