import { decodeJwt, errors, jwtVerify } from "jose";
import { OAuthError } from "../../errors/oauth-error.js";
const allowedAlgorithms = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "Ed25519"];
const clockToleranceSeconds = 30;
const statementOnlyClaims = /* @__PURE__ */ new Set(["iss", "sub", "aud", "exp", "nbf", "iat", "jti", "software_statement"]);
async function verifySoftwareStatement(statement, context) {
  const iss = unverifiedIssuer(statement);
  const issuer = typeof iss === "string" ? context.issuers.find((entry) => entry.issuer === iss) : void 0;
  const keys = issuer && context.keysFor(issuer.issuer);
  if (!issuer || !keys) {
    throw new OAuthError("unapproved_software_statement", "software statements from this issuer are not accepted", {
      detail: `untrusted software statement issuer ${JSON.stringify(iss ?? null)}`
    });
  }
  let payload;
  try {
    ({ payload } = await jwtVerify(statement, keys, {
      issuer: issuer.issuer,
      algorithms: allowedAlgorithms,
      currentDate: new Date(context.clock.now()),
      clockTolerance: clockToleranceSeconds,
      requiredClaims: ["exp"]
    }));
  } catch (cause) {
    throw new OAuthError("invalid_software_statement", reasonFor(cause), {
      cause,
      detail: `software statement of ${issuer.issuer}: ${cause instanceof Error ? `${cause.name}: ${cause.message}` : String(cause)}`
    });
  }
  checkIssuedAtAndAudience(payload, context, issuer.issuer);
  const claims = Object.fromEntries(Object.entries(payload).filter(([name]) => !statementOnlyClaims.has(name)));
  return { issuer, claims };
}
function checkIssuedAtAndAudience(payload, context, issuer) {
  const refuse = (description, detail) => {
    throw new OAuthError("invalid_software_statement", description, { detail: `software statement of ${issuer}: ${detail}` });
  };
  const iat = payload["iat"];
  if (typeof iat === "number" && iat > context.clock.now() / 1e3 + clockToleranceSeconds) {
    refuse("the software statement's iat claim is in the future", `iat ${iat} is after now plus ${clockToleranceSeconds} s`);
  }
  const aud = payload["aud"];
  if (aud === void 0) return;
  const named = (Array.isArray(aud) ? aud : [aud]).filter((value) => typeof value === "string");
  if (!named.some((value) => context.audiences.includes(value))) {
    refuse(`the software statement's aud claim does not name this server (${context.audiences[0] ?? "its issuer"})`, `aud ${JSON.stringify(aud)}`);
  }
}
function applySoftwareStatement(request, claims) {
  return { ...request, ...claims };
}
function unverifiedIssuer(statement) {
  try {
    return decodeJwt(statement).iss;
  } catch (cause) {
    throw new OAuthError("invalid_software_statement", "the software statement is not a JWT in JWS compact serialization", {
      cause,
      detail: cause instanceof Error ? cause.message : String(cause)
    });
  }
}
function reasonFor(error) {
  if (error instanceof errors.JWTExpired) return "the software statement has expired";
  if (error instanceof errors.JWTClaimValidationFailed && error.claim === "exp" && error.reason === "missing") {
    return "the software statement must have an exp claim: statements without an expiry are not accepted";
  }
  if (error instanceof errors.JWTClaimValidationFailed) return `the software statement's ${error.claim} claim is not valid (${error.reason})`;
  if (error instanceof errors.JOSEAlgNotAllowed) return `the software statement must be signed with an asymmetric algorithm (${allowedAlgorithms.join(", ")})`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return "the software statement's signature does not verify with its issuer's keys";
  if (error instanceof errors.JWKSNoMatchingKey) return "the software statement is signed with a key that its issuer's key set does not contain";
  if (error instanceof errors.JWSInvalid || error instanceof errors.JWTInvalid) return "the software statement is not a well-formed signed JWT";
  if (error instanceof errors.JOSENotSupported) return "the software statement uses an unsupported algorithm or key type";
  if (error instanceof errors.JWKSTimeout) return "the software statement could not be verified: its issuer's keys could not be fetched in time";
  return "the software statement could not be verified: its issuer's keys could not be obtained";
}
export {
  applySoftwareStatement,
  verifySoftwareStatement
};
//# sourceMappingURL=software-statement.js.map
