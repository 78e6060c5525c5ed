import { configuredKeySet } from "./configured-key-set.js";
function createEnterpriseKeyResolver(providers, options = {}) {
  const resolvers = /* @__PURE__ */ new Map();
  for (const provider of providers) {
    const keys = configuredKeySet(provider.jwks, provider.jwksUri, options);
    if (keys) resolvers.set(provider.id, keys);
  }
  return (providerId) => resolvers.get(providerId);
}
export {
  createEnterpriseKeyResolver
};
//# sourceMappingURL=enterprise-keys.js.map
