import { OAuthError } from "../../errors/oauth-error.js";
import { authenticateClient } from "../client-authentication.js";
import { jwtBearerGrantType } from "../../ports/client-metadata.js";
import { validateResource } from "../resources.js";
import { exchangeAuthorizationCode } from "./authorization-code.js";
import { exchangeClientCredentials } from "./client-credentials.js";
import { exchangeIdentityAssertion } from "./jwt-bearer.js";
import { exchangeRefreshToken } from "./refresh-token.js";
const handlers = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: exchangeRefreshToken,
  client_credentials: exchangeClientCredentials,
  [jwtBearerGrantType]: exchangeIdentityAssertion
};
async function exchangeToken(params, credentials, context) {
  const grantType = params["grant_type"];
  if (!grantType) throw new OAuthError("invalid_request", "grant_type is required");
  const handler = Object.hasOwn(handlers, grantType) ? handlers[grantType] : void 0;
  if (!handler) throw new OAuthError("unsupported_grant_type", "grant_type must be authorization_code, refresh_token, client_credentials or urn:ietf:params:oauth:grant-type:jwt-bearer");
  const client = await authenticateClient(credentials, {
    clients: context.clients,
    nowSeconds: Math.floor(context.clock.now() / 1e3),
    assertions: context.clientAssertions && { ...context.clientAssertions, endpointUrl: `${context.config.issuer}/token` }
  });
  if (!client.metadata.grant_types.includes(grantType)) {
    throw new OAuthError("unauthorized_client", `the client did not register the ${grantType} grant type`);
  }
  const resource = params["resource"];
  if (resource !== void 0) validateResource(resource);
  return handler(params, client, context);
}
export {
  exchangeToken
};
//# sourceMappingURL=token-endpoint.js.map
