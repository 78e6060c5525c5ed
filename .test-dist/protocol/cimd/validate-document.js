import { OAuthError } from "../../errors/oauth-error.js";
import { applyRegistrationRules } from "../registration/registration-rules.js";
import { validateClientMetadata } from "../registration/validate-metadata.js";
const uriCharacters = /^[A-Za-z0-9\-._~:/?\[\]@!$&'()*+,;=%]*$/;
const dotSegment = /^(?:\.|%2e){1,2}$/i;
function isMetadataDocumentClientId(clientId) {
  return clientId.startsWith("https://");
}
function validateClientIdUrl(url, maxLength) {
  const refuse = (why) => {
    throw new OAuthError("invalid_client", `The client_id URL ${why}.`);
  };
  if (!url.startsWith("https://")) refuse("must use the https scheme");
  if (url.length > maxLength) refuse(`must not be longer than ${maxLength} characters`);
  if (url.includes("#")) refuse("must not contain a fragment");
  if (!uriCharacters.test(url) || /%(?![0-9A-Fa-f]{2})/.test(url)) refuse("contains characters that are not allowed in a URI");
  const rest = url.slice("https://".length);
  const authorityEnd = rest.search(/[/?]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  if (authority.includes("@")) refuse("must not contain user information");
  if (authority === "" || authority.startsWith(":")) refuse("has no host");
  if (authorityEnd === -1 || rest[authorityEnd] !== "/") refuse("must contain a path");
  const path = rest.slice(authorityEnd).split("?", 1)[0];
  if (path.split("/").some((segment) => dotSegment.test(segment))) refuse("must not contain . or .. path segments");
  if (!URL.canParse(url)) refuse("is not a well-formed URL");
}
function metadataDocumentRefusal(config) {
  if (!config.cimd.enabled) return "Client ID Metadata Documents are not accepted by this server.";
  if (config.registration.mode === "protected") {
    return "This server registers clients only with an initial access token, which a Client ID Metadata Document cannot present.";
  }
  if (config.registration.softwareStatement.required) {
    return "This server registers clients only with a software statement from a trusted issuer, which a Client ID Metadata Document cannot present.";
  }
  return void 0;
}
async function checkMetadataDocument(url, document, config) {
  const refusal = metadataDocumentRefusal(config);
  if (refusal !== void 0) throw new OAuthError("invalid_client", refusal);
  const metadata = validateMetadataDocument(url, document, config);
  return applyRegistrationRules(metadata, config, {
    policyName: config.registration.policy,
    scopeRequested: typeof document["scope"] === "string",
    identityUris: [url]
  });
}
const forbiddenProperties = ["client_secret", "client_secret_expires_at"];
const sharedSecretMethods = /* @__PURE__ */ new Set(["client_secret_basic", "client_secret_post", "client_secret_jwt"]);
function validateMetadataDocument(url, document, config) {
  validateClientIdUrl(url, config.registration.maxUriLength);
  if (typeof document !== "object" || document === null || Array.isArray(document)) {
    throw new OAuthError("invalid_client_metadata", "The metadata document must be a JSON object.");
  }
  const fields = document;
  if (fields["client_id"] !== url) {
    throw new OAuthError("invalid_client_metadata", "The client_id in the metadata document does not equal the URL it was fetched from.");
  }
  for (const name of forbiddenProperties) {
    if (fields[name] !== void 0) throw new OAuthError("invalid_client_metadata", `The metadata document must not contain ${name}.`);
  }
  const method = checkAuthMethod(fields["token_endpoint_auth_method"], config.registration.profile);
  if (!Array.isArray(fields["redirect_uris"]) || fields["redirect_uris"].length === 0) {
    throw new OAuthError("invalid_redirect_uri", "The metadata document must list redirect_uris.");
  }
  const { software_statement: _statement, ...request } = fields;
  return validateClientMetadata(
    { ...request, token_endpoint_auth_method: method },
    // The `default` profile is the one that accepts both methods; the limits stay the configured ones.
    { ...config.registration, profile: "default" }
  );
}
function checkAuthMethod(method, profile) {
  if (method === void 0 || method === null || method === "none") return "none";
  if (typeof method !== "string") throw new OAuthError("invalid_client_metadata", "token_endpoint_auth_method must be a string.");
  if (sharedSecretMethods.has(method)) {
    throw new OAuthError("invalid_client_metadata", "A metadata document must not use a shared-secret token_endpoint_auth_method; use none or private_key_jwt.");
  }
  if (method !== "private_key_jwt") throw new OAuthError("invalid_client_metadata", "token_endpoint_auth_method is not supported; use none or private_key_jwt.");
  if (profile === "public-only") {
    throw new OAuthError("invalid_client_metadata", "token_endpoint_auth_method private_key_jwt is not accepted by this server, which takes public clients only; use none.");
  }
  return method;
}
export {
  checkMetadataDocument,
  isMetadataDocumentClientId,
  metadataDocumentRefusal,
  validateClientIdUrl,
  validateMetadataDocument
};
//# sourceMappingURL=validate-document.js.map
