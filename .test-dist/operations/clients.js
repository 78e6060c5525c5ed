import { OAuthError } from "../errors/oauth-error.js";
import { auditRegistration, secretBytes } from "../protocol/registration/registration.js";
import { validateClientMetadata } from "../protocol/registration/validate-metadata.js";
import { scopeTokens } from "../protocol/scope.js";
import { digestSecret } from "../protocol/secrets.js";
import { usesClientSecret } from "../ports/client-metadata.js";
import { auditedBy } from "./actor.js";
import { OperationError } from "./operation-error.js";
async function createClient(request, context, actor) {
  const { config, clock, random } = context;
  const metadata = refusingBadMetadata(() => {
    const checked = validateClientMetadata({ ...request }, { ...config.registration, profile: "confidential" });
    if (!usesClientSecret(checked.token_endpoint_auth_method)) {
      throw new OAuthError("invalid_client_metadata", "an operator creates clients with a secret: token_endpoint_auth_method client_secret_basic or client_secret_post");
    }
    const unknown = request.scope === void 0 ? [] : scopeTokens(request.scope).filter((scope) => !config.scopes.supported.includes(scope));
    if (unknown.length > 0) {
      throw new OAuthError("invalid_client_metadata", `scope ${unknown.join(" ")} is not supported here (supported: ${config.scopes.supported.join(" ")})`);
    }
    return checked;
  });
  const clientSecret = random.token(secretBytes);
  const now = clock.now();
  const record = {
    clientId: random.timeOrderedUuid(now),
    clientSecretDigest: digestSecret(clientSecret),
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: Math.floor(now / 1e3),
    metadata,
    registrationSource: "operator",
    updatedAt: now,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null
  };
  await context.clients.insertClient(record);
  const by = auditedBy(actor);
  auditRegistration(record, by.ip, null, context.audit, by.actor);
  return { record, clientSecret };
}
async function deleteClient(clientId, context, actor) {
  const client = await context.clients.findClient(clientId);
  if (!client || !await context.clients.deleteClient(client.clientId)) {
    throw new OperationError("not_found", `There is no client with client_id ${JSON.stringify(clientId)}.`);
  }
  context.audit.record({
    type: "client.deleted",
    clientId: client.clientId,
    ...auditedBy(actor),
    data: { client_name: client.metadata.client_name ?? null, source: client.registrationSource }
  });
  return client;
}
function refusingBadMetadata(check) {
  try {
    return check();
  } catch (error) {
    if (error instanceof OAuthError) throw new OperationError("invalid_input", error.description, { cause: error });
    throw error;
  }
}
export {
  createClient,
  deleteClient
};
//# sourceMappingURL=clients.js.map
