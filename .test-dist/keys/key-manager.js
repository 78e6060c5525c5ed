import { errors, importJWK } from "jose";
import { currentKeyOf, generateSigningKey, isUnexpired, publicJwk } from "./jwks.js";
const unknownKidReloadMs = 1e3;
function createKeyManager({ store, clock, config }) {
  const refreshMs = config.refreshSeconds * 1e3;
  let snapshot;
  let refreshing;
  let loadsStarted = 0;
  let newestApplied = 0;
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  const privateKeys = /* @__PURE__ */ new Map();
  const publicKeys = /* @__PURE__ */ new Map();
  async function reload() {
    const sequence = ++loadsStarted;
    const loadedAt = clock.now();
    const records = await store.listSigningKeys(loadedAt);
    if (sequence > newestApplied) {
      newestApplied = sequence;
      snapshot = { loadedAt, records };
      const kids = new Set(records.map((record) => record.kid));
      for (const cache of [privateKeys, publicKeys]) {
        for (const kid of cache.keys()) if (!kids.has(kid)) cache.delete(kid);
      }
    }
    return snapshot;
  }
  async function fresh() {
    if (snapshot && clock.now() - snapshot.loadedAt < refreshMs) return snapshot;
    refreshing ??= reload().finally(() => refreshing = void 0);
    try {
      return await refreshing;
    } catch (error) {
      if (snapshot) return snapshot;
      throw error;
    }
  }
  function imported(cache, kid, jwk, alg) {
    let key = cache.get(kid);
    if (!key) {
      key = importJWK(jwk, alg, { extractable: false }).then((result) => {
        if (result instanceof Uint8Array) throw new TypeError(`signing key ${kid} is not an asymmetric key`);
        return result;
      });
      key.catch(() => cache.get(kid) === key && cache.delete(kid));
      cache.set(kid, key);
    }
    return key;
  }
  async function ensureKey() {
    if (currentKeyOf((await reload()).records, clock.now())) return;
    await store.insertFirstSigningKey(await generateSigningKey(config.algorithm, clock.now()));
    if (!currentKeyOf((await reload()).records, clock.now())) throw new Error("no current signing key after generating one");
  }
  return {
    ensureKey,
    async signingKey() {
      let record = currentKeyOf((await fresh()).records, clock.now());
      if (!record) {
        await ensureKey();
        record = currentKeyOf(snapshot.records, clock.now());
      }
      return { kid: record.kid, alg: record.alg, key: await imported(privateKeys, record.kid, record.privateJwk, record.alg) };
    },
    async jwks() {
      const now = clock.now();
      return { keys: (await fresh()).records.filter((record) => isUnexpired(record, now)).map(publicJwk) };
    },
    async keyResolver(header) {
      const { kid, alg } = header;
      if (typeof kid !== "string") throw new errors.JWKSNoMatchingKey("the token names no key (kid)");
      const find = (records) => records.find((record2) => record2.kid === kid && isUnexpired(record2, clock.now()));
      let record = find((await fresh()).records);
      if (!record && clock.now() - lastUnknownKidReload >= unknownKidReloadMs) {
        lastUnknownKidReload = clock.now();
        record = find((await reload()).records);
      }
      if (!record || record.alg !== alg) throw new errors.JWKSNoMatchingKey();
      return imported(publicKeys, record.kid, record.publicJwk, record.alg);
    },
    async rotate() {
      const now = clock.now();
      const key = await generateSigningKey(config.algorithm, now);
      await store.rotateSigningKey(key, now + config.rotationGraceSeconds * 1e3);
      await reload();
      return key;
    },
    async listKeys() {
      const now = clock.now();
      const { records } = await reload();
      const current = currentKeyOf(records, now);
      return records.filter((record) => isUnexpired(record, now)).map(({ kid, alg, createdAt, retiredAt, expiresAt }) => ({
        kid,
        alg,
        status: kid === current?.kid ? "current" : retiredAt === null ? "standby" : "retired",
        createdAt,
        retiredAt,
        expiresAt
      }));
    }
  };
}
export {
  createKeyManager
};
//# sourceMappingURL=key-manager.js.map
