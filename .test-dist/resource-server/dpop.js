import { base64url, calculateJwkThumbprint, EmbeddedJWK, errors, jwtVerify } from "jose";
import { ResourceServerError } from "./resource-server-error.js";
const dpopAlgorithms = ["ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "RS256", "RS384", "RS512", "EdDSA", "Ed25519"];
const windowSeconds = 60;
const maxProofLength = 8192;
const maxJtiLength = 256;
const privateMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
function requestUrl(resource, pathAndQuery) {
  const url = new URL(pathAndQuery, resource);
  return `${new URL(resource).origin}${url.pathname}`;
}
function createDpopChecker(clock, maxEntries = 1e4) {
  const seen = /* @__PURE__ */ new Map();
  function remember(key, until, now) {
    const known = seen.get(key);
    if (known !== void 0 && known > now) return false;
    if (seen.size >= maxEntries) {
      for (const [k, expires] of seen) if (expires <= now) seen.delete(k);
      if (seen.size >= maxEntries) seen.delete(seen.keys().next().value);
    }
    seen.set(key, until);
    return true;
  }
  return async function checkBinding(token, scheme, claims, request, needed) {
    const jkt = claims.cnf?.jkt;
    const bound = typeof jkt === "string";
    if (scheme === "Bearer") {
      if (bound) throw refused("invalid_token", "The access token is bound to a DPoP key: send it with the DPoP scheme and a proof.", needed);
      return;
    }
    if (!bound) throw refused("invalid_token", "The access token is not bound to a DPoP key: send it as a bearer token.", needed);
    const proof = singleProof(request?.proof, needed);
    if (request === void 0 || proof === void 0) throw refused("invalid_dpop_proof", "A DPoP proof is required with the DPoP scheme.", needed);
    const now = clock.now();
    const payload = await verifiedPayload(proof, now, needed);
    const { jti, htm, htu, iat, ath } = payload.claims;
    if (typeof jti !== "string" || jti === "" || jti.length > maxJtiLength) throw refused("invalid_dpop_proof", "The DPoP proof has no usable jti.", needed);
    if (htm !== request.method) throw refused("invalid_dpop_proof", "The DPoP proof is for another HTTP method.", needed);
    if (typeof htu !== "string" || normalized(htu) !== normalized(request.url)) throw refused("invalid_dpop_proof", "The DPoP proof is for another URL.", needed);
    if (typeof iat !== "number" || Math.abs(now / 1e3 - iat) > windowSeconds) throw refused("invalid_dpop_proof", "The DPoP proof is too old or from the future.", needed);
    if (ath !== await accessTokenHash(token)) throw refused("invalid_dpop_proof", "The DPoP proof is not for this access token.", needed);
    if (await calculateJwkThumbprint(payload.jwk, "sha256") !== jkt) throw refused("invalid_token", "The access token is bound to another key than the DPoP proof.", needed);
    if (!remember(`${jkt}:${jti}`, (iat + windowSeconds + 1) * 1e3, now)) throw refused("invalid_dpop_proof", "The DPoP proof was already used.", needed);
  };
}
async function accessTokenHash(token) {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(token))));
}
function singleProof(values, needed) {
  const list = (typeof values === "string" || values == null ? [values] : values).filter((value) => Boolean(value));
  if (list.length > 1 || list.some((value) => value.includes(","))) throw refused("invalid_dpop_proof", "Send exactly one DPoP header.", needed);
  return list[0];
}
async function verifiedPayload(proof, now, needed) {
  if (proof.length > maxProofLength) throw refused("invalid_dpop_proof", "The DPoP proof is too long.", needed);
  try {
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, {
      typ: "dpop+jwt",
      algorithms: dpopAlgorithms,
      requiredClaims: ["jti", "htm", "htu", "iat"],
      currentDate: new Date(now)
    });
    const jwk = protectedHeader.jwk;
    if (privateMembers.some((member) => member in jwk)) throw refused("invalid_dpop_proof", "The DPoP proof must carry a public key.", needed);
    return { claims: payload, jwk };
  } catch (error) {
    if (error instanceof ResourceServerError) throw error;
    if (error instanceof errors.JOSEError || error instanceof TypeError) {
      throw new ResourceServerError("invalid_dpop_proof", "The DPoP proof is not valid.", needed, { cause: error, scheme: "DPoP" });
    }
    throw error;
  }
}
function normalized(value) {
  const url = URL.parse(value);
  if (!url) return void 0;
  url.search = "";
  url.hash = "";
  return url.href;
}
function refused(code, description, needed) {
  return new ResourceServerError(code, description, needed, { scheme: "DPoP" });
}
function dpopChallenge(error, quotable) {
  const params = [`algs="${dpopAlgorithms.join(" ")}"`];
  if (error) params.push(`error="${error.code}"`, `error_description="${quotable(error.description)}"`);
  return `DPoP ${params.join(", ")}`;
}
export {
  createDpopChecker,
  dpopAlgorithms,
  dpopChallenge,
  requestUrl
};
//# sourceMappingURL=dpop.js.map
