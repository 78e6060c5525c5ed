import { OAuthError } from "../../errors/oauth-error.js";
import { AuthorizationPageError, AuthorizationRedirectError, parseAuthorizationRequest } from "./authorization-request.js";
import { alreadyAllowedScope, consentAudience, consentCovers, consentShown, mergeConsent } from "./consent.js";
import { issueAuthorizationCode } from "./issue-code.js";
import { isUnverified } from "./unverified-client.js";
async function decideAuthorization(query, user, context) {
  const parsed = await parse(query, context);
  if ("kind" in parsed) return parsed;
  const { request, client } = parsed;
  if (!user || request.prompt === "login") {
    if (request.prompt === "none") return refuse(new OAuthError("login_required"), request, client, context);
    const { prompt: _, ...rest } = query;
    return {
      kind: "sign-in",
      clientName: client.metadata.client_name ?? client.clientId,
      unverified: isUnverified(client),
      resume: request.prompt === "login" ? rest : query
    };
  }
  const asked = { scope: request.scope, audience: consentAudience(request.resource, context.config.issuer) };
  const remembered = await context.consents.findConsent(user.id, client.clientId);
  if (consentCovers(remembered, client, asked) && request.prompt !== "consent") return issueCode(request, user, context);
  if (request.prompt === "none") return refuse(new OAuthError("consent_required"), request, client, context);
  const alreadyAllowed = alreadyAllowedScope(remembered, client, asked);
  return { kind: "consent", client, request, username: user.username, resume: query, alreadyAllowed, shown: consentShown(client, asked, alreadyAllowed) };
}
async function decideConsent(query, user, answer, context) {
  if (!user) return decideAuthorization(query, void 0, context);
  const parsed = await parse(query, context);
  if ("kind" in parsed) return parsed;
  const { request, client } = parsed;
  if (!answer.allow) {
    return { kind: "redirect-with-error", redirectUri: request.redirectUri, params: errorParams(new OAuthError("access_denied", "The user denied the request."), request.state, context) };
  }
  const asked = { scope: request.scope, audience: consentAudience(request.resource, context.config.issuer) };
  const previous = await context.consents.findConsent(user.id, client.clientId);
  if (answer.shown !== consentShown(client, asked, alreadyAllowedScope(previous, client, asked))) return decideAuthorization(query, user, context);
  await context.consents.saveConsent(user.id, client.clientId, mergeConsent(previous, client, asked), context.clock.now());
  context.audit.record({ type: "consent.granted", userId: user.id, clientId: client.clientId, ip: answer.ip, data: { scope: asked.scope, resource: asked.audience } });
  return issueCode(request, user, context);
}
async function parse(query, context) {
  try {
    return await parseAuthorizationRequest(query, context);
  } catch (error) {
    if (error instanceof AuthorizationPageError) return { kind: "error-page", error: error.code, description: error.description };
    if (error instanceof AuthorizationRedirectError) return refuse(error.error, { redirectUri: error.redirectUri, state: error.state }, error.client, context);
    throw error;
  }
}
function refuse(error, request, client, context) {
  return { kind: isUnverified(client) ? "link-with-error" : "redirect-with-error", redirectUri: request.redirectUri, params: errorParams(error, request.state, context) };
}
function errorParams(error, state, context) {
  return { error: error.code, error_description: error.description, state, iss: context.config.issuer };
}
async function issueCode(request, user, context) {
  const code = await issueAuthorizationCode(request, { id: user.id, authTime: user.authTime }, context);
  return { kind: "redirect-with-code", redirectUri: request.redirectUri, params: { code, state: request.state, iss: context.config.issuer } };
}
export {
  decideAuthorization,
  decideConsent
};
//# sourceMappingURL=decide-authorization.js.map
