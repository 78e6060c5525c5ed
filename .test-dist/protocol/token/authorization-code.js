import { OAuthError } from "../../errors/oauth-error.js";
import { refreshTokenBinding } from "../dpop/token-binding.js";
import { verifierMatches } from "../pkce.js";
import { sameResource } from "../resources.js";
import { digestSecret } from "../secrets.js";
import { mintRefreshToken, recordGrantRevoked, tokenResponse } from "./token-context.js";
async function exchangeAuthorizationCode(params, client, context) {
  const code = params["code"];
  const verifier = params["code_verifier"];
  if (!code) throw new OAuthError("invalid_request", "code is required");
  if (!verifier) throw new OAuthError("invalid_request", "code_verifier is required (PKCE)");
  const now = context.clock.now();
  const digest = digestSecret(code);
  const found = await context.codes.findCode(digest);
  if (!found) throw new OAuthError("invalid_grant", "the authorization code is not valid");
  if (found.usedAt !== null) await refuseReplay(found.grantId, found.code, context, now);
  const stored = found.code;
  if (stored.clientId !== client.clientId) throw new OAuthError("invalid_grant", "the authorization code was issued to another client");
  if (stored.expiresAt <= now) throw new OAuthError("invalid_grant", "the authorization code has expired");
  checkRedirectUri(params["redirect_uri"], stored.redirectUri, client);
  if (!verifierMatches(verifier, stored.codeChallenge)) throw new OAuthError("invalid_grant", "code_verifier does not match the code_challenge");
  const resource = params["resource"];
  if (resource !== void 0 && !sameResource(resource, stored.resource)) {
    throw new OAuthError("invalid_target", "resource differs from the one the authorization was for");
  }
  const grant = {
    id: context.random.timeOrderedUuid(now),
    clientId: client.clientId,
    userId: stored.userId,
    scope: stored.scope,
    resource: stored.resource,
    authTime: stored.authTime,
    createdAt: now,
    revokedAt: null,
    dpopJkt: refreshTokenBinding(client, context.dpop)
  };
  const refresh = client.metadata.grant_types.includes("refresh_token") ? mintRefreshToken(grant.id, grant.scope, context) : void 0;
  if (!await context.grants.redeemCode(digest, now, grant, refresh?.record ?? null)) {
    await refuseReplay((await context.codes.findCode(digest))?.grantId ?? null, stored, context, now);
  }
  return tokenResponse(grant, client, grant.scope, context, {
    grantType: "authorization_code",
    refreshToken: refresh?.value,
    nonce: stored.nonce,
    withIdToken: true
  });
}
async function refuseReplay(grantId, code, context, now) {
  if (grantId !== null && await context.grants.revokeGrant(grantId, now)) {
    recordGrantRevoked({ grantId, clientId: code.clientId, userId: code.userId }, "code_replayed", context);
  }
  throw new OAuthError("invalid_grant", "the authorization code was already used; the tokens issued from it are revoked");
}
function checkRedirectUri(presented, stored, client) {
  if (presented === void 0) {
    if (client.metadata.redirect_uris.length === 1) return;
    throw new OAuthError("invalid_request", "redirect_uri is required");
  }
  if (presented !== stored) throw new OAuthError("invalid_grant", "redirect_uri differs from the one of the authorization request");
}
export {
  exchangeAuthorizationCode
};
//# sourceMappingURL=authorization-code.js.map
