const clientCacheMs = 2e3;
const maxEntries = 1e4;
function cacheClientLookups(clients, clock) {
  const cache = /* @__PURE__ */ new Map();
  let generation = 0;
  const forget = (clientId) => {
    generation++;
    cache.delete(clientId);
  };
  const changing = async (clientId, change) => {
    forget(clientId);
    try {
      return await change();
    } finally {
      forget(clientId);
    }
  };
  return {
    ...clients,
    forget,
    async findClient(clientId) {
      const now = clock.now();
      const hit = cache.get(clientId);
      if (hit && hit.expiresAt > now) {
        cache.delete(clientId);
        cache.set(clientId, hit);
        return hit.record;
      }
      const started = generation;
      const record = await clients.findClient(clientId);
      if (!record || record.registrationSource === "cimd") {
        cache.delete(clientId);
        return record;
      }
      if (started === generation) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value);
        cache.set(clientId, { record: Object.freeze(record), expiresAt: now + clientCacheMs });
      }
      return record;
    },
    insertClient: (record, initialAccessToken) => changing(record.clientId, () => clients.insertClient(record, initialAccessToken)),
    updateClient: (record, expectedTokenDigest) => changing(record.clientId, () => clients.updateClient(record, expectedTokenDigest)),
    deleteClient: (clientId) => changing(clientId, () => clients.deleteClient(clientId)),
    // The last use is written at most hourly per client; the copy held here would show the previous one.
    touchClient: (clientId, now) => changing(clientId, () => clients.touchClient(clientId, now)),
    saveMetadataDocumentClient: (record) => changing(record.clientId, () => clients.saveMetadataDocumentClient(record))
  };
}
export {
  cacheClientLookups,
  clientCacheMs
};
//# sourceMappingURL=client-cache.js.map
