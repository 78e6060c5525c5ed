import CachePolicy from "http-cache-semantics";
import { OAuthError } from "../../errors/oauth-error.js";
import { checkMetadataDocument, isMetadataDocumentClientId, metadataDocumentRefusal, validateClientIdUrl } from "./validate-document.js";
import { checkClientCap } from "../registration/registration-rules.js";
import { DocumentFetchError } from "../../ports/document-fetcher.js";
const maxCachedDocuments = 1e3;
function createClientResolver(options) {
  const { clients, config, clock } = options;
  const cache = /* @__PURE__ */ new Map();
  const inFlight = /* @__PURE__ */ new Map();
  async function resolve(url) {
    validateClientIdUrl(url, config.registration.maxUriLength);
    const existing = await clients.findClient(url);
    if (existing && existing.registrationSource !== "cimd") return existing;
    const { ruled, ttlSeconds } = await fetchAndValidate(url, existing === void 0);
    const { metadata } = ruled;
    const now = clock.now();
    const record = {
      clientId: url,
      clientSecretDigest: null,
      clientSecretExpiresAt: 0,
      registrationAccessTokenDigest: null,
      clientIdIssuedAt: existing?.clientIdIssuedAt ?? Math.floor(now / 1e3),
      metadata,
      registrationSource: "cimd",
      updatedAt: now,
      policy: ruled.policyName,
      lookAlikeOf: ruled.lookAlikeOf,
      initialAccessTokenId: null,
      lastUsedAt: existing?.lastUsedAt ?? null
    };
    await clients.saveMetadataDocumentClient(record);
    cache.delete(url);
    cache.set(url, { record, expiresAt: now + ttlSeconds * 1e3 });
    if (cache.size > maxCachedDocuments) cache.delete(cache.keys().next().value);
    return record;
  }
  async function stored(record) {
    const row = await clients.findClient(record.clientId);
    if (row) return row.registrationSource === "cimd" ? { ...row, policy: record.policy } : row;
    await clients.saveMetadataDocumentClient(record);
    return record;
  }
  async function registeredOnly(url, refusal) {
    const row = await clients.findClient(url);
    if (row && row.registrationSource !== "cimd") return row;
    if (!config.cimd.enabled) return void 0;
    throw new OAuthError("invalid_client", refusal);
  }
  async function fetchAndValidate(url, isNew) {
    const refuse = (description, detail, cause) => {
      options.logger?.warn({ client_id: url, detail, err: cause }, "client metadata document refused");
      throw new OAuthError("invalid_client", description, { detail, cause });
    };
    const request = { url, method: "GET", headers: { accept: "application/json" } };
    let fetched;
    try {
      fetched = await options.fetchDocument(url, { ...config.cimd, ca: options.fetchOptions?.ca });
    } catch (error) {
      if (!(error instanceof DocumentFetchError)) throw error;
      const reason = error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
      return refuse(`The application's metadata document could not be fetched: ${error.message}.`, reason, error);
    }
    let document;
    try {
      document = JSON.parse(fetched.body);
    } catch (error) {
      return refuse("The application's metadata document is not valid JSON.", "JSON.parse failed", error);
    }
    try {
      const ruled = await checkMetadataDocument(url, document, config);
      if (isNew) await checkClientCap(ruled, clients);
      const policy = new CachePolicy(request, { status: 200, headers: fetched.headers }, { shared: false });
      const ttlSeconds = Math.min(Math.max(policy.timeToLive() / 1e3, config.cimd.minCacheSeconds), config.cimd.maxCacheSeconds);
      return { ruled, ttlSeconds };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return refuse(`The application's metadata document is not valid: ${error.description}`, error.description, error);
    }
  }
  return {
    async findClient(clientId) {
      if (!isMetadataDocumentClientId(clientId)) return clients.findClient(clientId);
      const refusal = metadataDocumentRefusal(config);
      if (refusal !== void 0) return registeredOnly(clientId, refusal);
      const cached = cache.get(clientId);
      if (cached && cached.expiresAt > clock.now()) {
        cache.delete(clientId);
        cache.set(clientId, cached);
        return stored(cached.record);
      }
      let pending = inFlight.get(clientId);
      if (!pending) {
        pending = resolve(clientId).finally(() => inFlight.delete(clientId));
        inFlight.set(clientId, pending);
      }
      return pending;
    }
  };
}
export {
  createClientResolver
};
//# sourceMappingURL=client-resolver.js.map
