import { decodeJwt, errors as joseErrors, jwtVerify } from "jose";
import { OAuthError } from "../errors/oauth-error.js";
const jwtBearerAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";
const assertionSigningAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
const assertionClockSkewSeconds = 30;
const maxAssertionLifetimeSeconds = 300;
const maxJtiLength = 256;
function assertionSubject(assertion) {
  try {
    const { sub } = decodeJwt(assertion);
    return typeof sub === "string" && sub !== "" ? sub : void 0;
  } catch {
    return void 0;
  }
}
async function verifyClientAssertion(assertion, client, context) {
  const { clientId } = client;
  const registeredAlg = client.metadata.token_endpoint_auth_signing_alg;
  const algorithms = registeredAlg === void 0 ? [...assertionSigningAlgorithms] : [registeredAlg];
  const audiences = /* @__PURE__ */ new Set([context.issuer, `${context.issuer}/token`, context.endpointUrl]);
  const options = {
    algorithms,
    issuer: clientId,
    subject: clientId,
    audience: [...audiences],
    requiredClaims: ["exp", "jti"],
    clockTolerance: assertionClockSkewSeconds,
    currentDate: new Date(context.nowMs)
  };
  const verify = async (refresh) => verifyWithKeySet(assertion, await context.clientKeys.keysFor(client, { refresh }), options);
  let payload;
  try {
    payload = (await verify(false)).payload;
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSNoMatchingKey) || client.metadata.jwks_uri === void 0) throw refusal(error, algorithms);
    try {
      payload = (await verify(true)).payload;
    } catch (retried) {
      throw refusal(retried, algorithms);
    }
  }
  const nowSeconds = context.nowMs / 1e3;
  const aud = payload.aud;
  if (Array.isArray(aud) && aud.some((value) => !audiences.has(value))) {
    throw new OAuthError("invalid_client", "the client assertion aud must name only this server (its issuer)");
  }
  if (payload.exp > nowSeconds + maxAssertionLifetimeSeconds + assertionClockSkewSeconds) {
    throw new OAuthError("invalid_client", `the client assertion must expire within ${maxAssertionLifetimeSeconds} seconds`);
  }
  if (payload.iat !== void 0 && payload.iat > nowSeconds + assertionClockSkewSeconds) {
    throw new OAuthError("invalid_client", "the client assertion iat is in the future");
  }
  const jti = payload.jti;
  if (jti.length > maxJtiLength || !jti.isWellFormed() || new RegExp("\\p{Cc}", "u").test(jti)) {
    throw new OAuthError("invalid_client", `the client assertion jti must be at most ${maxJtiLength} characters of text`);
  }
  const expiresAtMs = (payload.exp + assertionClockSkewSeconds) * 1e3;
  if (!await context.replays.useOnce(`assertion:${clientId}:${jti}`, expiresAtMs, context.nowMs)) {
    throw new OAuthError("invalid_client", "the client assertion was already used (its jti is single-use)");
  }
}
async function verifyWithKeySet(assertion, keys, options) {
  try {
    return await jwtVerify(assertion, keys, options);
  } catch (error) {
    if (!(error instanceof joseErrors.JWKSMultipleMatchingKeys)) throw error;
    let last = error;
    for await (const key of error) {
      try {
        return await jwtVerify(assertion, key, options);
      } catch (failed) {
        last = failed;
        if (!(failed instanceof joseErrors.JWSSignatureVerificationFailed)) break;
      }
    }
    throw last;
  }
}
function refusal(error, algorithms) {
  if (error instanceof OAuthError) return error;
  const describe = (description) => new OAuthError("invalid_client", description, { cause: error });
  if (error instanceof joseErrors.JWTExpired) return describe("the client assertion has expired");
  if (error instanceof joseErrors.JWTClaimValidationFailed) {
    switch (error.claim) {
      case "iss":
      case "sub":
        return describe(`the client assertion ${error.claim} must be the client_id`);
      case "aud":
        return describe("the client assertion aud must be this server's issuer or token endpoint");
      case "nbf":
        return describe("the client assertion is not valid yet (nbf)");
      default:
        return describe(`the client assertion claim ${error.claim} is missing or invalid`);
    }
  }
  if (error instanceof joseErrors.JOSEAlgNotAllowed) return describe(`the client assertion must be signed with ${algorithms.join(", ")}`);
  if (error instanceof joseErrors.JWKSNoMatchingKey || error instanceof joseErrors.JWSSignatureVerificationFailed) {
    return describe("the client assertion is not signed by a key the client registered");
  }
  if (error instanceof joseErrors.JOSEError) return describe("the client assertion is not a valid signed JWT");
  return describe("the client assertion could not be verified");
}
export {
  assertionClockSkewSeconds,
  assertionSigningAlgorithms,
  assertionSubject,
  jwtBearerAssertionType,
  maxAssertionLifetimeSeconds,
  verifyClientAssertion
};
//# sourceMappingURL=client-assertion.js.map
