import { scopeTokens } from "./scope.js";
async function issueAccessToken(subject, context) {
  const iat = Math.floor(context.nowMs / 1e3);
  const claims = {
    iss: subject.issuer,
    sub: subject.sub,
    aud: subject.audience,
    client_id: subject.clientId,
    scope: subject.scope,
    jti: context.jti,
    iat,
    exp: iat + context.ttlSeconds
  };
  if (subject.authTime !== null) claims["auth_time"] = Math.floor(subject.authTime / 1e3);
  if (subject.grantId !== null) claims["gid"] = subject.grantId;
  if (subject.machine === true) claims["gty"] = "client_credentials";
  if (subject.jkt !== void 0) claims["cnf"] = { jkt: subject.jkt };
  const token = await context.signer.sign(claims, "at+jwt");
  return { token, expiresIn: context.ttlSeconds, expiresAt: (iat + context.ttlSeconds) * 1e3 };
}
function userClaims(scope, user) {
  const tokens = scopeTokens(scope);
  const claims = {};
  if (tokens.includes("profile")) {
    claims["preferred_username"] = user.username;
    if (user.name !== null) claims["name"] = user.name;
  }
  if (tokens.includes("email") && user.email !== null) claims["email"] = user.email;
  return claims;
}
async function issueIdToken(input, context) {
  const iat = Math.floor(context.nowMs / 1e3);
  const claims = {
    ...input.claims,
    iss: input.issuer,
    sub: input.sub,
    aud: input.clientId,
    iat,
    exp: iat + context.ttlSeconds,
    auth_time: Math.floor(input.authTime / 1e3)
  };
  if (input.nonce !== null) claims["nonce"] = input.nonce;
  return context.signer.sign(claims, "JWT");
}
export {
  issueAccessToken,
  issueIdToken,
  userClaims
};
//# sourceMappingURL=tokens.js.map
