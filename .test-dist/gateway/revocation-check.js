function createRevocationCheck(stores, clock, cacheMs, maxEntries = 1e4) {
  const answers = /* @__PURE__ */ new Map();
  return async function stillActive(claims) {
    const now = clock.now();
    const key = `${claims.jti}
${claims.gid ?? ""}`;
    const known = answers.get(key);
    if (known !== void 0 && known.until > now) return known.active;
    const [revoked, grant] = await Promise.all([
      stores.revokedAccessTokens.isAccessTokenRevoked(claims.jti),
      claims.gid === void 0 ? void 0 : stores.grants.findGrant(claims.gid)
    ]);
    const active = !revoked && (claims.gid === void 0 || grant !== void 0 && grant.revokedAt === null);
    if (answers.size >= maxEntries) {
      for (const [k, entry] of answers) if (entry.until <= now) answers.delete(k);
      if (answers.size >= maxEntries) answers.delete(answers.keys().next().value);
    }
    answers.set(key, { active, until: now + cacheMs });
    return active;
  };
}
export {
  createRevocationCheck
};
//# sourceMappingURL=revocation-check.js.map
