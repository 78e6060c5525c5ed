import { identityScopes, resourceKey } from "../config/resources.js";
import { OAuthError } from "../errors/oauth-error.js";
function resolveResource(requested, config) {
  const { resources } = config;
  if (requested === void 0) {
    const entry2 = resources.find((r) => r.default) ?? resources[0];
    return entry2 ? { audience: entry2.uri, entry: entry2 } : null;
  }
  validateResource(requested);
  const url = new URL(requested);
  if (url.username || url.password) throw new OAuthError("invalid_target", "resource must not carry user information");
  if (resources.length === 0) {
    if (!isUserFlowResource(requested)) throw new OAuthError("invalid_target", "resource must be an https URI (or http on a loopback address)");
    return { audience: requested, entry: null };
  }
  const key = resourceKey(requested);
  const entry = resources.find((r) => resourceKey(r.uri) === key);
  if (!entry) throw new OAuthError("invalid_target", "resource names no resource this server issues tokens for");
  return { audience: entry.uri, entry };
}
function resolveMachineResource(requested, config) {
  if (!config.resources.some((r) => r.machineClients)) {
    throw new OAuthError("invalid_target", "no resource here accepts tokens without a user");
  }
  const resolved = resolveResource(requested, config);
  if (!resolved?.entry?.machineClients) throw new OAuthError("invalid_target", "this resource does not accept tokens without a user");
  return resolved;
}
function sameResource(presented, granted) {
  return granted !== null && resourceKey(presented) === resourceKey(granted);
}
function resourceScopeLimit(resolved, config) {
  const supported = config.scopes.supported;
  if (!resolved?.entry) return supported;
  const own = resolved.entry.scopes;
  return supported.filter((scope) => identityScopes.includes(scope) || own.includes(scope));
}
function validateResource(resource) {
  if (!URL.canParse(resource) || resource.includes("#") || !/^[a-z][a-z0-9+.-]*:/i.test(resource) || /[\s\\]/.test(resource)) {
    throw new OAuthError("invalid_target", "resource must be an absolute URI without a fragment");
  }
}
function isUserFlowResource(uri) {
  const url = new URL(uri);
  if (url.username || url.password) return false;
  if (url.protocol === "https:") return url.hostname !== "";
  return url.protocol === "http:" && ["localhost", "127.0.0.1", "[::1]"].includes(url.hostname);
}
export {
  resolveMachineResource,
  resolveResource,
  resourceScopeLimit,
  sameResource,
  validateResource
};
//# sourceMappingURL=resources.js.map
