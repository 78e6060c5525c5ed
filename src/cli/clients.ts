import { InvalidArgumentError, type Command } from 'commander';
import type { ConfigCli } from './config-cli.js';
import { cliActor } from '../operations/actor.js';
import { deleteClient } from '../operations/clients.js';
import { OperationError } from '../operations/operation-error.js';
import type { ClientListFilter, ClientRecord, ClientStore, RegistrationSource } from '../ports/clients.js';
import type { GrantSummary } from '../ports/grants.js';
import { commandContext } from '../compose.js';
import { formatTable, isoTime, jsonOutput, printable, readableTime, truncate } from './output.js';
import { CliFailure, positiveInteger, reportRefusals, withStorage } from './command-support.js';
import { confirmOnTerminal, requireConfirmable } from './confirm.js';
import { withOperatorPorts, type OperatorPorts } from './operation-support.js';
import { createProgress } from './progress.js';
import { registerClientCreateCommand } from './clients-create.js';

const sources: readonly RegistrationSource[] = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'];
/** The most rows one `listClients` call may return (its contract). */
const pageSize = 500;
/** `clients list` counts the matches of a search up to this many, then says "more than" (no full scan to count). */
const countedUpTo = 10_000;
/** How many of a client's grants `clients show` lists, newest first. */
const grantsShown = 100;
/** From this many clients, `clients delete` draws a progress bar on a terminal. */
const progressFrom = 10;

/**
 * `latchkey clients list|show|create|delete`: what agents have registered, one client in detail with its grants,
 * creating a client as the operator ({@link registerClientCreateCommand}), and deleting clients (their grants,
 * refresh tokens and codes go with them). Secrets and digests are never shown, but a new client's secret, once.
 */
export function registerClientCommands(program: Command, context: ConfigCli): void {
  const clients = program
    .command('clients')
    .description('list, inspect, create and delete clients')
    .addHelpText('after', '\nExit status: 0 done, 1 an unknown client (the others were still handled), 2 bad usage or input.');

  context
    .withConfigFlags(clients.command('list').description('list registered clients, newest first'))
    .option('--search <text>', 'text anywhere in the name, client_id or a redirect host (case-insensitive)')
    .option('--source <source>', `only clients registered this way: ${sources.join(', ')}`, registrationSource)
    .option('--flagged', 'only clients flagged as look-alikes of a well-known agent')
    .option('--unused', 'only clients that were never used')
    .option('--limit <n>', 'show at most this many clients', positiveInteger, 100)
    .option('--json', 'print a JSON array instead of a table')
    .action((flags: Record<string, unknown>) =>
      reportRefusals(() => withStorage(context.configFrom(flags), async (storage) => {
        const filter: ClientListFilter = {
          ...(typeof flags['search'] === 'string' ? { search: flags['search'] } : {}),
          ...(flags['source'] ? { source: flags['source'] as RegistrationSource } : {}),
          ...(flags['flagged'] ? { flagged: true } : {}),
          ...(flags['unused'] ? { usage: { kind: 'never' as const } } : {}),
        };
        const { clients: listed, more } = await listUpTo(storage.clients, filter, flags['limit'] as number);
        if (flags['json']) write(jsonOutput(listed.map(summaryJson)));
        else write(listed.length > 0 ? clientsTable(listed) : Object.keys(filter).length > 0 ? 'No clients match.\n' : 'No clients registered.\n');
        if (more) {
          const total = await storage.clients.countClientsUpTo(filter, countedUpTo);
          const of = `${total.more ? 'more than ' : total.partial ? 'at least ' : ''}${total.count}`;
          process.stderr.write(`Showing the newest ${listed.length} of ${of} matching clients; raise --limit to see more.\n`);
        }
      })),
    );

  context
    .withConfigFlags(clients.command('show').description("show a client's metadata, registration and grants (never its secrets)"))
    .argument('<client_id>')
    .option('--json', 'print JSON instead of text')
    .action((clientId: string, flags: Record<string, unknown>) =>
      reportRefusals(() => withStorage(context.configFrom(flags), async (storage) => {
        const client = await storage.clients.findClient(clientId);
        if (!client) throw new CliFailure(`There is no client with client_id ${JSON.stringify(printable(clientId))}.`, 1);
        const grants = await storage.grants.listClientGrants(clientId, commandContext.clock.now(), grantsShown);
        write(flags['json'] ? jsonOutput({ ...detailJson(client), grants: grants.map(grantJson) }) : clientText(client, grants));
      })),
    );

  registerClientCreateCommand(clients, context);

  context
    .withConfigFlags(clients.command('delete').description('delete clients: their grants, refresh tokens and codes stop working at once'))
    .argument('<client_id...>', 'one or more client ids')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .option('--json', 'print JSON instead of sentences')
    .action((ids: string[], flags: Record<string, unknown>) =>
      reportRefusals(async () => {
        const config = context.configFrom(flags);
        const unique = [...new Set(ids)];
        requireConfirmable(flags, 'No terminal to confirm the deletion: add --yes to delete without asking.');
        await withOperatorPorts(config, async (ports) => {
          const found: ClientRecord[] = [];
          const unknown: string[] = [];
          for (const id of unique) {
            const client = await ports.clients.findClient(id);
            if (client) found.push(client);
            else unknown.push(id);
          }
          if (found.length > 0 && flags['yes'] !== true) await confirm(found);
          const { deleted, gone } = await deleteClients(ports, found);
          unknown.push(...gone);
          if (flags['json']) write(jsonOutput({ deleted, unknown }));
          else for (const client of found.filter((c) => deleted.includes(c.clientId))) write(`Deleted client ${printable(client.clientId)} (${displayName(client)}).\n`);
          for (const id of unknown) process.stderr.write(`latchkey: there is no client with client_id ${JSON.stringify(printable(id))}\n`);
          if (unknown.length > 0) process.exitCode = 1;
        });
      }),
    );
}

