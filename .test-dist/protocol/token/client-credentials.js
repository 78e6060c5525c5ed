import { identityScopes } from "../../config/resources.js";
import { OAuthError } from "../../errors/oauth-error.js";
import { mayUseClientCredentials } from "../client-permissions.js";
import { resolveMachineResource } from "../resources.js";
import { grantableScope } from "../scope.js";
import { tokenResponse } from "./token-context.js";
async function exchangeClientCredentials(params, client, context) {
  if (client.metadata.token_endpoint_auth_method === "none") {
    throw new OAuthError("unauthorized_client", "client_credentials is for confidential clients only");
  }
  if (!mayUseClientCredentials(client, context.config)) {
    throw new OAuthError("unauthorized_client", "client_credentials is only for clients created by an operator or registered under a policy that allows it");
  }
  const resource = resolveMachineResource(params["resource"], context.config);
  const registered = client.metadata.scope.split(" ").filter((s) => s !== "" && !identityScopes.includes(s));
  const scope = grantableScope(params["scope"], registered.join(" "), registered.filter((s) => resource.entry.scopes.includes(s)));
  const grant = {
    id: context.random.uuid(),
    clientId: client.clientId,
    userId: null,
    scope,
    resource: resource.audience,
    authTime: null,
    createdAt: context.clock.now(),
    revokedAt: null
  };
  return tokenResponse(grant, client, scope, context, { grantType: "client_credentials" });
}
export {
  exchangeClientCredentials
};
//# sourceMappingURL=client-credentials.js.map
