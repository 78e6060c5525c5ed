import { OAuthError } from "../errors/oauth-error.js";
import { assertionSubject, verifyClientAssertion, jwtBearerAssertionType } from "./client-assertion.js";
import { secretMatches } from "./secrets.js";
async function authenticateClient(presented, context) {
  const assertion = presented.clientAssertion;
  const withAssertion = assertion !== void 0 || presented.clientAssertionType !== void 0;
  if ([presented.basic !== void 0, presented.clientSecret !== void 0, withAssertion].filter(Boolean).length > 1) {
    throw new OAuthError("invalid_request", "use one client authentication method, not several (RFC 6749 section 2.3)");
  }
  if (withAssertion && presented.clientAssertionType !== jwtBearerAssertionType) {
    throw new OAuthError("invalid_client", `client_assertion_type must be ${jwtBearerAssertionType}`);
  }
  if (withAssertion && assertion === void 0) throw new OAuthError("invalid_client", "client_assertion is required with client_assertion_type");
  if (presented.basic && presented.clientId !== void 0 && presented.clientId !== presented.basic.clientId) {
    throw new OAuthError("invalid_request", "client_id in the body differs from the one in the Authorization header");
  }
  const clientId = presented.basic?.clientId ?? presented.clientId ?? (assertion === void 0 ? void 0 : assertionSubject(assertion));
  if (clientId === void 0 || clientId === "") {
    throw new OAuthError("invalid_client", "client authentication is required", { tokenPresented: false });
  }
  const client = await context.clients.findClient(clientId);
  if (!client) throw new OAuthError("invalid_client", "the client is not known; register it again", { detail: `unknown client ${clientId}` });
  const method = client.metadata.token_endpoint_auth_method;
  const used = presented.basic ? "client_secret_basic" : presented.clientSecret !== void 0 ? "client_secret_post" : withAssertion ? "private_key_jwt" : "none";
  if (used !== method) {
    throw new OAuthError("invalid_client", `the client must authenticate with ${method}`, { detail: `used ${used}` });
  }
  if (method === "none") return client;
  if (method === "private_key_jwt") {
    if (!context.assertions) throw new OAuthError("invalid_client", "private_key_jwt is not accepted at this endpoint");
    await verifyClientAssertion(assertion, client, { ...context.assertions, nowMs: context.nowSeconds * 1e3 });
    return client;
  }
  const secret = presented.basic?.clientSecret ?? presented.clientSecret;
  if (!secretMatches(secret, client.clientSecretDigest)) throw new OAuthError("invalid_client", "the client secret is not valid");
  if (client.clientSecretExpiresAt !== 0 && client.clientSecretExpiresAt <= context.nowSeconds) {
    throw new OAuthError("invalid_client", "the client secret has expired");
  }
  return client;
}
export {
  authenticateClient
};
//# sourceMappingURL=client-authentication.js.map
