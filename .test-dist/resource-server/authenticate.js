import { presentedToken } from "./bearer-token.js";
import { ResourceServerError } from "./resource-server-error.js";
async function authenticate(server, authorization, options = {}) {
  const requiredScopes = options.requiredScopes ?? server.requiredScopes;
  try {
    const presented = presentedToken(authorization, requiredScopes);
    const claims = await server.verifyAccessToken(presented && `${presented.scheme} ${presented.token}`, { requiredScopes, dpop: options.dpop });
    return { auth: authInfo(presented.token, claims, server.resource) };
  } catch (error) {
    if (error instanceof ResourceServerError) return { refusal: server.refusal(error) };
    throw error;
  }
}
function authInfo(token, claims, resource) {
  return {
    token,
    clientId: claims.client_id,
    scopes: typeof claims.scope === "string" ? claims.scope.split(" ").filter(Boolean) : [],
    expiresAt: claims.exp,
    resource: new URL(resource),
    extra: { sub: claims.sub, claims }
  };
}
export {
  authenticate
};
//# sourceMappingURL=authenticate.js.map
