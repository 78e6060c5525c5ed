import { OAuthError } from "../../errors/oauth-error.js";
import { profileFromClaims } from "../../identity/profile-from-claims.js";
import { noAudit } from "../../ports/audit-trail.js";
import { jwtBearerGrantType } from "../../ports/client-metadata.js";
import { signInUpstream } from "../../users/upstream-accounts.js";
import { resolveResource, resourceScopeLimit, sameResource } from "../resources.js";
import { scopeTokens } from "../scope.js";
import { verifyIdJag } from "./id-jag.js";
import { tokenResponse } from "./token-context.js";
async function exchangeIdentityAssertion(params, client, context) {
  const { config, enterprise } = context;
  const providers = config.identity.enterpriseProviders;
  if (!enterprise || providers.length === 0) throw new OAuthError("unsupported_grant_type", "this server trusts no enterprise identity provider");
  if (client.metadata.token_endpoint_auth_method === "none") {
    throw new OAuthError("unauthorized_client", "identity assertion grants are for confidential clients only; use the authorization code flow");
  }
  const assertion = params["assertion"];
  if (!assertion) throw new OAuthError("invalid_request", "assertion is required");
  const now = context.clock.now();
  const verified = await verifyIdJag(assertion, { providers, keysFor: enterprise.keysFor, issuer: config.issuer, nowMs: now });
  const { claims, provider } = verified;
  if (claims.client_id !== client.clientId) {
    throw new OAuthError("invalid_grant", "the assertion was issued for another client", { detail: `client_id claim ${JSON.stringify(claims.client_id)}` });
  }
  const resource = assertedResource(claims["resource"], params["resource"], config);
  const scope = grantedScope(claims["scope"], params["scope"], client.metadata, resource, config);
  if (!await enterprise.replays.useOnce(`idjag:${provider.issuer}:${claims.jti}`, claims.exp * 1e3, now)) {
    throw new OAuthError("invalid_grant", "the assertion was already used", { detail: `jti ${JSON.stringify(claims.jti)} of ${provider.id}` });
  }
  const userId = await linkedUser(verified, context, enterprise);
  const grant = {
    id: context.random.uuid(),
    clientId: client.clientId,
    userId,
    scope,
    resource: resource?.audience ?? null,
    authTime: typeof claims["auth_time"] === "number" ? claims["auth_time"] * 1e3 : null,
    createdAt: now,
    revokedAt: null
  };
  await context.grants.createGrant(grant, null, null);
  return tokenResponse(grant, client, scope, context, { grantType: jwtBearerGrantType });
}
function assertedResource(claim, requested, config) {
  if (claim === void 0) return resolveResource(requested, config);
  const named = typeof claim === "string" ? [claim] : Array.isArray(claim) && claim.every((r) => typeof r === "string") ? claim : null;
  if (named === null || named.length === 0) throw new OAuthError("invalid_grant", "the assertion's resource claim must be a URI or a list of URIs");
  let chosen = named[0];
  if (requested !== void 0) {
    const match = named.find((uri) => sameResource(requested, uri));
    if (match === void 0) throw new OAuthError("invalid_target", "resource is not one the assertion names");
    chosen = match;
  } else if (named.length > 1) {
    throw new OAuthError("invalid_request", "the assertion names several resources: choose one with the resource parameter");
  }
  if (config.resources.length === 0) throw new OAuthError("invalid_grant", "the assertion names a resource this server does not issue tokens for");
  try {
    return resolveResource(chosen, config);
  } catch (cause) {
    throw new OAuthError("invalid_grant", "the assertion names a resource this server does not issue tokens for", { cause, detail: `resource ${JSON.stringify(chosen)}` });
  }
}
function grantedScope(claim, requested, metadata, resource, config) {
  if (claim !== void 0 && typeof claim !== "string") throw new OAuthError("invalid_grant", "the assertion's scope claim must be a string");
  const offered = resourceScopeLimit(resource, config);
  const asserted = claim === void 0 ? null : scopeTokens(claim);
  const unknown = asserted?.filter((scope) => !offered.includes(scope)) ?? [];
  if (unknown.length > 0) {
    throw new OAuthError("invalid_grant", "the assertion names scopes this resource does not offer", { detail: `scope ${unknown.join(" ")}` });
  }
  const registered = scopeTokens(metadata.scope);
  const asked = requested !== void 0 && requested.trim() !== "" ? scopeTokens(requested) : asserted ?? registered;
  const granted = asked.filter(
    (scope) => (asserted === null || asserted.includes(scope)) && registered.includes(scope) && offered.includes(scope) && scope !== "offline_access"
  );
  if (granted.length === 0 && asked.some((scope) => scope !== "offline_access")) {
    throw new OAuthError("invalid_scope", "none of the requested scopes can be granted to this client for this resource");
  }
  return granted.join(" ");
}
async function linkedUser({ provider, claims }, context, enterprise) {
  const profile = profileFromClaims({ id: provider.id, claims: { email: "email", name: "name", username: "preferred_username", groups: "groups" } }, claims);
  const outcome = await signInUpstream(profile, {
    users: enterprise.users,
    identities: enterprise.identities,
    clock: context.clock,
    random: context.random,
    rules: { allow: context.config.identity.allow, admins: context.config.identity.admins }
  });
  if ("refused" in outcome) {
    throw new OAuthError("invalid_grant", "the user the assertion names may not use this server", { detail: `${provider.id} subject ${claims.sub}: ${outcome.refused}` });
  }
  if (outcome.created) {
    (context.audit ?? noAudit).record({
      type: "user.created",
      userId: outcome.user.id,
      ip: context.ip ?? null,
      data: { provider: provider.id, username: outcome.user.username, is_admin: outcome.user.isAdmin }
    });
  }
  return outcome.user.id;
}
export {
  exchangeIdentityAssertion
};
//# sourceMappingURL=jwt-bearer.js.map
