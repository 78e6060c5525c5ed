import { errors as joseErrors, importJWK } from "jose";
import { fallbackDefaultScope } from "../../config/defaults.js";
import { OAuthError } from "../../errors/oauth-error.js";
import { jwtBearerGrantType } from "../../ports/client-metadata.js";
import { checkJsonText, metadataFields } from "./metadata-fields.js";
import { validateRedirectUri } from "./redirect-uri.js";
const supportedGrantTypes = ["authorization_code", "refresh_token", "client_credentials", jwtBearerGrantType];
const insecureGrantTypes = /* @__PURE__ */ new Set(["implicit", "password"]);
const authMethodsByProfile = {
  default: ["client_secret_basic", "client_secret_post", "none", "private_key_jwt"],
  confidential: ["client_secret_basic", "client_secret_post", "private_key_jwt"],
  "public-only": ["none"]
};
function authMethodsFor(profile) {
  return authMethodsByProfile[profile];
}
function validateClientMetadata(request, config) {
  const fields = readFields(request, config);
  requirePresentFields(fields, config);
  const redirectKinds = (fields.redirect_uris ?? []).map((uri, i) => validateRedirectUri(uri, config.maxUriLength, `redirect_uris[${i}]`));
  const authMethod = resolveAuthMethod(fields.token_endpoint_auth_method, config.profile);
  const grantTypes = resolveGrantTypes(fields.grant_types, authMethod);
  const responseTypes = resolveResponseTypes(fields.response_types, grantTypes);
  checkRedirectsFitClientType(redirectKinds, authMethod);
  checkKeySources(fields, authMethod);
  const metadata = {
    redirect_uris: [...new Set(fields.redirect_uris ?? [])],
    token_endpoint_auth_method: authMethod,
    grant_types: grantTypes,
    response_types: responseTypes,
    scope: resolveScope(fields.scope, config),
    application_type: resolveApplicationType(fields.application_type, redirectKinds)
  };
  for (const name of ["client_name", "client_uri", "logo_uri", "tos_uri", "policy_uri", "jwks_uri", "software_id", "software_version"]) {
    if (fields[name] !== void 0) metadata[name] = fields[name];
  }
  if (fields.contacts !== void 0) metadata.contacts = fields.contacts;
  if (fields.jwks !== void 0) metadata.jwks = fields.jwks;
  if (fields.require_pushed_authorization_requests !== void 0) metadata.require_pushed_authorization_requests = fields.require_pushed_authorization_requests;
  if (fields.token_endpoint_auth_signing_alg !== void 0 && authMethod === "private_key_jwt") {
    metadata.token_endpoint_auth_signing_alg = fields.token_endpoint_auth_signing_alg;
  }
  return metadata;
}
function readFields(request, config) {
  const fields = {};
  for (const [name, rule] of Object.entries(metadataFields)) {
    const value = request[name];
    if (value === void 0 || value === null) continue;
    const refuse = (why) => {
      throw new OAuthError(rule.error, `${name} ${why}`);
    };
    const maxLength = rule.maxLength(config);
    if (rule.type === "string") {
      if (typeof value !== "string") refuse("must be a string");
      checkString(value, rule, maxLength, refuse);
    } else if (rule.type === "string[]") {
      if (!Array.isArray(value)) refuse("must be an array of strings");
      const list = value;
      const maxItems = rule.maxItems?.(config) ?? 100;
      if (list.length > maxItems) refuse(`must not have more than ${maxItems} entries`);
      list.forEach((item, i) => {
        const refuseItem = (why) => refuse(`[${i}] ${why}`);
        if (typeof item !== "string") refuseItem("must be a string");
        checkString(item, rule, maxLength, refuseItem);
      });
    } else if (rule.type === "boolean") {
      if (typeof value !== "boolean") refuse("must be true or false");
    } else {
      if (typeof value !== "object" || Array.isArray(value)) refuse("must be a JSON object");
      if (JSON.stringify(value).length > maxLength) refuse(`must not be longer than ${maxLength} characters`);
      const problem = checkJsonText(value);
      if (problem) refuse(problem);
    }
    fields[name] = value;
  }
  return fields;
}
function checkString(value, rule, maxLength, refuse) {
  if (value.length > maxLength) refuse(`must not be longer than ${maxLength} characters`);
  const problem = rule.check?.(value);
  if (problem) refuse(problem);
}
function requirePresentFields(fields, config) {
  const redirectBased = fields.grant_types === void 0 || fields.grant_types.includes("authorization_code");
  if (redirectBased && (fields.redirect_uris === void 0 || fields.redirect_uris.length === 0)) {
    throw new OAuthError("invalid_redirect_uri", "redirect_uris is required and must not be empty");
  }
  if (config.profile !== "default" && fields.client_name === void 0) {
    throw new OAuthError("invalid_client_metadata", "client_name is required");
  }
}
function resolveAuthMethod(requested, profile) {
  const allowed = authMethodsByProfile[profile];
  if (requested === void 0) return allowed[0];
  if (!allowed.includes(requested)) {
    throw new OAuthError(
      "invalid_client_metadata",
      `token_endpoint_auth_method ${requested.replace(/[^\x20-\x7e]|["\\]/g, "?")} is not supported; use one of ${allowed.join(", ")}`
    );
  }
  return requested;
}
function resolveGrantTypes(requested, authMethod) {
  if (requested === void 0) return ["authorization_code", "refresh_token"];
  const insecure = requested.find((g) => insecureGrantTypes.has(g));
  if (insecure) throw new OAuthError("invalid_client_metadata", `grant_types must not include the insecure ${insecure} grant`);
  const kept = supportedGrantTypes.filter((g) => requested.includes(g));
  if (kept.includes("client_credentials") && authMethod === "none") {
    throw new OAuthError("invalid_client_metadata", "client_credentials needs a confidential client (token_endpoint_auth_method other than none)");
  }
  if (kept.includes(jwtBearerGrantType) && authMethod === "none") {
    throw new OAuthError("invalid_client_metadata", `${jwtBearerGrantType} needs a confidential client (token_endpoint_auth_method other than none)`);
  }
  if (!kept.includes("authorization_code") && !kept.includes("client_credentials") && !kept.includes(jwtBearerGrantType)) {
    throw new OAuthError("invalid_client_metadata", `grant_types must include one of authorization_code, client_credentials, ${jwtBearerGrantType}`);
  }
  return kept;
}
function resolveResponseTypes(requested, grantTypes) {
  const wantsCode = grantTypes.includes("authorization_code");
  if (requested === void 0) return wantsCode ? ["code"] : [];
  const unsupported = requested.find((r) => r !== "code");
  if (unsupported !== void 0) {
    throw new OAuthError("invalid_client_metadata", "response_types supports only code");
  }
  const hasCode = requested.length > 0;
  if (hasCode !== wantsCode) {
    throw new OAuthError(
      "invalid_client_metadata",
      wantsCode ? "grant_types includes authorization_code, so response_types must include code" : "response_types includes code, so grant_types must include authorization_code"
    );
  }
  return hasCode ? ["code"] : [];
}
function checkRedirectsFitClientType(kinds, authMethod) {
  const index = kinds.indexOf("private-use");
  if (index !== -1 && authMethod !== "none") {
    throw new OAuthError(
      "invalid_redirect_uri",
      `redirect_uris[${index}] uses a private-use scheme, which only public clients (token_endpoint_auth_method none) may register`
    );
  }
}
const privateKeyMembers = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"];
function checkKeySources(fields, authMethod) {
  if (fields.jwks !== void 0 && fields.jwks_uri !== void 0) {
    throw new OAuthError("invalid_client_metadata", "jwks and jwks_uri must not both be present");
  }
  const keys = fields.jwks?.["keys"];
  if (fields.jwks !== void 0 && (!Array.isArray(keys) || keys.some((k) => typeof k !== "object" || k === null || typeof k["kty"] !== "string"))) {
    throw new OAuthError("invalid_client_metadata", "jwks must be a JWK Set: an object with a keys array of JWKs");
  }
  if (authMethod === "private_key_jwt" && fields.jwks === void 0 && fields.jwks_uri === void 0) {
    throw new OAuthError("invalid_client_metadata", "token_endpoint_auth_method private_key_jwt needs the public keys of the client: jwks or jwks_uri");
  }
  if (authMethod === "private_key_jwt" && keys?.length === 0) {
    throw new OAuthError("invalid_client_metadata", "jwks must hold at least one public key for private_key_jwt");
  }
  keys?.forEach((key, index) => {
    if (key["kty"] === "oct") {
      throw new OAuthError("invalid_client_metadata", `jwks.keys[${index}] is a symmetric key (kty oct); a client registers public keys only`);
    }
    const member = privateKeyMembers.find((m) => m in key);
    if (member !== void 0) {
      throw new OAuthError("invalid_client_metadata", `jwks.keys[${index}] is a private key (it has a ${member} member); register the public key only`);
    }
  });
}
const requiredMembers = {
  RSA: "n and e (RFC 7518 section 6.3.1)",
  EC: "crv, x and y (RFC 7518 section 6.2.1)",
  OKP: "crv and x (RFC 8037 section 2)"
};
const encodedMembers = { RSA: ["n", "e"], EC: ["x", "y"], OKP: ["x"] };
const minRsaModulusBits = 2048;
async function validateJwks(jwks) {
  const keys = jwks?.["keys"] ?? [];
  for (const [index, key] of keys.entries()) {
    const kty = String(key["kty"]);
    const refuse = (why) => {
      throw new OAuthError("invalid_client_metadata", `jwks.keys[${index}] ${why}`);
    };
    const alg = typeof key["alg"] === "string" ? key["alg"] : importAlgorithm(key);
    if (alg === void 0 || requiredMembers[kty] === void 0) return refuse("has an unsupported kty, crv or alg");
    const invalid = `is not a valid ${kty} public key: ${requiredMembers[kty]} must be present and well-formed for its alg`;
    if (encodedMembers[kty].some((m) => typeof key[m] !== "string" || !/^[A-Za-z0-9_-]+$/.test(key[m]))) refuse(invalid);
    let imported;
    try {
      imported = await importJWK(key, alg);
    } catch (error) {
      if (error instanceof joseErrors.JOSENotSupported) return refuse("has an unsupported kty, crv or alg");
      return refuse(invalid);
    }
    const modulusLength = imported.algorithm?.modulusLength;
    if (kty === "RSA" && (modulusLength ?? 0) < minRsaModulusBits) refuse(`is an RSA key of ${modulusLength ?? 0} bits; at least ${minRsaModulusBits} bits are required`);
  }
}
function importAlgorithm(key) {
  const encryption = key["use"] === "enc";
  switch (key["kty"]) {
    case "RSA":
      return encryption ? "RSA-OAEP" : "RS256";
    case "EC":
      if (encryption) return "ECDH-ES";
      return { "P-256": "ES256", "P-384": "ES384", "P-521": "ES512" }[String(key["crv"])];
    case "OKP":
      return { Ed25519: "EdDSA", Ed448: "EdDSA", X25519: "ECDH-ES", X448: "ECDH-ES" }[String(key["crv"])];
    default:
      return void 0;
  }
}
function resolveScope(requested, config) {
  const tokens = requested?.split(" ").filter(Boolean) ?? [];
  if (tokens.length === 0) return config.defaultScope ?? fallbackDefaultScope;
  return [...new Set(tokens)].join(" ");
}
function resolveApplicationType(requested, kinds) {
  if (requested !== void 0 && requested !== "native" && requested !== "web") {
    throw new OAuthError("invalid_client_metadata", "application_type must be native or web");
  }
  if (kinds.some((k) => k !== "https")) return "native";
  return requested ?? "web";
}
export {
  authMethodsFor,
  validateClientMetadata,
  validateJwks
};
//# sourceMappingURL=validate-metadata.js.map
