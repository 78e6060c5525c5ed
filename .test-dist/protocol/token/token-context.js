import { noUsageTracking } from "../../cleanup/client-usage.js";
import { noAudit } from "../../ports/audit-trail.js";
import { digestSecret } from "../secrets.js";
import { scopeTokens } from "../scope.js";
import { issueAccessToken, issueIdToken, userClaims } from "../tokens.js";
function mintRefreshToken(grantId, scope, context) {
  const value = context.random.token(32);
  const now = context.clock.now();
  return {
    value,
    record: { tokenDigest: digestSecret(value), grantId, scope, createdAt: now, expiresAt: now + context.config.tokens.refreshTokenTtlSeconds * 1e3 }
  };
}
async function tokenResponse(grant, client, scope, context, extras) {
  const { config, clock, signer } = context;
  const nowMs = clock.now();
  const access = await issueAccessToken(
    {
      issuer: config.issuer,
      sub: grant.userId ?? client.clientId,
      clientId: client.clientId,
      scope,
      audience: grant.resource ?? config.issuer,
      authTime: grant.authTime,
      // A grant without a user (client credentials) is not stored: nothing could be found under its id.
      grantId: grant.userId === null ? null : grant.id,
      machine: grant.userId === null,
      jkt: context.dpop?.jkt
    },
    { signer, nowMs, ttlSeconds: config.tokens.accessTokenTtlSeconds, jti: context.random.token(16) }
  );
  const tokenType = context.dpop ? "DPoP" : "Bearer";
  const response = { access_token: access.token, token_type: tokenType, expires_in: access.expiresIn, scope };
  if (extras.refreshToken !== void 0) response.refresh_token = extras.refreshToken;
  if (extras.withIdToken && grant.userId !== null && scopeTokens(scope).includes("openid")) {
    const user = await context.users.findUserById(grant.userId);
    if (user) {
      response.id_token = await issueIdToken(
        {
          issuer: config.issuer,
          sub: user.id,
          clientId: client.clientId,
          nonce: extras.nonce ?? null,
          authTime: grant.authTime ?? nowMs,
          claims: userClaims(scope, user)
        },
        { signer, nowMs, ttlSeconds: config.tokens.idTokenTtlSeconds }
      );
    }
  }
  recordIssue(extras.grantType, grant, client, scope, context);
  return response;
}
function recordIssue(grantType, grant, client, scope, context) {
  (context.usage ?? noUsageTracking).clientUsed(client.clientId);
  (context.audit ?? noAudit).record({
    type: "token.issued",
    clientId: client.clientId,
    userId: grant.userId,
    ip: context.ip ?? null,
    data: { grant_type: grantType, scope, grant_id: grant.id }
  });
}
function recordGrantRevoked(grant, reason, context) {
  (context.audit ?? noAudit).record({
    type: "grant.revoked",
    clientId: grant.clientId,
    userId: grant.userId,
    ip: context.ip ?? null,
    data: { grant_id: grant.grantId, reason }
  });
}
export {
  mintRefreshToken,
  recordGrantRevoked,
  tokenResponse
};
//# sourceMappingURL=token-context.js.map
