import { InvalidArgumentError, Option } from "commander";
import { OAuthError } from "../errors/oauth-error.js";
import { cliActor } from "../operations/actor.js";
import { createClient } from "../operations/clients.js";
import { OperationError } from "../operations/operation-error.js";
import { CliFailure, reportRefusals } from "./command-support.js";
import { withOperatorPorts } from "./operation-support.js";
import { storageOptions } from "./config-flags.js";
import { isoTime, jsonOutput, printable } from "./output.js";
const grantTypes = ["client_credentials", "authorization_code", "refresh_token"];
function registerClientCreateCommand(clients, context) {
  context.withConfigFlags(
    clients.command("create").description("create a client with a secret (shown once): a machine client (client_credentials) or a resource server that introspects"),
    // The metadata limits and default scope of dynamic registration; the profile is always `confidential` here.
    [...storageOptions, "scopes", "registration.defaultScope", "registration.maxRedirectUris", "registration.maxUriLength", "registration.maxStringLength", "registration.maxClientNameLength", "registration.maxContacts"]
  ).requiredOption("--name <name>", "the client name (client_name)").option("--grant <grant>", `a grant type, repeatable: ${grantTypes.join(", ")} (default: authorization_code and refresh_token)`, collectGrant, []).option("--scope <scope>", 'the scopes it may get, space-separated, e.g. "mcp:tools" (default: registration.defaultScope)').option("--redirect-uri <uri>", "a redirect URI, repeatable; needed for authorization_code, none for a machine client", collect, []).addOption(new Option("--auth-method <method>", "how it authenticates at the token endpoint").choices(["client_secret_basic", "client_secret_post"]).default("client_secret_basic")).option("--json", "print JSON instead of sentences").addHelpText("after", '\nExample: latchkey clients create --name "Billing robot" --grant client_credentials --scope mcp:tools\nExit status: 0 created, 2 bad usage or metadata.').action(
    (flags) => reportRefusals(async () => {
      const config = context.configFrom(flags);
      const grants = flags["grant"];
      const redirectUris = flags["redirectUri"];
      const request = {
        client_name: flags["name"],
        token_endpoint_auth_method: flags["authMethod"],
        ...grants.length > 0 ? { grant_types: grants } : {},
        ...redirectUris.length > 0 ? { redirect_uris: redirectUris } : {},
        ...typeof flags["scope"] === "string" ? { scope: flags["scope"] } : {}
      };
      const created = await withOperatorPorts(config, (ports) => createClient(request, ports, cliActor));
      process.stdout.write(flags["json"] ? jsonOutput(createdJson(created)) : createdText(created));
    }, (error) => metadataRefusal(error, flags))
  );
}
function createdJson({ record, clientSecret }) {
  const m = record.metadata;
  return {
    client_id: record.clientId,
    client_secret: clientSecret,
    client_name: m.client_name ?? null,
    grant_types: m.grant_types,
    redirect_uris: m.redirect_uris,
    scope: m.scope,
    token_endpoint_auth_method: m.token_endpoint_auth_method,
    created_at: isoTime(record.clientIdIssuedAt * 1e3)
  };
}
function createdText({ record, clientSecret }) {
  const m = record.metadata;
  return `Client ${printable(record.clientId)} (${printable(m.client_name ?? "")}) created: ${m.grant_types.join(", ")}; scope ${printable(m.scope) || "(none)"}; ${m.token_endpoint_auth_method}.
The secret is shown only now (only its digest is stored):

client_id:     ${record.clientId}
client_secret: ${clientSecret}
`;
}
function metadataRefusal(error, flags) {
  if (!(error instanceof OperationError)) return void 0;
  const hint = error.cause instanceof OAuthError && error.cause.code === "invalid_redirect_uri" && flags["redirectUri"].length === 0 ? " (add --redirect-uri, or --grant client_credentials for a machine client)" : "";
  return new CliFailure(`${error.message}${hint}`, 2);
}
function collect(value, previous) {
  return [...previous, value];
}
function collectGrant(value, previous) {
  if (!grantTypes.includes(value)) throw new InvalidArgumentError(`expected one of ${grantTypes.join(", ")}`);
  return [...previous, value];
}
export {
  registerClientCreateCommand
};
//# sourceMappingURL=clients-create.js.map
