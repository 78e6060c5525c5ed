import { dpopSigningAlgorithms } from "./dpop/dpop-proof.js";
import { metadataDocumentRefusal } from "./cimd/validate-document.js";
import { assertionSigningAlgorithms } from "./client-assertion.js";
import { authMethodsFor } from "./registration/validate-metadata.js";
import { jwtBearerGrantType } from "../ports/client-metadata.js";
import { idJagProfile } from "./token/id-jag.js";
function serverMetadata(config) {
  const authMethods = authMethodsFor(config.registration.profile);
  const grantTypes = ["authorization_code", "refresh_token"];
  if (authMethods.some((m) => m !== "none")) grantTypes.push("client_credentials");
  const idJag = config.identity.enterpriseProviders.length > 0 && authMethods.some((m) => m !== "none");
  if (idJag) grantTypes.push(jwtBearerGrantType);
  return {
    issuer: config.issuer,
    authorization_endpoint: `${config.issuer}/authorize`,
    token_endpoint: `${config.issuer}/token`,
    revocation_endpoint: `${config.issuer}/revoke`,
    introspection_endpoint: `${config.issuer}/introspect`,
    userinfo_endpoint: `${config.issuer}/userinfo`,
    jwks_uri: `${config.issuer}/jwks.json`,
    registration_endpoint: `${config.issuer}${config.registration.path}`,
    // RFC 9126 §5: pushed authorization requests, required of every client or only of those that registered so.
    pushed_authorization_request_endpoint: `${config.issuer}/par`,
    require_pushed_authorization_requests: config.authorize.requirePushedRequests,
    scopes_supported: config.scopes.supported,
    response_types_supported: ["code"],
    grant_types_supported: grantTypes,
    token_endpoint_auth_methods_supported: [...authMethods],
    revocation_endpoint_auth_methods_supported: [...authMethods],
    introspection_endpoint_auth_methods_supported: authMethods.filter((m) => m !== "none"),
    // RFC 8414 §2: the JWS algorithms of private_key_jwt assertions, wherever that method is taken.
    ...authMethods.includes("private_key_jwt") ? Object.fromEntries(
      ["token", "revocation", "introspection"].map((endpoint) => [`${endpoint}_endpoint_auth_signing_alg_values_supported`, [...assertionSigningAlgorithms]])
    ) : {},
    code_challenge_methods_supported: ["S256"],
    // OpenID Connect Discovery §3: REQUIRED; without them clients assume RS256 ID tokens and refuse ours.
    id_token_signing_alg_values_supported: [config.keys.algorithm],
    subject_types_supported: ["public"],
    authorization_response_iss_parameter_supported: true,
    resource_indicators_supported: true,
    // RFC 9449 §5.1: DPoP proofs are checked at /token, and DPoP-bound tokens taken at /userinfo (protocol/dpop/).
    dpop_signing_alg_values_supported: [...dpopSigningAlgorithms],
    prompt_values_supported: ["none", "login", "consent"],
    // draft-ietf-oauth-client-id-metadata-document §6: https client_id URLs are fetched (protocol/cimd/), unless
    // disabled or registration is protected (no initial access token or statement can come with a document).
    ...metadataDocumentRefusal(config) === void 0 ? { client_id_metadata_document_supported: true } : {},
    // draft-ietf-oauth-identity-assertion-authz-grant §7.2, as the MCP extension discovers it.
    ...idJag ? { authorization_grant_profiles_supported: [idJagProfile] } : {}
  };
}
function metadataPaths(issuer) {
  const path = new URL(issuer).pathname.replace(/\/+$/, "");
  const paths = [`/.well-known/oauth-authorization-server${path}`, `/.well-known/openid-configuration${path}`];
  if (path) paths.push(`${path}/.well-known/openid-configuration`, `${path}/.well-known/oauth-authorization-server`);
  return paths;
}
export {
  metadataPaths,
  serverMetadata
};
//# sourceMappingURL=server-metadata.js.map
