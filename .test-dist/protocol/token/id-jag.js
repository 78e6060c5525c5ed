import { decodeJwt, decodeProtectedHeader, errors, jwtVerify } from "jose";
import { OAuthError } from "../../errors/oauth-error.js";
const idJagType = "oauth-id-jag+jwt";
const idJagProfile = "urn:ietf:params:oauth:grant-profile:id-jag";
const allowedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
const clockToleranceSeconds = 30;
const maxAssertionLifetimeSeconds = 600;
async function verifyIdJag(assertion, context) {
  const refuse = (description, detail, cause) => {
    throw new OAuthError("invalid_grant", description, { ...detail === void 0 ? {} : { detail }, ...cause === void 0 ? {} : { cause } });
  };
  const { typ, alg, iss } = unverifiedParts(assertion) ?? refuse("the assertion is not a signed JWT");
  if (typeof typ !== "string" || typ.toLowerCase().replace(/^application\//, "") !== idJagType) {
    refuse(`the assertion is not an identity assertion grant (typ must be ${idJagType})`, `typ ${JSON.stringify(typ ?? null)}`);
  }
  if (typeof alg !== "string" || !allowedAlgorithms.includes(alg)) refuse("the assertion must be signed with an asymmetric algorithm", `alg ${JSON.stringify(alg ?? null)}`);
  const provider = typeof iss === "string" ? context.providers.find((p) => p.issuer === iss) : void 0;
  const keys = provider && context.keysFor(provider.id);
  if (!provider || !keys) return refuse("assertions from this issuer are not accepted", `untrusted ID-JAG issuer ${JSON.stringify(iss ?? null)}`);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keys, {
      issuer: provider.issuer,
      audience: context.issuer,
      algorithms: allowedAlgorithms,
      currentDate: new Date(context.nowMs),
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ["sub", "exp", "iat", "jti"]
    }));
  } catch (cause) {
    return refuse(reasonFor(cause), `ID-JAG of ${provider.id}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`, cause);
  }
  const { sub, jti, exp, iat } = payload;
  const clientId = payload["client_id"];
  if (typeof sub !== "string" || sub === "" || sub.length > 255) refuse("the assertion must have a sub claim (at most 255 characters)");
  if (typeof jti !== "string" || jti === "" || jti.length > 255) refuse("the assertion must have a jti claim (at most 255 characters)");
  if (typeof clientId !== "string" || clientId === "") refuse("the assertion must have a client_id claim");
  if (typeof exp !== "number" || typeof iat !== "number") return refuse("the assertion must have numeric exp and iat claims");
  if (iat > context.nowMs / 1e3 + clockToleranceSeconds) refuse("the assertion was issued in the future (iat)", `iat ${iat}`);
  if (exp - iat > maxAssertionLifetimeSeconds) {
    refuse(`the assertion lives too long (at most ${maxAssertionLifetimeSeconds} seconds from iat to exp)`, `exp - iat = ${exp - iat}`);
  }
  return { provider, claims: payload };
}
function unverifiedParts(assertion) {
  if (assertion.length > 16384) return void 0;
  try {
    const header = decodeProtectedHeader(assertion);
    return { typ: header.typ, alg: header.alg, iss: decodeJwt(assertion).iss };
  } catch {
    return void 0;
  }
}
function reasonFor(cause) {
  if (cause instanceof errors.JWTExpired) return "the assertion has expired";
  if (cause instanceof errors.JWTClaimValidationFailed) {
    if (cause.claim === "aud") return "the assertion is for another audience (aud must be this issuer)";
    return `the assertion's ${cause.claim} claim is not valid`;
  }
  if (cause instanceof errors.JWSSignatureVerificationFailed || cause instanceof errors.JWKSNoMatchingKey || cause instanceof errors.JWKSMultipleMatchingKeys) {
    return "the assertion's signature does not verify with the issuer's keys";
  }
  if (cause instanceof errors.JOSEAlgNotAllowed) return "the assertion must be signed with an asymmetric algorithm";
  if (cause instanceof errors.JWKSTimeout || cause instanceof errors.JWKSInvalid || cause instanceof TypeError) {
    return "the issuer's keys could not be fetched; try again later";
  }
  return "the assertion is not valid";
}
export {
  idJagProfile,
  idJagType,
  maxAssertionLifetimeSeconds,
  verifyIdJag
};
//# sourceMappingURL=id-jag.js.map
