import { digestSecret } from "./secrets.js";
async function revokeToken(token, hint, client, context) {
  const tryAccessTokenFirst = hint === "access_token";
  if (tryAccessTokenFirst && await revokeAccessToken(token, client, context)) return;
  if (await revokeRefreshToken(token, client, context)) return;
  if (!tryAccessTokenFirst) await revokeAccessToken(token, client, context);
}
async function revokeRefreshToken(token, client, context) {
  const found = await context.grants.findRefreshToken(digestSecret(token));
  if (!found) return false;
  if (found.grant.clientId === client.clientId && await context.grants.revokeGrant(found.grant.id, context.clock.now())) {
    context.audit?.record({
      type: "token.revoked",
      clientId: client.clientId,
      userId: found.grant.userId,
      data: { token_type: "refresh_token", grant_id: found.grant.id }
    });
  }
  return true;
}
async function revokeAccessToken(token, client, context) {
  if (token.split(".").length !== 3) return false;
  const claims = await context.verifier.verifyAccessToken(token);
  if (!claims) return false;
  if (claims["client_id"] === client.clientId) {
    await context.revokedAccessTokens.revokeAccessToken(String(claims["jti"]), Number(claims["exp"]) * 1e3);
    context.audit?.record({ type: "token.revoked", clientId: client.clientId, data: { token_type: "access_token", jti: claims["jti"] } });
  }
  return true;
}
export {
  revokeToken
};
//# sourceMappingURL=revocation.js.map
