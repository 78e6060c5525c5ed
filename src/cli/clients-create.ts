import { InvalidArgumentError, Option, type Command } from 'commander';
import type { ConfigCli } from './config-cli.js';
import { OAuthError } from '../errors/oauth-error.js';
import { cliActor } from '../operations/actor.js';
import { createClient, type OperatorClient, type OperatorClientRequest } from '../operations/clients.js';
import { OperationError } from '../operations/operation-error.js';
import { CliFailure, reportRefusals } from './command-support.js';
import { withOperatorPorts } from './operation-support.js';
import { storageOptions } from './config-flags.js';
import { isoTime, jsonOutput, printable } from './output.js';

const grantTypes = ['client_credentials', 'authorization_code', 'refresh_token'] as const;

/**
 * `latchkey clients create`: an operator creates a confidential client, the way to one that may use
 * `client_credentials` (a machine client, for resources with `machineClients`) and introspect tokens (a resource
 * server). Its secret is printed once; only its digest is stored. Recorded as `client.registered` by `cli`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 */
export function registerClientCreateCommand(clients: Command, context: ConfigCli): void {
  context
    .withConfigFlags(
      clients
        .command('create')
        .description('create a client with a secret (shown once): a machine client (client_credentials) or a resource server that introspects'),
      // The metadata limits and default scope of dynamic registration; the profile is always `confidential` here.
      [...storageOptions, 'scopes', 'registration.defaultScope', 'registration.maxRedirectUris', 'registration.maxUriLength', 'registration.maxStringLength', 'registration.maxClientNameLength', 'registration.maxContacts'],
    )
    .requiredOption('--name <name>', 'the client name (client_name)')
    .option('--grant <grant>', `a grant type, repeatable: ${grantTypes.join(', ')} (default: authorization_code and refresh_token)`, collectGrant, [])
    .option('--scope <scope>', 'the scopes it may get, space-separated, e.g. "mcp:tools" (default: registration.defaultScope)')
    .option('--redirect-uri <uri>', 'a redirect URI, repeatable; needed for authorization_code, none for a machine client', collect, [])
    .addOption(new Option('--auth-method <method>', 'how it authenticates at the token endpoint').choices(['client_secret_basic', 'client_secret_post']).default('client_secret_basic'))
    .option('--json', 'print JSON instead of sentences')
    .addHelpText('after', '\nExample: latchkey clients create --name "Billing robot" --grant client_credentials --scope mcp:tools\nExit status: 0 created, 2 bad usage or metadata.')
    .action((flags: Record<string, unknown>) =>
      reportRefusals(async () => {
        const config = context.configFrom(flags);
        const grants = flags['grant'] as string[];
        const redirectUris = flags['redirectUri'] as string[];
        const request: OperatorClientRequest = {
          client_name: flags['name'] as string,
          token_endpoint_auth_method: flags['authMethod'] as string,
          ...(grants.length > 0 ? { grant_types: grants } : {}),
          ...(redirectUris.length > 0 ? { redirect_uris: redirectUris } : {}),
          ...(typeof flags['scope'] === 'string' ? { scope: flags['scope'] } : {}),
        };
        const created = await withOperatorPorts(config, (ports) => createClient(request, ports, cliActor));
        process.stdout.write(flags['json'] ? jsonOutput(createdJson(created)) : createdText(created));
      }, (error) => metadataRefusal(error, flags)),
    );
}

/** The client as `--json` prints it: RFC 7591 names, with the secret this once. */
function createdJson({ record, clientSecret }: OperatorClient) {
  const m = record.metadata;
  return {
    client_id: record.clientId,
    client_secret: clientSecret,
    client_name: m.client_name ?? null,
    grant_types: m.grant_types,
    redirect_uris: m.redirect_uris,
    scope: m.scope,
    token_endpoint_auth_method: m.token_endpoint_auth_method,
    created_at: isoTime(record.clientIdIssuedAt * 1000),
  };
}

function createdText({ record, clientSecret }: OperatorClient): string {
  const m = record.metadata;
  return (
    `Client ${printable(record.clientId)} (${printable(m.client_name ?? '')}) created: ${m.grant_types.join(', ')}; scope ${printable(m.scope) || '(none)'}; ${m.token_endpoint_auth_method}.\n` +
    `The secret is shown only now (only its digest is stored):\n\n` +
    `client_id:     ${record.clientId}\nclient_secret: ${clientSecret}\n`
  );
}

/** Metadata the operator can correct is a usage error (2), with what to do when a redirect URI is missing. */
function metadataRefusal(error: unknown, flags: Record<string, unknown>): CliFailure | undefined {
  if (!(error instanceof OperationError)) return undefined;
  const hint =
    error.cause instanceof OAuthError && error.cause.code === 'invalid_redirect_uri' && (flags['redirectUri'] as string[]).length === 0
      ? ' (add --redirect-uri, or --grant client_credentials for a machine client)'
      : '';
  return new CliFailure(`${error.message}${hint}`, 2);
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function collectGrant(value: string, previous: string[]): string[] {
  if (!(grantTypes as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${grantTypes.join(', ')}`);
  return [...previous, value];
}
