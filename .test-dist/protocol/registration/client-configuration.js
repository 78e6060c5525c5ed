import { decodeJwt } from "jose";
import { OAuthError } from "../../errors/oauth-error.js";
import { digestSecret, secretMatches } from "../secrets.js";
import { clientInformation } from "./client-information.js";
import { usesClientSecret } from "../../ports/client-metadata.js";
import { checkMetadata, secretBytes } from "./registration.js";
const serverManagedFields = ["registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"];
async function authenticateConfigurationRequest(clientId, token, context) {
  if (token === void 0) {
    throw new OAuthError("invalid_token", "a registration access token is required", { tokenPresented: false });
  }
  const record = await context.clients.findClient(clientId);
  if (!record || !secretMatches(token, record.registrationAccessTokenDigest)) {
    throw new OAuthError("invalid_token", "the registration access token is not valid for this client");
  }
  return record;
}
async function readClient(clientId, token, context, clientUri) {
  const record = await authenticateConfigurationRequest(clientId, token, context);
  return clientInformation(record, { registrationAccessToken: token, registrationClientUri: clientUri });
}
async function updateClient(clientId, token, request, context, clientUri) {
  const record = await authenticateConfigurationRequest(clientId, token, context);
  const forbidden = serverManagedFields.find((name) => name in request);
  if (forbidden) throw new OAuthError("invalid_request", `${forbidden} must not be included in an update request`);
  if (request["client_id"] !== clientId) {
    throw new OAuthError("invalid_request", "client_id must be present and equal to the client being updated");
  }
  const presentedSecret = request["client_secret"];
  if (presentedSecret !== void 0 && (typeof presentedSecret !== "string" || !secretMatches(presentedSecret, record.clientSecretDigest))) {
    throw new OAuthError("invalid_client_metadata", "client_secret does not match the current client secret");
  }
  const registeredIssuer = requireStatementAgain(record, request);
  const { metadata, lookAlikeOf, statementIssuer } = await checkMetadata(
    request,
    context,
    record.policy,
    record.registrationSource === "iat" || record.registrationSource === "operator"
  );
  if (registeredIssuer !== void 0 && statementIssuer !== registeredIssuer) {
    throw new OAuthError("unapproved_software_statement", "the software statement must come from the issuer this client registered with", {
      detail: `registered with a statement of ${registeredIssuer}, updated with one of ${statementIssuer}`
    });
  }
  let clientSecret;
  let clientSecretDigest = record.clientSecretDigest;
  if (!usesClientSecret(metadata.token_endpoint_auth_method)) clientSecretDigest = null;
  else if (clientSecretDigest === null) {
    clientSecret = context.random.token(secretBytes);
    clientSecretDigest = digestSecret(clientSecret);
  }
  const registrationAccessToken = context.random.token(secretBytes);
  const updated = {
    ...record,
    clientSecretDigest,
    registrationAccessTokenDigest: digestSecret(registrationAccessToken),
    metadata,
    lookAlikeOf,
    updatedAt: context.clock.now()
  };
  if (!await context.clients.updateClient(updated, record.registrationAccessTokenDigest)) {
    throw new OAuthError("invalid_token", "the registration access token is not valid for this client");
  }
  context.audit.record({
    type: "client.updated",
    clientId,
    data: { client_name: metadata.client_name ?? null, redirect_uris: metadata.redirect_uris.length, look_alike_of: lookAlikeOf }
  });
  return clientInformation(updated, { clientSecret, registrationAccessToken, registrationClientUri: clientUri });
}
function requireStatementAgain(record, request) {
  if (record.registrationSource !== "software_statement") return void 0;
  if (request["software_statement"] === void 0) {
    throw new OAuthError(
      "invalid_software_statement",
      "this client registered with a software statement; an update must include a valid software statement from the same issuer (RFC 7592 section 2.2)"
    );
  }
  const stored = record.metadata.software_statement;
  try {
    const iss = stored === void 0 ? void 0 : decodeJwt(stored).iss;
    return typeof iss === "string" ? iss : void 0;
  } catch {
    return void 0;
  }
}
async function deleteClient(clientId, token, context) {
  await authenticateConfigurationRequest(clientId, token, context);
  if (!await context.clients.deleteClient(clientId)) {
    throw new OAuthError("invalid_token", "the registration access token is not valid for this client");
  }
  context.audit.record({ type: "client.deleted", clientId, actor: "client" });
}
export {
  authenticateConfigurationRequest,
  deleteClient,
  readClient,
  serverManagedFields,
  updateClient
};
//# sourceMappingURL=client-configuration.js.map
