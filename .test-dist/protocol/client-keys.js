import { createLocalJWKSet } from "jose";
import { OAuthError } from "../errors/oauth-error.js";
import { DocumentFetchError } from "../ports/document-fetcher.js";
const jwksCacheMs = 5 * 6e4;
const minRefetchIntervalMs = 3e4;
const maxCachedKeySets = 1e3;
const privateKeyMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
function createClientKeyResolver(options) {
  const { config, clock } = options;
  const cache = /* @__PURE__ */ new Map();
  const inFlight = /* @__PURE__ */ new Map();
  async function fetchKeySet(url, clientId) {
    const refuse = (description, detail, cause) => {
      options.logger?.warn({ client_id: clientId, jwks_uri: url, detail, err: cause }, "client key set refused");
      throw new OAuthError("invalid_client", description, { detail, cause });
    };
    let body;
    try {
      body = (await options.fetchDocument(url, { ...config.cimd, ca: options.fetchOptions?.ca })).body;
    } catch (error) {
      if (!(error instanceof DocumentFetchError)) throw error;
      const reason = error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
      return refuse(`the client's jwks_uri could not be fetched: ${error.message}`, reason, error);
    }
    let keys;
    try {
      keys = localKeySet(publicKeysOf(JSON.parse(body)));
    } catch (error) {
      return refuse("the client's jwks_uri does not hold a JWK Set", "not a JWK Set", error);
    }
    cache.delete(url);
    cache.set(url, { keys, fetchedAt: clock.now() });
    if (cache.size > maxCachedKeySets) cache.delete(cache.keys().next().value);
    return keys;
  }
  return {
    async keysFor(client, { refresh = false } = {}) {
      const { jwks, jwks_uri: url } = client.metadata;
      if (jwks !== void 0) {
        try {
          return localKeySet(jwks);
        } catch (error) {
          throw new OAuthError("invalid_client", "the client's registered jwks is not a usable JWK Set", { cause: error });
        }
      }
      if (url === void 0) throw new OAuthError("invalid_client", "the client registered no keys (jwks or jwks_uri)");
      const now = clock.now();
      const cached = cache.get(url);
      const fresh = cached !== void 0 && now - cached.fetchedAt < (refresh ? minRefetchIntervalMs : jwksCacheMs);
      if (cached && fresh) {
        cache.delete(url);
        cache.set(url, cached);
        return cached.keys;
      }
      let pending = inFlight.get(url);
      if (!pending) {
        pending = fetchKeySet(url, client.clientId).finally(() => inFlight.delete(url));
        inFlight.set(url, pending);
      }
      return pending;
    }
  };
}
function localKeySet(jwks) {
  return createLocalJWKSet(jwks);
}
function publicKeysOf(document) {
  const keys = document?.keys;
  if (!Array.isArray(keys)) throw new TypeError("not a JWK Set");
  return {
    keys: keys.filter(
      (key) => typeof key === "object" && key !== null && key.kty !== "oct" && !privateKeyMembers.some((member) => member in key)
    )
  };
}
export {
  createClientKeyResolver,
  jwksCacheMs,
  minRefetchIntervalMs
};
//# sourceMappingURL=client-keys.js.map
