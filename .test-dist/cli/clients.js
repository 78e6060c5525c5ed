import { InvalidArgumentError } from "commander";
import { cliActor } from "../operations/actor.js";
import { deleteClient } from "../operations/clients.js";
import { OperationError } from "../operations/operation-error.js";
import { commandContext } from "../compose.js";
import { formatTable, isoTime, jsonOutput, printable, readableTime, truncate } from "./output.js";
import { CliFailure, positiveInteger, reportRefusals, withStorage } from "./command-support.js";
import { confirmOnTerminal, requireConfirmable } from "./confirm.js";
import { withOperatorPorts } from "./operation-support.js";
import { createProgress } from "./progress.js";
import { registerClientCreateCommand } from "./clients-create.js";
const sources = ["dynamic", "iat", "software_statement", "cimd", "operator"];
const pageSize = 500;
const countedUpTo = 1e4;
const grantsShown = 100;
const progressFrom = 10;
function registerClientCommands(program, context) {
  const clients = program.command("clients").description("list, inspect, create and delete clients").addHelpText("after", "\nExit status: 0 done, 1 an unknown client (the others were still handled), 2 bad usage or input.");
  context.withConfigFlags(clients.command("list").description("list registered clients, newest first")).option("--search <text>", "words of the name, client_id or a redirect host, each from its beginning (case-insensitive)").option("--source <source>", `only clients registered this way: ${sources.join(", ")}`, registrationSource).option("--flagged", "only clients flagged as look-alikes of a well-known agent").option("--unused", "only clients that were never used").option("--limit <n>", "show at most this many clients", positiveInteger, 100).option("--json", "print a JSON array instead of a table").action(
    (flags) => reportRefusals(() => withStorage(context.configFrom(flags), async (storage) => {
      const filter = {
        ...typeof flags["search"] === "string" ? { search: flags["search"] } : {},
        ...flags["source"] ? { source: flags["source"] } : {},
        ...flags["flagged"] ? { flagged: true } : {},
        ...flags["unused"] ? { usage: { kind: "never" } } : {}
      };
      const { clients: listed, more } = await listUpTo(storage.clients, filter, flags["limit"]);
      if (flags["json"]) write(jsonOutput(listed.map(summaryJson)));
      else write(listed.length > 0 ? clientsTable(listed) : Object.keys(filter).length > 0 ? "No clients match.\n" : "No clients registered.\n");
      if (more) {
        const total = await storage.clients.countClientsUpTo(filter, countedUpTo);
        const of = `${total.more ? "more than " : ""}${total.count}`;
        process.stderr.write(`Showing the newest ${listed.length} of ${of} matching clients; raise --limit to see more.
`);
      }
    }))
  );
  context.withConfigFlags(clients.command("show").description("show a client's metadata, registration and grants (never its secrets)")).argument("<client_id>").option("--json", "print JSON instead of text").action(
    (clientId, flags) => reportRefusals(() => withStorage(context.configFrom(flags), async (storage) => {
      const client = await storage.clients.findClient(clientId);
      if (!client) throw new CliFailure(`There is no client with client_id ${JSON.stringify(printable(clientId))}.`, 1);
      const grants = await storage.grants.listClientGrants(clientId, commandContext.clock.now(), grantsShown);
      write(flags["json"] ? jsonOutput({ ...detailJson(client), grants: grants.map(grantJson) }) : clientText(client, grants));
    }))
  );
  registerClientCreateCommand(clients, context);
  context.withConfigFlags(clients.command("delete").description("delete clients: their grants, refresh tokens and codes stop working at once")).argument("<client_id...>", "one or more client ids").option("-y, --yes", "do not ask for confirmation (required without a terminal)").option("--json", "print JSON instead of sentences").action(
    (ids, flags) => reportRefusals(async () => {
      const config = context.configFrom(flags);
      const unique = [...new Set(ids)];
      requireConfirmable(flags, "No terminal to confirm the deletion: add --yes to delete without asking.");
      await withOperatorPorts(config, async (ports) => {
        const found = [];
        const unknown = [];
        for (const id of unique) {
          const client = await ports.clients.findClient(id);
          if (client) found.push(client);
          else unknown.push(id);
        }
        if (found.length > 0 && flags["yes"] !== true) await confirm(found);
        const { deleted, gone } = await deleteClients(ports, found);
        unknown.push(...gone);
        if (flags["json"]) write(jsonOutput({ deleted, unknown }));
        else for (const client of found.filter((c) => deleted.includes(c.clientId))) write(`Deleted client ${printable(client.clientId)} (${displayName(client)}).
`);
        for (const id of unknown) process.stderr.write(`latchkey: there is no client with client_id ${JSON.stringify(printable(id))}
`);
        if (unknown.length > 0) process.exitCode = 1;
      });
    })
  );
}
async function listUpTo(store, filter, limit) {
  const found = [];
  let after;
  while (found.length < limit) {
    const page = await store.listClients({ ...filter, limit: Math.min(pageSize, limit - found.length), ...after === void 0 ? {} : { after } });
    found.push(...page.clients);
    if (page.next === null) return { clients: found, more: false };
    after = page.next;
  }
  return { clients: found, more: true };
}
async function deleteClients(ports, clients) {
  const progress = clients.length >= progressFrom ? createProgress(process.stderr, { label: "Deleting clients", total: clients.length }) : void 0;
  const deleted = [];
  const gone = [];
  try {
    for (const [i, client] of clients.entries()) {
      try {
        await deleteClient(client.clientId, ports, cliActor);
        deleted.push(client.clientId);
      } catch (error) {
        if (!(error instanceof OperationError && error.code === "not_found")) throw error;
        gone.push(client.clientId);
      }
      progress?.update(i + 1);
    }
  } finally {
    progress?.done();
  }
  return { deleted, gone };
}
function confirm(clients) {
  const listed = clients.slice(0, 10).map((c) => `  ${printable(c.clientId)}  ${displayName(c)}
`).join("");
  const others = clients.length > 10 ? `  \u2026 and ${clients.length - 10} more
` : "";
  return confirmOnTerminal(
    `${listed}${others}`,
    `Delete ${count(clients.length)}? Their grants and refresh tokens stop working at once.`,
    "Cancelled: nothing was deleted."
  );
}
function clientsTable(clients) {
  return formatTable(
    ["CLIENT_ID", "NAME", "SOURCE", "REDIRECT HOSTS", "REGISTERED", "LAST USED", "FLAG"],
    clients.map((c) => [
      printable(c.clientId),
      truncate(displayName(c), 40),
      c.registrationSource,
      truncate(redirectHosts(c).join(","), 40),
      readableTime(c.clientIdIssuedAt * 1e3),
      readableTime(c.lastUsedAt),
      c.lookAlikeOf === null ? "" : `look-alike of ${printable(c.lookAlikeOf)}`
    ])
  );
}
function clientText(client, grants) {
  const m = client.metadata;
  const secret = client.clientSecretDigest === null ? "none (public client)" : `yes, ${client.clientSecretExpiresAt === 0 ? "never expires" : `expires ${readableTime(client.clientSecretExpiresAt * 1e3)}`}`;
  const fields = [
    ["client_id", client.clientId],
    ["name", m.client_name],
    ["source", client.registrationSource],
    ["policy", client.policy ?? void 0],
    ["flag", client.lookAlikeOf === null ? void 0 : `look-alike of ${client.lookAlikeOf}`],
    ["registered", readableTime(client.clientIdIssuedAt * 1e3)],
    ["updated", readableTime(client.updatedAt)],
    ["last used", readableTime(client.lastUsedAt)],
    ["initial access token", client.initialAccessTokenId ?? void 0],
    ["client secret", secret],
    ["auth method", m.token_endpoint_auth_method],
    ["grant types", m.grant_types.join(" ")],
    ["scope", m.scope || void 0],
    ["application type", m.application_type],
    ...m.redirect_uris.map((uri) => ["redirect uri", uri]),
    ["client uri", m.client_uri],
    ["logo uri", m.logo_uri],
    ["tos uri", m.tos_uri],
    ["policy uri", m.policy_uri],
    ["jwks uri", m.jwks_uri],
    ["contacts", m.contacts?.join(", ")],
    ["software", m.software_id === void 0 ? void 0 : `${m.software_id}${m.software_version ? ` ${m.software_version}` : ""}`],
    ["software statement", m.software_statement === void 0 ? void 0 : "yes (see --json)"]
  ];
  const shown = fields.filter((f) => f[1] !== void 0);
  const width = Math.max(...shown.map(([label]) => label.length));
  const lines = shown.map(([label, value]) => `${`${label}:`.padEnd(width + 2)}${printable(value)}`).join("\n");
  const grantList = grants.length === 0 ? "No grants.\n" : formatTable(
    ["GRANT", "USER", "SCOPE", "CREATED", "LAST REFRESH", "STATUS"],
    grants.map((g) => [g.id, g.username ?? "(client credentials)", printable(g.scope) || "-", readableTime(g.createdAt), readableTime(g.lastRefreshedAt), grantStatus(g)])
  );
  const heading = grants.length === grantsShown ? `Grants (the newest ${grantsShown}):` : "Grants:";
  return `${lines}

${heading}
${grantList}`;
}
function grantStatus(grant) {
  if (grant.revokedAt !== null) return `revoked ${readableTime(grant.revokedAt)}`;
  return grant.refreshable ? "active" : "no live refresh token";
}
function summaryJson(client) {
  return {
    clientId: client.clientId,
    clientName: client.metadata.client_name ?? null,
    source: client.registrationSource,
    redirectUris: client.metadata.redirect_uris,
    registeredAt: isoTime(client.clientIdIssuedAt * 1e3),
    lastUsedAt: client.lastUsedAt === null ? null : isoTime(client.lastUsedAt),
    lookAlikeOf: client.lookAlikeOf,
    policy: client.policy
  };
}
function detailJson(client) {
  return {
    ...summaryJson(client),
    updatedAt: isoTime(client.updatedAt),
    initialAccessTokenId: client.initialAccessTokenId,
    hasClientSecret: client.clientSecretDigest !== null,
    clientSecretExpiresAt: client.clientSecretDigest === null || client.clientSecretExpiresAt === 0 ? null : isoTime(client.clientSecretExpiresAt * 1e3),
    metadata: client.metadata
  };
}
function grantJson(grant) {
  return {
    id: grant.id,
    userId: grant.userId,
    username: grant.username,
    scope: grant.scope,
    resource: grant.resource,
    createdAt: isoTime(grant.createdAt),
    lastRefreshedAt: grant.lastRefreshedAt === null ? null : isoTime(grant.lastRefreshedAt),
    revokedAt: grant.revokedAt === null ? null : isoTime(grant.revokedAt),
    refreshable: grant.refreshable
  };
}
function displayName(client) {
  return client.metadata.client_name === void 0 ? "-" : printable(client.metadata.client_name);
}
function redirectHosts(client) {
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
function registrationSource(value) {
  const found = sources.find((s) => s === value);
  if (!found) throw new InvalidArgumentError(`expected one of ${sources.join(", ")}`);
  return found;
}
function count(n) {
  return `${n} client${n === 1 ? "" : "s"}`;
}
function write(text) {
  process.stdout.write(text);
}
export {
  registerClientCommands
};
//# sourceMappingURL=clients.js.map
