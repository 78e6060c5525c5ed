import { OAuthError } from "../../errors/oauth-error.js";
import { validateCodeChallenge } from "../pkce.js";
import { grantableScope } from "../scope.js";
import { clientPolicy, policyScopes } from "../registration/registration-policy.js";
import { resolveResource, resourceScopeLimit } from "../resources.js";
import { redirectUriMatches } from "./redirect-match.js";
class AuthorizationPageError extends Error {
  constructor(code, description) {
    super(description);
    this.code = code;
    this.description = description;
    this.name = "AuthorizationPageError";
  }
  code;
  description;
}
class AuthorizationRedirectError extends Error {
  constructor(error, redirectUri, state, client) {
    super(error.description);
    this.error = error;
    this.redirectUri = redirectUri;
    this.state = state;
    this.client = client;
    this.name = "AuthorizationRedirectError";
  }
  error;
  redirectUri;
  state;
  client;
}
async function parseAuthorizationRequest(query, context) {
  const clientId = query["client_id"];
  if (!clientId) throw new AuthorizationPageError("invalid_request", "The request has no client_id.");
  const client = await context.clients.findClient(clientId).catch((error) => {
    if (error instanceof OAuthError && error.code === "invalid_client") throw new AuthorizationPageError("invalid_client", error.description);
    throw error;
  });
  if (!client) throw new AuthorizationPageError("invalid_client", "This application is not registered here. It may register again and retry.");
  const redirectUri = resolveRedirectUri(query["redirect_uri"], client);
  const state = query["state"] ?? null;
  const fail = (code, description) => {
    throw new AuthorizationRedirectError(new OAuthError(code, description), redirectUri, state, client);
  };
  if (context.notPushed && (context.config.authorize.requirePushedRequests || client.metadata.require_pushed_authorization_requests === true)) {
    fail("invalid_request", "authorization requests must be pushed to the pushed_authorization_request_endpoint first (RFC 9126)");
  }
  if (query["request"] !== void 0 || query["request_uri"] !== void 0) fail("invalid_request", "request objects are not supported");
  if (query["response_type"] !== "code") fail("unsupported_response_type", "response_type must be code");
  if (!client.metadata.grant_types.includes("authorization_code")) fail("unauthorized_client", "the client did not register the authorization_code grant");
  let codeChallenge = "";
  try {
    codeChallenge = validateCodeChallenge(query["code_challenge"], query["code_challenge_method"]);
  } catch (error) {
    fail("invalid_request", error.description);
  }
  let resolved = null;
  try {
    resolved = resolveResource(query["resource"], context.config);
  } catch (error) {
    fail("invalid_target", error.description);
  }
  const prompt = query["prompt"] ?? null;
  if (prompt !== null && prompt !== "none" && prompt !== "login" && prompt !== "consent") fail("invalid_request", "prompt must be none, login or consent");
  return {
    client,
    request: {
      clientId,
      redirectUri,
      state,
      // A client registered under a policy with allowed scopes is never granted others, whatever it asks for.
      // Only the resource's own scopes (and the identity scopes) are granted for it.
      scope: grantableScope(query["scope"], client.metadata.scope, policyScopes(resourceScopeLimit(resolved, context.config), clientPolicy(client, context.config))),
      codeChallenge,
      resource: resolved?.audience ?? null,
      resourceName: resolved?.entry?.name ?? null,
      nonce: query["nonce"] ?? null,
      prompt
    }
  };
}
function resolveRedirectUri(presented, client) {
  const registered = client.metadata.redirect_uris;
  if (presented === void 0) {
    if (registered.length === 1) return registered[0];
    throw new AuthorizationPageError("invalid_request", "The request has no redirect_uri, and the application registered several.");
  }
  if (!redirectUriMatches(registered, presented)) {
    throw new AuthorizationPageError("invalid_request", "The redirect_uri is not one this application registered.");
  }
  return presented;
}
function authorizationResponseUrl(redirectUri, params) {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.append(name, value);
  return url.href;
}
export {
  AuthorizationPageError,
  AuthorizationRedirectError,
  authorizationResponseUrl,
  parseAuthorizationRequest
};
//# sourceMappingURL=authorization-request.js.map
