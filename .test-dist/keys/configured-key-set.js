import { createLocalJWKSet, createRemoteJWKSet } from "jose";
function configuredKeySet(jwks, jwksUri, options = {}) {
  if (jwks !== null && jwks !== void 0) return createLocalJWKSet(jwks);
  if (jwksUri === null || jwksUri === void 0) return void 0;
  return createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: options.timeoutMs ?? 5e3,
    cooldownDuration: options.cooldownMs ?? 3e4,
    cacheMaxAge: options.cacheMaxAgeMs ?? 6e5
  });
}
export {
  configuredKeySet
};
//# sourceMappingURL=configured-key-set.js.map
