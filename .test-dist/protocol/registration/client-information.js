const responseOrder = [
  "client_name",
  "redirect_uris",
  "grant_types",
  "response_types",
  "scope",
  "token_endpoint_auth_method",
  "token_endpoint_auth_signing_alg",
  "application_type",
  "client_uri",
  "logo_uri",
  "tos_uri",
  "policy_uri",
  "jwks_uri",
  "jwks",
  "contacts",
  "software_id",
  "software_version",
  "software_statement",
  "require_pushed_authorization_requests"
];
function clientInformation(record, credentials) {
  const response = { client_id: record.clientId };
  if (credentials.clientSecret !== void 0) response["client_secret"] = credentials.clientSecret;
  response["client_id_issued_at"] = record.clientIdIssuedAt;
  if (record.clientSecretDigest !== null) response["client_secret_expires_at"] = record.clientSecretExpiresAt;
  for (const name of responseOrder) {
    if (record.metadata[name] !== void 0) response[name] = record.metadata[name];
  }
  response["registration_access_token"] = credentials.registrationAccessToken;
  response["registration_client_uri"] = credentials.registrationClientUri;
  return response;
}
export {
  clientInformation
};
//# sourceMappingURL=client-information.js.map