/** The first `limit` clients matching `filter`, page after page (keyset), and whether more may follow. */
async function listUpTo(store: ClientStore, filter: ClientListFilter, limit: number): Promise<{ clients: ClientRecord[]; more: boolean }> {
  const found: ClientRecord[] = [];
  let after: string | undefined;
  while (found.length < limit) {
    const page = await store.listClients({ ...filter, limit: Math.min(pageSize, limit - found.length), ...(after === undefined ? {} : { after }) });
    found.push(...page.clients);
    if (page.next === null) return { clients: found, more: false };
    after = page.next;
  }
  return { clients: found, more: true };
}

/**
 * Deletes each client ({@link deleteClient}, recorded as `client.deleted` by `cli`); `gone` are those deleted
 * meanwhile by someone else. Progress goes to stderr on a terminal when there are many.
 */
async function deleteClients(ports: OperatorPorts, clients: ClientRecord[]): Promise<{ deleted: string[]; gone: string[] }> {
  const progress = clients.length >= progressFrom ? createProgress(process.stderr, { label: 'Deleting clients', total: clients.length }) : undefined;
  const deleted: string[] = [];
  const gone: string[] = [];
  try {
    for (const [i, client] of clients.entries()) {
      try {
        await deleteClient(client.clientId, ports, cliActor);
        deleted.push(client.clientId);
      } catch (error) {
        if (!(error instanceof OperationError && error.code === 'not_found')) throw error;
        gone.push(client.clientId);
      }
      progress?.update(i + 1);
    }
  } finally {
    progress?.done();
  }
  return { deleted, gone };
}

/** Asks on the terminal, listing the first ten clients; anything but yes cancels. */
function confirm(clients: ClientRecord[]): Promise<void> {
  const listed = clients.slice(0, 10).map((c) => `  ${printable(c.clientId)}  ${displayName(c)}\n`).join('');
  const others = clients.length > 10 ? `  … and ${clients.length - 10} more\n` : '';
  return confirmOnTerminal(
    `${listed}${others}`,
    `Delete ${count(clients.length)}? Their grants and refresh tokens stop working at once.`,
    'Cancelled: nothing was deleted.',
  );
}

function clientsTable(clients: ClientRecord[]): string {
  return formatTable(
    ['CLIENT_ID', 'NAME', 'SOURCE', 'REDIRECT HOSTS', 'REGISTERED', 'LAST USED', 'FLAG'],
    clients.map((c) => [
      printable(c.clientId),
      truncate(displayName(c), 40),
      c.registrationSource,
      truncate(redirectHosts(c).join(','), 40),
      readableTime(c.clientIdIssuedAt * 1000),
      readableTime(c.lastUsedAt),
      c.lookAlikeOf === null ? '' : `look-alike of ${printable(c.lookAlikeOf)}`,
    ]),
  );
}

