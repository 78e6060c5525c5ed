import { OAuthError } from "../../errors/oauth-error.js";
import { redirectHost } from "../../ports/redirect-host.js";
function hostMatches(host, pattern) {
  if (pattern.startsWith("*.")) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}
function applyRegistrationPolicy(metadata, policy, options) {
  const { redirect_uris: uris } = metadata;
  if (policy.maxRedirectUris !== void 0 && uris.length > policy.maxRedirectUris) {
    throw new OAuthError("invalid_redirect_uri", `at most ${policy.maxRedirectUris} redirect_uris may be registered`);
  }
  uris.forEach((uri, index) => checkRedirect(uri, `redirect_uris[${index}]`, policy));
  const methods = policy.allowTokenEndpointAuthMethods;
  if (methods && !methods.includes(metadata.token_endpoint_auth_method)) {
    throw new OAuthError(
      "invalid_client_metadata",
      `token_endpoint_auth_method ${metadata.token_endpoint_auth_method} is not allowed; use one of: ${methods.join(", ")}`
    );
  }
  const allowed = policy.allowScopes;
  if (!allowed) return metadata;
  const kept = metadata.scope.split(" ").filter((scope) => scope !== "" && allowed.includes(scope));
  if (kept.length === 0 && options.scopeRequested) {
    throw new OAuthError("invalid_client_metadata", `none of the requested scopes is allowed; allowed: ${allowed.join(" ")}`);
  }
  return { ...metadata, scope: (kept.length > 0 ? kept : allowed).join(" ") };
}
function checkRedirect(uri, label, policy) {
  const scheme = uri.slice(0, uri.indexOf(":")).toLowerCase();
  if (policy.allowRedirectSchemes && !policy.allowRedirectSchemes.includes(scheme)) {
    throw new OAuthError("invalid_redirect_uri", `${label} uses the scheme ${scheme}, which is not allowed here`);
  }
  const host = redirectHost(uri);
  if (host !== void 0 && policy.denyRedirectHosts?.some((pattern) => hostMatches(host, pattern))) {
    throw new OAuthError("invalid_redirect_uri", `${label} redirects to a host that is not allowed`);
  }
  if (policy.allowRedirectHosts) {
    if (host === void 0 || !policy.allowRedirectHosts.some((pattern) => hostMatches(host, pattern))) {
      throw new OAuthError("invalid_redirect_uri", `${label} redirects to a host that is not on the allow-list`);
    }
  }
}
function clientPolicy(client, config) {
  return client.policy === null ? void 0 : config.registration.policies[client.policy];
}
function policyScopes(scopes, policy) {
  const allowed = policy?.allowScopes;
  return allowed ? scopes.filter((scope) => allowed.includes(scope)) : scopes;
}
export {
  applyRegistrationPolicy,
  clientPolicy,
  hostMatches,
  policyScopes
};
//# sourceMappingURL=registration-policy.js.map
