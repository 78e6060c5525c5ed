import { OAuthError } from "../../errors/oauth-error.js";
import { authenticateClient } from "../client-authentication.js";
import { digestSecret } from "../secrets.js";
import { AuthorizationPageError, AuthorizationRedirectError, parseAuthorizationRequest } from "./authorization-request.js";
const requestUriPrefix = "urn:ietf:params:oauth:request_uri:";
const pushedRequestLifetimeSeconds = 60;
const clientAuthenticationParams = ["client_secret", "client_assertion", "client_assertion_type"];
async function pushAuthorizationRequest(params, presented, context) {
  if (params["request_uri"] !== void 0) throw new OAuthError("invalid_request", "request_uri must not be pushed (RFC 9126 section 2.1)");
  const client = await authenticateClient(presented, {
    clients: context.clients,
    nowSeconds: Math.floor(context.clock.now() / 1e3),
    // RFC 9126 §2: the client authenticates as at the token endpoint; an assertion may name either endpoint.
    assertions: context.clientAssertions && { ...context.clientAssertions, endpointUrl: `${context.config.issuer}/par` }
  });
  const request = { ...params, client_id: client.clientId };
  for (const name of clientAuthenticationParams) delete request[name];
  await validatePushedRequest(request, client, context.config);
  const secret = context.random.token(32);
  const now = context.clock.now();
  await context.pushedRequests.save({
    digest: digestSecret(secret),
    clientId: client.clientId,
    params: request,
    expiresAt: now + pushedRequestLifetimeSeconds * 1e3
  });
  return { request_uri: `${requestUriPrefix}${secret}`, expires_in: pushedRequestLifetimeSeconds };
}
async function validatePushedRequest(request, client, config) {
  const authenticated = { findClient: async (clientId) => clientId === client.clientId ? client : void 0 };
  try {
    await parseAuthorizationRequest(request, { config, clients: authenticated });
  } catch (error) {
    if (error instanceof AuthorizationPageError) throw new OAuthError(error.code, error.description);
    if (error instanceof AuthorizationRedirectError) throw error.error;
    throw error;
  }
}
async function takePushedRequest(query, context) {
  const requestUri = query["request_uri"] ?? "";
  const clientId = query["client_id"];
  if (!clientId) throw new AuthorizationPageError("invalid_request", "The request has no client_id.");
  if (!requestUri.startsWith(requestUriPrefix) || requestUri.length === requestUriPrefix.length) {
    throw new AuthorizationPageError("invalid_request", "The request_uri was not issued by this server.");
  }
  const record = await context.pushedRequests.take(digestSecret(requestUri.slice(requestUriPrefix.length)), context.clock.now());
  if (!record) {
    throw new AuthorizationPageError("invalid_request", "This authorization request has expired or was already used. Go back to the application and start again.");
  }
  if (record.clientId !== clientId) throw new AuthorizationPageError("invalid_request", "The request_uri was pushed by another application.");
  return record.params;
}
export {
  pushAuthorizationRequest,
  pushedRequestLifetimeSeconds,
  requestUriPrefix,
  takePushedRequest
};
//# sourceMappingURL=pushed-request.js.map
