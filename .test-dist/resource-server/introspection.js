import { ResourceServerError } from "./resource-server-error.js";
function createIntrospector(config, clock) {
  const maxEntries = 1e4;
  const cache = /* @__PURE__ */ new Map();
  const basic = btoa(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`);
  const cacheMs = (config.cacheSeconds ?? 30) * 1e3;
  return async (token, claims) => {
    const now = clock.now();
    const cached = cache.get(claims.jti);
    if (cached && cached.until > now) return cached.active;
    let active;
    try {
      const response = await fetch(config.endpoint, {
        method: "POST",
        headers: { Authorization: `Basic ${basic}`, "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
        body: new URLSearchParams({ token, token_type_hint: "access_token" }),
        signal: AbortSignal.timeout(5e3)
      });
      if (!response.ok) throw new Error(`The introspection endpoint answered ${response.status}.`);
      active = (await response.json()).active;
      if (typeof active !== "boolean") throw new Error('The introspection response has no boolean "active".');
    } catch (error) {
      throw new ResourceServerError("temporarily_unavailable", "The access token could not be checked; try again.", [], { cause: error });
    }
    cache.delete(claims.jti);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value);
    cache.set(claims.jti, { active, until: active ? Math.min(now + cacheMs, claims.exp * 1e3) : claims.exp * 1e3 });
    return active;
  };
}
export {
  createIntrospector
};
//# sourceMappingURL=introspection.js.map
