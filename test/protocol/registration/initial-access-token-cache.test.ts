import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { InitialAccessTokenRecord } from '../../../src/ports/initial-access-tokens.js';
import { cacheInitialAccessTokenLookups } from '../../../src/protocol/registration/initial-access-token-cache.js';
import { fixedClock } from '../../support/clock.js';

function token(id: string): InitialAccessTokenRecord {
  return { id, tokenDigest: `digest-${id}`, description: null, policy: null, maxUses: null, uses: 0, createdAt: 0, expiresAt: null, revokedAt: null };
}

/** A store over a map that counts its reads. */
function countingStore(records: InitialAccessTokenRecord[]) {
  const byDigest = new Map(records.map((record) => [record.tokenDigest, record]));
  const store = {
    reads: 0,
    async findInitialAccessToken(digest: string) {
      store.reads += 1;
      return byDigest.get(digest);
    },
    byDigest,
  };
  return store;
}

describe('cacheInitialAccessTokenLookups', () => {
  it('reads a known token once per second, then again', async () => {
    const clock = fixedClock(1_000_000);
    const store = countingStore([token('a')]);
    const cached = cacheInitialAccessTokenLookups(store, clock, { ttlMs: 1000 });
    assert.equal((await cached.findInitialAccessToken('digest-a'))?.id, 'a');
    assert.equal((await cached.findInitialAccessToken('digest-a'))?.id, 'a');
    assert.equal(store.reads, 1);
    clock.advance(999);
    await cached.findInitialAccessToken('digest-a');
    assert.equal(store.reads, 1);
    clock.advance(1);
    await cached.findInitialAccessToken('digest-a');
    assert.equal(store.reads, 2, 'an entry a second old is read again');
  });

  it('sees a change (revocation) once the entry has expired', async () => {
    const clock = fixedClock(0);
    const store = countingStore([token('a')]);
    const cached = cacheInitialAccessTokenLookups(store, clock, { ttlMs: 1000 });
    await cached.findInitialAccessToken('digest-a');
    store.byDigest.set('digest-a', { ...token('a'), revokedAt: 5 });
    clock.advance(1000);
    assert.equal((await cached.findInitialAccessToken('digest-a'))?.revokedAt, 5);
  });

  it('never caches an unknown token: one created a moment later is found at once', async () => {
    const clock = fixedClock(0);
    const store = countingStore([]);
    const cached = cacheInitialAccessTokenLookups(store, clock);
    assert.equal(await cached.findInitialAccessToken('digest-b'), undefined);
    store.byDigest.set('digest-b', token('b'));
    assert.equal((await cached.findInitialAccessToken('digest-b'))?.id, 'b');
    assert.equal(store.reads, 2);
  });

  it('keeps at most maxEntries tokens, dropping the oldest', async () => {
    const clock = fixedClock(0);
    const store = countingStore([token('a'), token('b'), token('c')]);
    const cached = cacheInitialAccessTokenLookups(store, clock, { maxEntries: 2 });
    for (const id of ['a', 'b', 'c']) await cached.findInitialAccessToken(`digest-${id}`);
    assert.equal(store.reads, 3);
    await cached.findInitialAccessToken('digest-c');
    await cached.findInitialAccessToken('digest-b');
    assert.equal(store.reads, 3, 'b and c are still cached');
    await cached.findInitialAccessToken('digest-a');
    assert.equal(store.reads, 4, 'a was dropped');
  });
});
