const errorCodes = {
  invalid_request: { status: 400, wire: "invalid_request", description: "The request is malformed." },
  invalid_redirect_uri: {
    status: 400,
    wire: "invalid_redirect_uri",
    description: "The value of one or more redirection URIs is invalid."
  },
  invalid_client_metadata: {
    status: 400,
    wire: "invalid_client_metadata",
    description: "The value of one of the client metadata fields is invalid."
  },
  invalid_software_statement: {
    status: 400,
    wire: "invalid_software_statement",
    description: "The software statement presented is invalid."
  },
  unapproved_software_statement: {
    status: 400,
    wire: "unapproved_software_statement",
    description: "The software statement presented is not approved for use by this authorization server."
  },
  invalid_client: {
    status: 401,
    wire: "invalid_client",
    description: "Client authentication failed."
  },
  invalid_grant: {
    status: 400,
    wire: "invalid_grant",
    description: "The authorization grant or refresh token is invalid, expired, revoked or was issued to another client."
  },
  unauthorized_client: {
    status: 400,
    wire: "unauthorized_client",
    description: "The client is not allowed to use this grant type."
  },
  unsupported_grant_type: {
    status: 400,
    wire: "unsupported_grant_type",
    description: "The grant type is not supported."
  },
  introspection_not_allowed: { status: 403, wire: "unauthorized_client", description: "This client may not introspect tokens." },
  invalid_scope: { status: 400, wire: "invalid_scope", description: "The requested scope is invalid or exceeds what was granted." },
  invalid_target: { status: 400, wire: "invalid_target", description: "The requested resource is invalid or not allowed." },
  insufficient_scope: { status: 403, wire: "insufficient_scope", description: "The token does not carry the scope this request needs." },
  unsupported_response_type: {
    status: 400,
    wire: "unsupported_response_type",
    description: "The response type is not supported; use code."
  },
  access_denied: { status: 400, wire: "access_denied", description: "The user or the server denied the request." },
  login_required: { status: 400, wire: "login_required", description: "The user must sign in." },
  consent_required: { status: 400, wire: "consent_required", description: "The user must consent." },
  invalid_dpop_proof: { status: 400, wire: "invalid_dpop_proof", description: "The DPoP proof is invalid." },
  use_dpop_nonce: { status: 400, wire: "use_dpop_nonce", description: "The DPoP proof must carry the nonce of the DPoP-Nonce header." },
  /** A DPoP proof refused at a protected resource (`/userinfo`): 401 with a `DPoP` challenge, not 400. */
  invalid_resource_dpop_proof: { status: 401, wire: "invalid_dpop_proof", description: "The DPoP proof is invalid." },
  invalid_token: { status: 401, wire: "invalid_token", description: "The access token is missing, invalid or expired." },
  not_found: { status: 404, wire: "not_found", description: "There is nothing at this address." },
  method_not_allowed: { status: 405, wire: "invalid_request", description: "The method is not allowed here." },
  payload_too_large: { status: 413, wire: "invalid_request", description: "The request body is too large." },
  unsupported_media_type: {
    status: 415,
    wire: "invalid_request",
    description: "The request body must be sent as application/json."
  },
  rate_limited: { status: 429, wire: "rate_limited", description: "Too many requests." },
  server_error: { status: 500, wire: "server_error", description: "The server encountered an unexpected error." },
  temporarily_unavailable: {
    status: 503,
    wire: "temporarily_unavailable",
    description: "The server is temporarily unable to handle the request."
  }
};
export {
  errorCodes
};
//# sourceMappingURL=codes.js.map
