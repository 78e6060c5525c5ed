import { OAuthError } from "../../errors/oauth-error.js";
import { jwtBearerGrantType } from "../../ports/client-metadata.js";
import { detectLookAlike } from "./look-alike.js";
import { applyRegistrationPolicy } from "./registration-policy.js";
import { validateJwks } from "./validate-metadata.js";
async function applyRegistrationRules(metadata, config, options) {
  if (metadata.jwks !== void 0) await validateJwks(metadata.jwks);
  const { policyName } = options;
  const policy = policyName === null ? void 0 : config.registration.policies[policyName];
  const ruled = withoutMachineGrant(
    policy ? applyRegistrationPolicy(metadata, policy, { scopeRequested: options.scopeRequested }) : metadata,
    options.vouched === true && policy?.allowClientCredentials === true
  );
  const lookAlikeOf = config.registration.flagLookAlikes ? detectLookAlike(ruled.client_name ?? "", [...ruled.redirect_uris, ...options.identityUris ?? []]) : null;
  return { metadata: ruled, policyName, policy, lookAlikeOf };
}
function withoutMachineGrant(metadata, allowed) {
  if (allowed || !metadata.grant_types.includes("client_credentials")) return metadata;
  const grantTypes = metadata.grant_types.filter((grant) => grant !== "client_credentials");
  if (!grantTypes.includes("authorization_code") && !grantTypes.includes(jwtBearerGrantType)) {
    throw new OAuthError(
      "invalid_client_metadata",
      "client_credentials (tokens without a user) is not available through open registration; ask the operator for a client, or register with an initial access token whose policy allows it"
    );
  }
  return { ...metadata, grant_types: grantTypes };
}
async function checkClientCap(ruled, clients) {
  const max = ruled.policy?.maxClients;
  if (max === void 0 || ruled.policyName === null) return;
  if (await clients.countClientsWithPolicy(ruled.policyName) >= max) {
    throw new OAuthError("invalid_client_metadata", "no more clients can be registered under this policy", {
      detail: `policy ${ruled.policyName} is at its maxClients (${max})`
    });
  }
}
export {
  applyRegistrationRules,
  checkClientCap
};
//# sourceMappingURL=registration-rules.js.map
