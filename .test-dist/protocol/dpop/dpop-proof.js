import { createHash } from "node:crypto";
import { calculateJwkThumbprint, decodeProtectedHeader, errors, importJWK, jwtVerify } from "jose";
import { OAuthError } from "../../errors/oauth-error.js";
const dpopSigningAlgorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA", "Ed25519"];
const dpopProofWindowSeconds = 60;
const maxProofLength = 8192;
const maxJtiLength = 256;
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
function singleDpopProof(values) {
  const list = values === void 0 ? [] : typeof values === "string" ? [values] : values;
  if (list.length > 1 || list.some((value) => value.includes(","))) throw new OAuthError("invalid_dpop_proof", "send exactly one DPoP header");
  return list[0];
}
async function verifyDpopProof(proof, request, context) {
  if (proof.length > maxProofLength) throw invalid("the DPoP proof is too long");
  const now = context.clock.now();
  let payload;
  let jwk;
  let jkt;
  try {
    const header = decodeProtectedHeader(proof);
    if (header.typ !== "dpop+jwt") throw invalid("the DPoP proof must have typ dpop+jwt");
    jwk = header.jwk;
    if (typeof jwk !== "object" || jwk === null || privateMembers.some((member) => member in jwk)) {
      throw invalid("the DPoP proof must carry a public key in its jwk header");
    }
    if (typeof header.alg !== "string" || !dpopSigningAlgorithms.includes(header.alg)) {
      throw invalid("the DPoP proof must be signed with an asymmetric algorithm");
    }
    jkt = await calculateJwkThumbprint(jwk, "sha256");
    const key = await proofKey(jwk, jkt, header.alg);
    const verified = await jwtVerify(proof, key, {
      typ: "dpop+jwt",
      algorithms: [...dpopSigningAlgorithms],
      requiredClaims: ["jti", "htm", "htu", "iat"],
      currentDate: new Date(now)
    });
    payload = verified.payload;
  } catch (error) {
    if (error instanceof OAuthError) throw error;
    if (error instanceof errors.JOSEError || error instanceof TypeError) throw invalid("the DPoP proof is not a valid signed JWT", error);
    throw error;
  }
  const { jti, htm, htu, iat, ath, nonce } = payload;
  if (typeof jti !== "string" || jti === "" || jti.length > maxJtiLength) throw invalid("the DPoP proof has no usable jti");
  if (htm !== request.method) throw invalid("the DPoP proof is for another HTTP method (htm)");
  if (typeof htu !== "string" || !sameTarget(htu, request.url)) throw invalid("the DPoP proof is for another URL (htu)");
  if (typeof iat !== "number" || Math.abs(now / 1e3 - iat) > dpopProofWindowSeconds) throw invalid("the DPoP proof is too old or from the future (iat)");
  if (request.accessToken !== void 0) {
    if (ath !== accessTokenHash(request.accessToken)) throw invalid("the DPoP proof is not for this access token (ath)");
  }
  if (context.nonces && (typeof nonce !== "string" || !context.nonces.accepts(nonce, now))) {
    throw new OAuthError("use_dpop_nonce", "the DPoP proof must carry the nonce of the DPoP-Nonce header");
  }
  const keptUntil = (iat + dpopProofWindowSeconds + 1) * 1e3;
  if (!await context.replays.useOnce(`dpop:${jkt}:${jti}`, keptUntil, now)) throw invalid("the DPoP proof was already used (jti)");
  return { jkt };
}
const proofKeys = /* @__PURE__ */ new Map();
const maxProofKeys = 1e3;
async function proofKey(jwk, jkt, alg) {
  const cacheKey = `${alg}:${jkt}`;
  const cached = proofKeys.get(cacheKey);
  if (cached) return cached;
  const key = await importJWK({ ...jwk, alg }, alg);
  if (key instanceof Uint8Array || key.type !== "public") throw invalid("the DPoP proof must carry a public key in its jwk header");
  if (proofKeys.size >= maxProofKeys) proofKeys.delete(proofKeys.keys().next().value);
  proofKeys.set(cacheKey, key);
  return key;
}
function accessTokenHash(accessToken) {
  return createHash("sha256").update(accessToken).digest("base64url");
}
function sameTarget(htu, url) {
  const normalized = (value) => {
    const parsed = URL.parse(value);
    if (!parsed) return void 0;
    parsed.search = "";
    parsed.hash = "";
    return parsed.href;
  };
  const expected = normalized(url);
  return expected !== void 0 && normalized(htu) === expected;
}
function invalid(description, cause) {
  return new OAuthError("invalid_dpop_proof", description, cause === void 0 ? {} : { cause });
}
export {
  accessTokenHash,
  dpopProofWindowSeconds,
  dpopSigningAlgorithms,
  singleDpopProof,
  verifyDpopProof
};
//# sourceMappingURL=dpop-proof.js.map
