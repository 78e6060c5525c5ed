import { configuredKeySet } from "./configured-key-set.js";
function createStatementKeyResolver(issuers, options = {}) {
  const resolvers = /* @__PURE__ */ new Map();
  for (const entry of issuers) {
    if (resolvers.has(entry.issuer)) continue;
    const keys = configuredKeySet(entry.jwks, entry.jwksUri, options);
    if (keys) resolvers.set(entry.issuer, keys);
  }
  return (issuer) => resolvers.get(issuer);
}
export {
  createStatementKeyResolver
};
//# sourceMappingURL=statement-keys.js.map
