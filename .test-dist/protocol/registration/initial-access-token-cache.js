function cacheInitialAccessTokenLookups(store, clock, options = {}) {
  const ttlMs = options.ttlMs ?? 1e3;
  const maxEntries = options.maxEntries ?? 1e3;
  const entries = /* @__PURE__ */ new Map();
  return {
    async findInitialAccessToken(tokenDigest) {
      const now = clock.now();
      const cached = entries.get(tokenDigest);
      if (cached && cached.until > now) return cached.record;
      const record = await store.findInitialAccessToken(tokenDigest);
      entries.delete(tokenDigest);
      if (record) {
        if (entries.size >= maxEntries) entries.delete(entries.keys().next().value);
        entries.set(tokenDigest, { record, until: now + ttlMs });
      }
      return record;
    }
  };
}
export {
  cacheInitialAccessTokenLookups
};
//# sourceMappingURL=initial-access-token-cache.js.map
