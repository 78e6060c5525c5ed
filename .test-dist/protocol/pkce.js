import { createHash, timingSafeEqual } from "node:crypto";
import { OAuthError } from "../errors/oauth-error.js";
const verifierSyntax = /^[A-Za-z0-9\-._~]{43,128}$/;
const s256ChallengeSyntax = /^[A-Za-z0-9_-]{43}$/;
function validateCodeChallenge(challenge, method) {
  if (challenge === void 0) throw new OAuthError("invalid_request", "code_challenge is required (PKCE with S256)");
  if (method !== "S256") throw new OAuthError("invalid_request", "code_challenge_method must be S256");
  if (!s256ChallengeSyntax.test(challenge)) throw new OAuthError("invalid_request", "code_challenge is not a base64url S256 value");
  return challenge;
}
function verifierMatches(verifier, challenge) {
  if (!verifierSyntax.test(verifier)) return false;
  const expected = Buffer.from(challenge, "utf8");
  const actual = Buffer.from(createHash("sha256").update(verifier, "ascii").digest("base64url"), "utf8");
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}
export {
  validateCodeChallenge,
  verifierMatches
};
//# sourceMappingURL=pkce.js.map
