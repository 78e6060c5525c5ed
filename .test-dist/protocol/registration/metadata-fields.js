import { assertionSigningAlgorithms } from "../client-assertion.js";
const unsafeText = /[\p{Cc}\p{Cf}\p{Co}\p{Zl}\p{Zp}]/u;
function checkDisplayText(value) {
  if (value.trim() === "") return "must not be blank";
  if (!value.isWellFormed()) return "must be well-formed Unicode";
  if (unsafeText.test(value)) return "must not contain control, formatting or bidirectional-override characters";
  return void 0;
}
function checkHttpsUrl(value) {
  if (!/^https:\/\/[^/?#@\\\s]+(?:[/?#]|$)/i.test(value) || !URL.canParse(value)) {
    return "must be an absolute https URL without user information";
  }
  if (!value.isWellFormed() || /[\s\\<>"^`{|}\p{Cc}\p{Cf}]/u.test(value)) {
    return "must not contain spaces, control or formatting characters or backslashes";
  }
  return void 0;
}
function checkJsonText(value) {
  const unsafe = (text) => !text.isWellFormed() || new RegExp("\\p{Cc}", "u").test(text);
  const walk = (node) => {
    if (typeof node === "string") return unsafe(node);
    if (typeof node !== "object" || node === null) return false;
    return Object.entries(node).some(([name, child]) => unsafe(name) || walk(child));
  };
  return walk(value) ? "must not contain control characters or ill-formed Unicode" : void 0;
}
function checkScope(value) {
  return /^ *$|^[\x21\x23-\x5B\x5D-\x7E]+( +[\x21\x23-\x5B\x5D-\x7E]+)* *$/.test(value.trimStart()) ? void 0 : "must be space-separated scope tokens of printable ASCII without quotes or backslashes";
}
function checkAssertionAlgorithm(value) {
  return assertionSigningAlgorithms.includes(value) ? void 0 : `must be one of ${assertionSigningAlgorithms.join(", ")}`;
}
function checkIdentifier(value) {
  if (value === "") return "must not be empty";
  return checkDisplayText(value);
}
const metadataFields = {
  redirect_uris: {
    type: "string[]",
    error: "invalid_redirect_uri",
    maxLength: (l) => l.maxUriLength,
    maxItems: (l) => l.maxRedirectUris
  },
  client_name: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxClientNameLength, check: checkDisplayText },
  client_uri: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  logo_uri: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  tos_uri: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  policy_uri: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  jwks_uri: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxUriLength, check: checkHttpsUrl },
  jwks: { type: "object", error: "invalid_client_metadata", maxLength: (l) => l.maxStringLength * 16 },
  grant_types: { type: "string[]", error: "invalid_client_metadata", maxLength: (l) => l.maxStringLength, maxItems: () => 20 },
  response_types: { type: "string[]", error: "invalid_client_metadata", maxLength: (l) => l.maxStringLength, maxItems: () => 20 },
  token_endpoint_auth_method: { type: "string", error: "invalid_client_metadata", maxLength: () => 64 },
  token_endpoint_auth_signing_alg: { type: "string", error: "invalid_client_metadata", maxLength: () => 16, check: checkAssertionAlgorithm },
  scope: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxStringLength, check: checkScope },
  contacts: {
    type: "string[]",
    error: "invalid_client_metadata",
    maxLength: () => 320,
    maxItems: (l) => l.maxContacts,
    check: checkIdentifier
  },
  software_id: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxStringLength, check: checkIdentifier },
  software_version: { type: "string", error: "invalid_client_metadata", maxLength: (l) => l.maxStringLength, check: checkIdentifier },
  software_statement: { type: "string", error: "invalid_software_statement", maxLength: () => 16384 },
  application_type: { type: "string", error: "invalid_client_metadata", maxLength: () => 16 },
  /** RFC 9126 §6: the client's authorization requests must be pushed; `/authorize` refuses any other. */
  require_pushed_authorization_requests: { type: "boolean", error: "invalid_client_metadata", maxLength: () => "false".length }
};
export {
  checkDisplayText,
  checkHttpsUrl,
  checkJsonText,
  checkScope,
  metadataFields
};
//# sourceMappingURL=metadata-fields.js.map
