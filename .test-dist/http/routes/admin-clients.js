import { adminMessagePage } from "../../ui/admin-layout.js";
import { clientPage } from "../../ui/admin-pages-client.js";
import { clientListPage } from "../../ui/admin-pages-clients.js";
import { clientCreatedPage, emptyNewClientForm, grantChoices, newClientSection } from "../../ui/admin-pages-new-client.js";
import { createClient, deleteClient } from "../../operations/clients.js";
import { OperationError } from "../../operations/operation-error.js";
import { readNotice, redirectWithNotice, refusalStatus } from "../admin-router.js";
import { sendPage } from "../send-page.js";
const clientsPerPage = 50;
const countedUpTo = 1e3;
const dayMs = 864e5;
const sources = ["dynamic", "iat", "software_statement", "cimd", "operator"];
const usages = { never: "never", active7d: 7, idle30d: 30, idle90d: 90 };
function clientRoutes(router, context) {
  const { storage, clock, audit, config, random } = context;
  const list = async (request, reply, admin, status, created) => {
    const { form, filter, after } = parseClientQuery(request.query, clock.now());
    const [page, total] = await Promise.all([
      storage.clients.listClients({ ...filter, limit: clientsPerPage, ...after ? { after } : {} }),
      storage.clients.countClientsUpTo(filter, countedUpTo)
    ]);
    return sendPage(
      reply,
      status,
      (nonce) => clientListPage({
        nonce,
        frame: admin.frame,
        notice: created ? void 0 : readNotice(context, request),
        error: created?.error,
        newClient: newClientSection(admin.frame, created?.form ?? emptyNewClientForm, created !== void 0),
        form,
        clients: page.clients,
        total,
        next: page.next,
        paged: after !== void 0
      })
    );
  };
  router.get("/clients", (request, reply, admin) => list(request, reply, admin, 200));
  router.post("/clients", async (request, reply, admin) => {
    const form = readNewClientForm(request.body);
    try {
      const { record, clientSecret } = await createClient(newClientRequest(form), { config, clients: storage.clients, clock, random, audit }, admin.actor);
      return sendPage(reply, 200, (nonce) => clientCreatedPage({ nonce, frame: admin.frame, client: record, clientSecret, tokenEndpoint: `${config.issuer}/token` }));
    } catch (error) {
      if (!(error instanceof OperationError)) throw error;
      return list(request, reply, admin, refusalStatus[error.code], { form, error: `The client was not created: ${error.message}.` });
    }
  });
  router.get("/clients/*", async (request, reply, admin) => {
    const clientId = wildcard(request);
    const client = clientId ? await storage.clients.findClient(clientId) : void 0;
    if (!client) return notFound(reply, admin);
    const [grants, events] = await Promise.all([
      storage.grants.listClientGrants(client.clientId, clock.now(), 200),
      storage.auditEvents.listAuditEvents({ clientId: client.clientId, limit: 50 })
    ]);
    return sendPage(reply, 200, (nonce) => clientPage({ nonce, frame: admin.frame, client, grants, events, now: clock.now() }));
  });
  router.post("/clients/*", async (request, reply, admin) => {
    const path = wildcard(request);
    const clientId = path.endsWith("/delete") ? path.slice(0, -"/delete".length) : "";
    const client = clientId ? await deleteClient(clientId, { clients: storage.clients, audit }, admin.actor).catch(unlessNotFound) : void 0;
    if (!client) return notFound(reply, admin);
    const name = client.metadata.client_name;
    return redirectWithNotice(context, reply, "/clients", "client-deleted", name ? `\u201C${name}\u201D (${client.clientId})` : client.clientId);
  });
}
function readNewClientForm(body) {
  const raw = body ?? {};
  const grants = raw["grants"] ?? "";
  return {
    name: (raw["name"] ?? "").trim(),
    grants: Object.hasOwn(grantChoices, grants) ? grants : emptyNewClientForm.grants,
    redirectUris: raw["redirect_uris"] ?? "",
    scope: (raw["scope"] ?? "").trim(),
    authMethod: raw["auth_method"] === "client_secret_post" ? "client_secret_post" : "client_secret_basic"
  };
}
function newClientRequest(form) {
  const redirectUris = form.redirectUris.split(/\r?\n/).map((uri) => uri.trim()).filter(Boolean);
  return {
    client_name: form.name,
    grant_types: [...grantChoices[form.grants].grants],
    token_endpoint_auth_method: form.authMethod,
    ...redirectUris.length > 0 ? { redirect_uris: redirectUris } : {},
    ...form.scope ? { scope: form.scope } : {}
  };
}
function unlessNotFound(error) {
  if (error instanceof OperationError && error.code === "not_found") return void 0;
  throw error;
}
function wildcard(request) {
  return request.params["*"] ?? "";
}
function notFound(reply, admin) {
  return sendPage(
    reply,
    404,
    (nonce) => adminMessagePage({ nonce, frame: admin.frame, title: "No such client", message: "There is no client with this id. It may have been deleted." })
  );
}
function parseClientQuery(query, now) {
  const raw = query ?? {};
  const text = (name, max) => {
    const value = raw[name];
    return typeof value === "string" ? value.trim().slice(0, max) : "";
  };
  const form = { q: text("q", 200), source: "", flagged: raw["flagged"] === "1", usage: "" };
  const filter = {};
  if (form.q) filter.search = form.q;
  const source = text("source", 32);
  if (sources.includes(source)) filter.source = form.source = source;
  if (form.flagged) filter.flagged = true;
  const usage = text("usage", 16);
  if (Object.hasOwn(usages, usage)) {
    form.usage = usage;
    const days = usages[form.usage];
    filter.usage = days === "never" ? { kind: "never" } : usage.startsWith("active") ? { kind: "since", at: now - days * dayMs } : { kind: "idle", at: now - days * dayMs };
  }
  const after = text("after", 1e3);
  return { form, filter, after: after || void 0 };
}
export {
  clientRoutes,
  clientsPerPage,
  parseClientQuery
};
//# sourceMappingURL=admin-clients.js.map
