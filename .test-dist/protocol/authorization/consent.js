import { digestSecret } from "../secrets.js";
import { isScopeSubset, scopeTokens } from "../scope.js";
function clientFingerprint(client) {
  const { metadata } = client;
  return digestSecret(
    JSON.stringify([
      metadata.client_name ?? null,
      [...metadata.redirect_uris].sort(),
      metadata.client_uri ?? null,
      client.registrationSource,
      client.lookAlikeOf
    ])
  );
}
function consentShown(client, request, alreadyAllowed = "") {
  return digestSecret(JSON.stringify([clientFingerprint(client), scopeTokens(request.scope).sort(), request.audience, scopeTokens(alreadyAllowed).sort()]));
}
function alreadyAllowedScope(consent, client, request) {
  if (consent === void 0 || consent.clientFingerprint !== clientFingerprint(client)) return "";
  const allowed = Object.hasOwn(consent.resources, request.audience) ? scopeTokens(consent.resources[request.audience]) : [];
  return scopeTokens(request.scope).filter((token) => allowed.includes(token)).join(" ");
}
function consentAudience(resource, issuer) {
  return resource ?? issuer;
}
function consentCovers(consent, client, request) {
  if (consent === void 0 || consent.clientFingerprint !== clientFingerprint(client)) return false;
  const allowed = Object.hasOwn(consent.resources, request.audience) ? consent.resources[request.audience] : void 0;
  return allowed !== void 0 && isScopeSubset(request.scope, allowed);
}
function mergeConsent(previous, client, request) {
  const fingerprint = clientFingerprint(client);
  const kept = previous?.clientFingerprint === fingerprint ? previous : void 0;
  const resources = { ...kept?.resources };
  const before = Object.hasOwn(resources, request.audience) ? resources[request.audience] : void 0;
  resources[request.audience] = union(before, request.scope);
  return { scope: union(kept?.scope, request.scope), resources, clientFingerprint: fingerprint };
}
function union(a, b) {
  return [.../* @__PURE__ */ new Set([...scopeTokens(a), ...scopeTokens(b)])].join(" ");
}
export {
  alreadyAllowedScope,
  clientFingerprint,
  consentAudience,
  consentCovers,
  consentShown,
  mergeConsent
};
//# sourceMappingURL=consent.js.map
