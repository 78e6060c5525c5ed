import { OAuthError } from "../../errors/oauth-error.js";
function refreshTokenBinding(client, proof) {
  return proof !== void 0 && client.metadata.token_endpoint_auth_method === "none" ? proof.jkt : null;
}
function checkRefreshTokenBinding(grant, proof) {
  if (grant.dpopJkt == null) return;
  if (proof === void 0) throw new OAuthError("invalid_grant", "the refresh token is bound to a DPoP key: send a DPoP proof");
  if (proof.jkt !== grant.dpopJkt) throw new OAuthError("invalid_grant", "the refresh token is bound to another DPoP key");
}
export {
  checkRefreshTokenBinding,
  refreshTokenBinding
};
//# sourceMappingURL=token-binding.js.map
