import { OAuthError } from "../../errors/oauth-error.js";
import { mayIntrospect } from "../../protocol/client-permissions.js";
import { authenticateClient } from "../../protocol/client-authentication.js";
import { introspectToken } from "../../protocol/introspection.js";
import { revokeToken } from "../../protocol/revocation.js";
import { presentedClientCredentials } from "../form-body.js";
async function authenticate(request, context, endpoint) {
  const client = await authenticateClient(presentedClientCredentials(request), {
    clients: context.clients,
    nowSeconds: Math.floor(context.clock.now() / 1e3),
    assertions: context.clientAssertions && { ...context.clientAssertions, endpointUrl: `${context.config.issuer}/${endpoint}` }
  });
  return { params: request.body ?? {}, client };
}
function revokeAndIntrospectRoutes(app, context, base) {
  app.post(`${base}/revoke`, async (request, reply) => {
    const { params, client: authenticated } = await authenticate(request, context, "revoke");
    const token = params["token"];
    if (!token) throw new OAuthError("invalid_request", "token is required");
    await revokeToken(token, params["token_type_hint"], authenticated, context);
    request.log.info({ client_id: authenticated.clientId }, "token revocation");
    return reply.header("cache-control", "no-store").code(200).send();
  });
  app.post(`${base}/introspect`, async (request, reply) => {
    const { params, client: caller } = await authenticate(request, context, "introspect");
    if (caller.metadata.token_endpoint_auth_method === "none") {
      throw new OAuthError("invalid_client", "introspection is for confidential clients");
    }
    if (!mayIntrospect(caller, context.config)) {
      throw new OAuthError("introspection_not_allowed", "introspection is for resource servers: clients an operator created, or registered under a policy that allows it", {
        detail: `client ${caller.clientId} (${caller.registrationSource}) may not introspect`
      });
    }
    const token = params["token"];
    if (!token) throw new OAuthError("invalid_request", "token is required");
    return reply.header("cache-control", "no-store").send(await introspectToken(token, params["token_type_hint"], context));
  });
}
export {
  revokeAndIntrospectRoutes
};
//# sourceMappingURL=revoke-introspect.js.map