function clientText(client: ClientRecord, grants: GrantSummary[]): string {
  const m = client.metadata;
  const secret = client.clientSecretDigest === null
    ? 'none (public client)'
    : `yes, ${client.clientSecretExpiresAt === 0 ? 'never expires' : `expires ${readableTime(client.clientSecretExpiresAt * 1000)}`}`;
  const fields: [string, string | undefined][] = [
    ['client_id', client.clientId],
    ['name', m.client_name],
    ['source', client.registrationSource],
    ['policy', client.policy ?? undefined],
    ['flag', client.lookAlikeOf === null ? undefined : `look-alike of ${client.lookAlikeOf}`],
    ['registered', readableTime(client.clientIdIssuedAt * 1000)],
    ['updated', readableTime(client.updatedAt)],
    ['last used', readableTime(client.lastUsedAt)],
    ['initial access token', client.initialAccessTokenId ?? undefined],
    ['client secret', secret],
    ['auth method', m.token_endpoint_auth_method],
    ['grant types', m.grant_types.join(' ')],
    ['scope', m.scope || undefined],
    ['application type', m.application_type],
    ...m.redirect_uris.map((uri): [string, string] => ['redirect uri', uri]),
    ['client uri', m.client_uri],
    ['logo uri', m.logo_uri],
    ['tos uri', m.tos_uri],
    ['policy uri', m.policy_uri],
    ['jwks uri', m.jwks_uri],
    ['contacts', m.contacts?.join(', ')],
    ['software', m.software_id === undefined ? undefined : `${m.software_id}${m.software_version ? ` ${m.software_version}` : ''}`],
    ['software statement', m.software_statement === undefined ? undefined : 'yes (see --json)'],
  ];
  const shown = fields.filter((f): f is [string, string] => f[1] !== undefined);
  const width = Math.max(...shown.map(([label]) => label.length));
  const lines = shown.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${printable(value)}`).join('\n');
  const grantList =
    grants.length === 0
      ? 'No grants.\n'
      : formatTable(
          ['GRANT', 'USER', 'SCOPE', 'CREATED', 'LAST REFRESH', 'STATUS'],
          grants.map((g) => [g.id, g.username ?? '(client credentials)', printable(g.scope) || '-', readableTime(g.createdAt), readableTime(g.lastRefreshedAt), grantStatus(g)]),
        );
  const heading = grants.length === grantsShown ? `Grants (the newest ${grantsShown}):` : 'Grants:';
  return `${lines}\n\n${heading}\n${grantList}`;
}

function grantStatus(grant: GrantSummary): string {
  if (grant.revokedAt !== null) return `revoked ${readableTime(grant.revokedAt)}`;
  return grant.refreshable ? 'active' : 'no live refresh token';
}

/** A client as `clients list --json` prints it. */
function summaryJson(client: ClientRecord) {
  return {
    clientId: client.clientId,
    clientName: client.metadata.client_name ?? null,
    source: client.registrationSource,
    redirectUris: client.metadata.redirect_uris,
    registeredAt: isoTime(client.clientIdIssuedAt * 1000),
    lastUsedAt: client.lastUsedAt === null ? null : isoTime(client.lastUsedAt),
    lookAlikeOf: client.lookAlikeOf,
    policy: client.policy,
  };
}

/** A client as `clients show --json` prints it: the RFC 7591 metadata as registered, but no secret or digest. */
function detailJson(client: ClientRecord) {
  return {
    ...summaryJson(client),
    updatedAt: isoTime(client.updatedAt),
    initialAccessTokenId: client.initialAccessTokenId,
    hasClientSecret: client.clientSecretDigest !== null,
    clientSecretExpiresAt: client.clientSecretDigest === null || client.clientSecretExpiresAt === 0 ? null : isoTime(client.clientSecretExpiresAt * 1000),
    metadata: client.metadata,
  };
}

function grantJson(grant: GrantSummary) {
  return {
    id: grant.id,
    userId: grant.userId,
    username: grant.username,
    scope: grant.scope,
    resource: grant.resource,
    createdAt: isoTime(grant.createdAt),
    lastRefreshedAt: grant.lastRefreshedAt === null ? null : isoTime(grant.lastRefreshedAt),
    revokedAt: grant.revokedAt === null ? null : isoTime(grant.revokedAt),
    refreshable: grant.refreshable,
  };
}

function displayName(client: ClientRecord): string {
  return client.metadata.client_name === undefined ? '-' : printable(client.metadata.client_name);
}

/** The distinct hosts of a client's redirect URIs; a private-use scheme (`com.example.app:/cb`) as `scheme:`. */
function redirectHosts(client: ClientRecord): string[] {
  const hosts = client.metadata.redirect_uris.map((uri) => {
    try {
      const url = new URL(uri);
      return url.host || url.protocol;
    } catch {
      return uri;
    }
  });
  return [...new Set(hosts.map(printable))];
}

function registrationSource(value: string): RegistrationSource {
  const found = sources.find((s) => s === value);
  if (!found) throw new InvalidArgumentError(`expected one of ${sources.join(', ')}`);
  return found;
}

function count(n: number): string {
  return `${n} client${n === 1 ? '' : 's'}`;
}

function write(text: string): void {
  process.stdout.write(text);
}
