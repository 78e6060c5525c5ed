import { OAuthError } from "../../errors/oauth-error.js";
import { digestSecret } from "../secrets.js";
function isUsable(record, now) {
  return record.revokedAt === null && (record.expiresAt === null || record.expiresAt > now) && (record.maxUses === null || record.uses < record.maxUses);
}
function initialAccessTokenStatus(record, now) {
  if (record.revokedAt !== null) return "revoked";
  if (record.expiresAt !== null && record.expiresAt <= now) return "expired";
  return isUsable(record, now) ? "active" : "used up";
}
async function authenticateInitialAccessToken(token, context) {
  if (token === void 0) {
    if (context.config.registration.mode !== "protected") return void 0;
    throw new OAuthError("invalid_token", "registration requires an initial access token (Authorization: Bearer)", {
      tokenPresented: false
    });
  }
  const tokenDigest = digestSecret(token);
  const record = await context.store.findInitialAccessToken(tokenDigest);
  if (!record || !isUsable(record, context.clock.now())) {
    throw new OAuthError("invalid_token", "the initial access token is invalid, expired, revoked or used up", {
      detail: record ? `initial access token ${record.id} is not usable` : "unknown initial access token"
    });
  }
  return { record, tokenDigest };
}
export {
  authenticateInitialAccessToken,
  initialAccessTokenStatus,
  isUsable
};
//# sourceMappingURL=initial-access-token.js.map
