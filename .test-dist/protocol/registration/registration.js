import { OAuthError } from "../../errors/oauth-error.js";
import { InitialAccessTokenUnusableError } from "../../ports/initial-access-tokens.js";
import { digestSecret } from "../secrets.js";
import { clientInformation } from "./client-information.js";
import { usesClientSecret } from "../../ports/client-metadata.js";
import { authenticateInitialAccessToken } from "./initial-access-token.js";
import { redirectHosts } from "../../ports/redirect-host.js";
import { applyRegistrationRules, checkClientCap } from "./registration-rules.js";
import { applySoftwareStatement, verifySoftwareStatement } from "./software-statement.js";
import { validateClientMetadata } from "./validate-metadata.js";
const secretBytes = 32;
async function registerClient(request, context, endpointUrl) {
  const { config, clients, clock, random } = context;
  const iat = await authenticateInitialAccessToken(request.initialAccessToken, {
    store: context.initialAccessTokens,
    config,
    clock
  });
  const checked = await checkMetadata(request.body, context, iat?.record.policy ?? null, iat !== void 0);
  await checkClientCap(checked, clients);
  const { metadata } = checked;
  const now = clock.now();
  const clientId = random.timeOrderedUuid(now);
  const clientSecret = usesClientSecret(metadata.token_endpoint_auth_method) ? random.token(secretBytes) : void 0;
  const registrationAccessToken = random.token(secretBytes);
  const source = iat ? "iat" : checked.statementIssuer ? "software_statement" : "dynamic";
  const record = {
    clientId,
    clientSecretDigest: clientSecret === void 0 ? null : digestSecret(clientSecret),
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: digestSecret(registrationAccessToken),
    clientIdIssuedAt: Math.floor(now / 1e3),
    metadata,
    registrationSource: source,
    updatedAt: now,
    policy: checked.policyName,
    lookAlikeOf: checked.lookAlikeOf,
    initialAccessTokenId: iat?.record.id ?? null,
    lastUsedAt: null
  };
  try {
    await clients.insertClient(record, iat && { tokenDigest: iat.tokenDigest, now });
  } catch (error) {
    if (!(error instanceof InitialAccessTokenUnusableError)) throw error;
    throw new OAuthError("invalid_token", "the initial access token is invalid, expired, revoked or used up", { cause: error });
  }
  auditRegistration(record, request.ip, checked.statementIssuer, context.audit);
  return {
    clientId,
    response: clientInformation(record, {
      clientSecret,
      registrationAccessToken,
      registrationClientUri: clientConfigurationUri(endpointUrl, clientId)
    })
  };
}
async function checkMetadata(body, context, assignedPolicy, assignedByOperator) {
  const { config } = context;
  const { softwareStatement } = config.registration;
  let merged = body;
  let statementIssuer;
  const statement = body["software_statement"];
  if (statement !== void 0) {
    if (typeof statement !== "string") throw new OAuthError("invalid_software_statement", "software_statement must be a JWT string");
    const verified = await verifySoftwareStatement(statement, {
      keysFor: context.statementKeys,
      issuers: softwareStatement.issuers,
      clock: context.clock,
      audiences: statementAudiences(config)
    });
    statementIssuer = verified.issuer;
    merged = applySoftwareStatement(body, verified.claims);
  } else if (softwareStatement.required) {
    throw new OAuthError("invalid_software_statement", "a software_statement from a trusted issuer is required to register");
  }
  const ruled = await applyRegistrationRules(validateClientMetadata(merged, config.registration), config, {
    policyName: assignedPolicy ?? statementIssuer?.policy ?? config.registration.policy,
    scopeRequested: typeof merged["scope"] === "string",
    vouched: assignedByOperator || statementIssuer !== void 0
  });
  const metadata = typeof statement === "string" ? { ...ruled.metadata, software_statement: statement } : ruled.metadata;
  return { ...ruled, metadata, statementIssuer: statementIssuer?.issuer ?? null };
}
function auditRegistration(record, ip, statementIssuer, audit, actor = null) {
  const { clientId, metadata } = record;
  audit.record({
    type: "client.registered",
    clientId,
    actor,
    ip,
    data: {
      source: record.registrationSource,
      client_name: metadata.client_name ?? null,
      redirect_hosts: redirectHosts(metadata.redirect_uris),
      token_endpoint_auth_method: metadata.token_endpoint_auth_method,
      policy: record.policy,
      software_id: metadata.software_id ?? null,
      software_statement_issuer: statementIssuer,
      // The use of an initial access token is this event (one per registration, not a second one): the
      // registration path is the hot one, and each event is a log line and a row.
      iat_id: record.initialAccessTokenId
    }
  });
  if (record.lookAlikeOf !== null) {
    audit.record({ type: "client.flagged", clientId, ip, data: { look_alike_of: record.lookAlikeOf, client_name: metadata.client_name ?? null } });
  }
}
function statementAudiences(config) {
  return [config.issuer, ...[config.registration.path, ...config.registration.aliases].map((path) => `${config.issuer}${path}`)];
}
function clientConfigurationUri(endpointUrl, clientId) {
  return `${endpointUrl}/${encodeURIComponent(clientId)}`;
}
export {
  auditRegistration,
  checkMetadata,
  clientConfigurationUri,
  registerClient,
  secretBytes
};
//# sourceMappingURL=registration.js.map
