import { createRemoteJWKSet, errors, jwtVerify } from "jose";
import { presentedToken } from "./bearer-token.js";
import { createDpopChecker, dpopAlgorithms, dpopChallenge } from "./dpop.js";
import { toResponse } from "./http-reply.js";
import { createIntrospector } from "./introspection.js";
import { ResourceServerError, statusOf } from "./resource-server-error.js";
const algorithms = ["ES256", "RS256", "EdDSA"];
const invalidTokenErrors = /* @__PURE__ */ new Set([
  "ERR_JWT_CLAIM_VALIDATION_FAILED",
  "ERR_JWT_EXPIRED",
  "ERR_JWT_INVALID",
  "ERR_JWS_INVALID",
  "ERR_JWS_SIGNATURE_VERIFICATION_FAILED",
  "ERR_JOSE_ALG_NOT_ALLOWED",
  "ERR_JOSE_NOT_SUPPORTED",
  "ERR_JWKS_NO_MATCHING_KEY",
  "ERR_JWKS_MULTIPLE_MATCHING_KEYS"
]);
function createResourceServer(options) {
  const { issuer, resource } = options;
  const resourceUrl = new URL(resource);
  if (resourceUrl.hash || resource.includes("#")) throw new TypeError("The resource identifier must not have a fragment (RFC 8707 \xA72).");
  const requiredScopes = options.requiredScopes ?? [];
  const clock = options.clock ?? { now: () => Date.now() };
  const jwks = options.keys ?? createRemoteJWKSet(new URL(options.jwksUri ?? `${issuer.replace(/\/+$/, "")}/jwks.json`));
  const introspect = options.introspection ? createIntrospector(options.introspection, clock) : void 0;
  const checkBinding = createDpopChecker(clock);
  const path = resourceUrl.pathname.replace(/\/+$/, "");
  const metadataPath = `/.well-known/oauth-protected-resource${path}`;
  const metadataUrl = `${resourceUrl.origin}${metadataPath}${resourceUrl.search}`;
  async function verifyAccessToken(input, callOptions = {}) {
    const needed = callOptions.requiredScopes ?? requiredScopes;
    const presented = presentedToken(input, needed, { bare: true });
    const token = presented?.token;
    if (token === void 0) throw new ResourceServerError("missing_token", "A bearer access token is required.", needed);
    let claims;
    try {
      const result = await jwtVerify(token, jwks, {
        issuer,
        audience: resource,
        typ: "at+jwt",
        algorithms,
        requiredClaims: ["sub", "client_id", "jti", "iat", "exp"],
        currentDate: new Date(clock.now())
      });
      claims = result.payload;
    } catch (error) {
      throw joseRefusal(error, needed);
    }
    await checkBinding(token, presented.scheme, claims, callOptions.dpop, needed);
    if (!options.acceptMachineTokens && isMachineToken(claims)) {
      throw new ResourceServerError("invalid_token", "This resource accepts only tokens issued for a user.", needed);
    }
    const granted = new Set(typeof claims.scope === "string" ? claims.scope.split(" ") : []);
    const missing = needed.filter((scope) => !granted.has(scope));
    if (missing.length > 0) {
      throw new ResourceServerError("insufficient_scope", `The access token lacks the scope ${missing.join(" ")}.`, needed);
    }
    if (introspect && !await introspect(token, claims)) {
      throw new ResourceServerError("invalid_token", "The access token was revoked.", needed);
    }
    return claims;
  }
  function challenge(error) {
    const status = statusOf[error.code];
    if (status === 503) return { status, headers: { "Retry-After": "5" } };
    const params = [["resource_metadata", metadataUrl]];
    if (error.code !== "missing_token") params.push(["error", error.code], ["error_description", error.description]);
    if (error.scopes.length > 0) params.push(["scope", error.scopes.join(" ")]);
    if (error.scheme === "DPoP") {
      const bearer = params.filter(([k]) => k !== "error" && k !== "error_description");
      const challenges = `Bearer ${bearer.map(([k, v]) => `${k}="${quotable(v)}"`).join(", ")}, ${dpopChallenge(error, quotable)}`;
      return { status, headers: { "WWW-Authenticate": challenges } };
    }
    return { status, headers: { "WWW-Authenticate": `Bearer ${params.map(([k, v]) => `${k}="${quotable(v)}"`).join(", ")}` } };
  }
  const protectedResourceMetadata = () => ({
    resource,
    authorization_servers: [issuer],
    scopes_supported: [...options.scopesSupported ?? requiredScopes],
    bearer_methods_supported: ["header"],
    // RFC 9728 §2: DPoP-bound tokens are accepted, with proofs signed by one of these.
    dpop_signing_alg_values_supported: [...dpopAlgorithms],
    ...options.resourceName === void 0 ? {} : { resource_name: options.resourceName }
  });
  function refusal(error) {
    const { status, headers } = challenge(error);
    const body = JSON.stringify({ error: error.code === "missing_token" ? "invalid_token" : error.code, error_description: error.description });
    return { status, headers: { ...headers, "Content-Type": "application/json", "Cache-Control": "no-store" }, body };
  }
  function metadataReply() {
    const headers = { "Content-Type": "application/json", "Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=3600" };
    return { status: 200, headers, body: JSON.stringify(protectedResourceMetadata()) };
  }
  return {
    resource,
    requiredScopes,
    verifyAccessToken,
    protectedResourceMetadata,
    metadataPath,
    metadataUrl,
    challenge,
    refusal,
    challengeResponse: (error) => toResponse(refusal(error)),
    metadataReply,
    metadataResponse: () => toResponse(metadataReply())
  };
}
function joseRefusal(error, needed) {
  if (error instanceof errors.JOSEError && invalidTokenErrors.has(error.code)) {
    const description = error instanceof errors.JWTExpired ? "The access token expired." : error instanceof errors.JWTClaimValidationFailed && error.claim === "aud" ? "The access token is not for this resource." : "The access token is not valid.";
    return new ResourceServerError("invalid_token", description, needed, { cause: error });
  }
  return new ResourceServerError("temporarily_unavailable", "The access token could not be checked; try again.", needed, { cause: error });
}
function quotable(value) {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "");
}
function isMachineToken(claims) {
  return claims.gty === "client_credentials" || typeof claims.auth_time !== "number";
}
export {
  createResourceServer,
  isMachineToken
};
//# sourceMappingURL=create-resource-server.js.map
