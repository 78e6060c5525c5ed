import { OAuthError } from "../../errors/oauth-error.js";
import { checkRefreshTokenBinding } from "../dpop/token-binding.js";
import { sameResource } from "../resources.js";
import { isScopeSubset, scopeTokens } from "../scope.js";
import { digestSecret } from "../secrets.js";
import { mintRefreshToken, recordGrantRevoked, tokenResponse } from "./token-context.js";
async function exchangeRefreshToken(params, client, context) {
  const presented = params["refresh_token"];
  if (!presented) throw new OAuthError("invalid_request", "refresh_token is required");
  const now = context.clock.now();
  const digest = digestSecret(presented);
  const found = await context.grants.findRefreshToken(digest);
  if (!found) throw new OAuthError("invalid_grant", "the refresh token is not valid");
  const scope = params["scope"] === void 0 ? found.token.scope : scopeTokens(params["scope"]).join(" ");
  if (!isScopeSubset(scope, found.token.scope)) throw new OAuthError("invalid_scope", "scope exceeds what was granted");
  const resource = params["resource"];
  if (found.grant.clientId === client.clientId && resource !== void 0 && !sameResource(resource, found.grant.resource)) {
    throw new OAuthError("invalid_target", "resource differs from the one the grant is for");
  }
  if (found.grant.clientId === client.clientId) checkRefreshTokenBinding(found.grant, context.dpop);
  const next = mintRefreshToken(found.grant.id, found.token.scope, context);
  const reuseGraceMs = context.config.tokens.refreshReuseGraceSeconds * 1e3;
  const rotation = await context.grants.rotateRefreshToken(digest, next.record, now, reuseGraceMs);
  if (rotation.status === "unknown") throw new OAuthError("invalid_grant", "the refresh token is not valid");
  const { grant, token } = rotation;
  if (rotation.status === "reused" || grant.clientId !== client.clientId) {
    if (await context.grants.revokeGrant(grant.id, now)) {
      const reason = rotation.status === "rotated" ? "refresh_token_of_another_client" : "refresh_token_reused";
      recordGrantRevoked({ grantId: grant.id, clientId: grant.clientId, userId: grant.userId }, reason, context);
    }
    throw new OAuthError("invalid_grant", "the refresh token was already used or belongs to another client; the grant is revoked");
  }
  if (grant.revokedAt !== null) throw new OAuthError("invalid_grant", "the grant was revoked");
  if (token.expiresAt <= now) throw new OAuthError("invalid_grant", "the refresh token has expired");
  return tokenResponse(grant, client, scope, context, { grantType: "refresh_token", refreshToken: next.value });
}
export {
  exchangeRefreshToken
};
//# sourceMappingURL=refresh-token.js.map
