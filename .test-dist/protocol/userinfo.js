import { OAuthError } from "../errors/oauth-error.js";
import { introspectToken } from "./introspection.js";
import { scopeTokens } from "./scope.js";
import { userClaims } from "./tokens.js";
async function userInfo(presented, context) {
  if (presented === void 0) throw new OAuthError("invalid_token", "an access token is required", { tokenPresented: false });
  const scheme = presented.scheme;
  const introspected = await introspectToken(presented.token, "access_token", context);
  if (introspected["active"] !== true || introspected["token_type"] !== "Bearer" && introspected["token_type"] !== "DPoP") {
    throw new OAuthError("invalid_token", "the access token is not valid", { scheme });
  }
  const boundTo = introspected["cnf"]?.jkt;
  if (boundTo !== void 0 && scheme !== "DPoP") {
    throw new OAuthError("invalid_token", "the access token is bound to a DPoP key: send it with the DPoP scheme and a proof", { scheme: "DPoP" });
  }
  if (scheme === "DPoP" && (boundTo === void 0 || boundTo !== presented.jkt)) {
    throw new OAuthError("invalid_token", "the access token is not bound to the key of the DPoP proof", { scheme });
  }
  const scope = String(introspected["scope"] ?? "");
  if (!scopeTokens(scope).includes("openid")) throw new OAuthError("insufficient_scope", "the access token was not granted openid", { scheme });
  const user = await context.users.findUserById(String(introspected["sub"]));
  if (!user) throw new OAuthError("invalid_token", "the access token does not belong to a user", { scheme });
  return { sub: user.id, ...userClaims(scope, user) };
}
export {
  userInfo
};
//# sourceMappingURL=userinfo.js.map
