import { digestSecret } from "./secrets.js";
async function introspectToken(token, hint, context) {
  const first = hint === "refresh_token" ? introspectRefreshToken : introspectAccessToken;
  const second = hint === "refresh_token" ? introspectAccessToken : introspectRefreshToken;
  return await first(token, context) ?? await second(token, context) ?? { active: false };
}
async function introspectAccessToken(token, context) {
  if (token.split(".").length !== 3) return void 0;
  const claims = await context.verifier.verifyAccessToken(token);
  if (!claims) return void 0;
  if (await context.revokedAccessTokens.isAccessTokenRevoked(String(claims["jti"]))) return { active: false };
  if (typeof claims["gid"] === "string") {
    const grant = await context.grants.findGrant(claims["gid"]);
    if (!grant || grant.revokedAt !== null) return { active: false };
  } else if (!await context.clients.findClient(String(claims["client_id"]))) {
    return { active: false };
  }
  const { gid: _gid, ...visible } = claims;
  const bound = typeof claims["cnf"]?.jkt === "string";
  return { active: true, token_type: bound ? "DPoP" : "Bearer", ...visible };
}
async function introspectRefreshToken(token, context) {
  const found = await context.grants.findRefreshToken(digestSecret(token));
  if (!found) return void 0;
  const { token: record, used, grant } = found;
  if (used || grant.revokedAt !== null || record.expiresAt <= context.clock.now()) return { active: false };
  return {
    active: true,
    token_type: "refresh_token",
    scope: record.scope,
    client_id: grant.clientId,
    sub: grant.userId ?? grant.clientId,
    iss: context.issuer,
    iat: Math.floor(record.createdAt / 1e3),
    exp: Math.floor(record.expiresAt / 1e3)
  };
}
export {
  introspectToken
};
//# sourceMappingURL=introspection.js.map
