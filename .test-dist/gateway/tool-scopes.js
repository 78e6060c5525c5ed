function createToolScopes(gateway) {
  const rules = Object.entries(gateway.toolScopes).map(([pattern, scopes]) => ({ match: globToRegExp(pattern), scopes }));
  const cache = /* @__PURE__ */ new Map();
  function scopesFor(tool) {
    let scopes = cache.get(tool);
    if (scopes === void 0) {
      scopes = [.../* @__PURE__ */ new Set([...gateway.scopes, ...rules.filter((rule) => rule.match.test(tool)).flatMap((rule) => rule.scopes)])];
      if (tool.length <= 128) {
        if (cache.size >= 1e3) cache.clear();
        cache.set(tool, scopes);
      }
    }
    return scopes;
  }
  return {
    scopesFor,
    missingFor: (tool, granted) => scopesFor(tool).filter((scope) => !granted.has(scope))
  };
}
function globToRegExp(pattern) {
  const source = pattern.replace(/[.+^${}()|[\]\\/-]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${source}$`, "s");
}
export {
  createToolScopes,
  globToRegExp
};
//# sourceMappingURL=tool-scopes.js.map
