function createVerifiedTokens(maxEntries = 5e3) {
  const known = /* @__PURE__ */ new Map();
  return {
    lookup(authorization, nowMs) {
      if (typeof authorization !== "string" || !authorization.startsWith("Bearer ")) return void 0;
      const auth = known.get(authorization.slice(7));
      if (auth === void 0) return void 0;
      if (auth.expiresAt * 1e3 <= nowMs) {
        known.delete(auth.token);
        return void 0;
      }
      return auth;
    },
    remember(auth) {
      if (auth.extra.claims.cnf !== void 0) return;
      if (known.size >= maxEntries) known.delete(known.keys().next().value);
      known.set(auth.token, auth);
    }
  };
}
export {
  createVerifiedTokens
};
//# sourceMappingURL=verified-tokens.js.map
