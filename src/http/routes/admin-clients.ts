import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientListFilter, RegistrationSource } from '../../ports/clients.js';
import { adminMessagePage } from '../../ui/admin-layout.js';
import { clientPage } from '../../ui/admin-pages-client.js';
import { clientListPage, type ClientFilterForm } from '../../ui/admin-pages-clients.js';
import { clientCreatedPage, emptyNewClientForm, grantChoices, newClientSection, type GrantChoice, type NewClientForm } from '../../ui/admin-pages-new-client.js';
import { createClient, deleteClient, type OperatorClientRequest } from '../../operations/clients.js';
import { OperationError } from '../../operations/operation-error.js';
import type { PagesContext } from '../pages-context.js';
import { readNotice, redirectWithNotice, refusalStatus, type AdminRequest, type AdminRouter } from '../admin-router.js';
import { sendPage } from '../send-page.js';

/** Clients per page of the list. */
export const clientsPerPage = 50;
/** A list page counts the matches of a search or a last-use filter up to this many, then says "more than". */
const countedUpTo = 1000;
const dayMs = 86_400_000;
const sources: readonly RegistrationSource[] = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'];
const usages = { never: 'never', active7d: 7, idle30d: 30, idle90d: 90 } as const;

/**
 * `GET /admin/clients` (search, filters, keyset pages of 50, and the new-client form), `POST /admin/clients`
 * (an operator creates a client: its secret is shown on that response only, as for an initial access token),
 * `GET /admin/clients/<client_id>` (metadata, grants, audit events) and `POST /admin/clients/<client_id>/delete`.
 * The client id is the rest of the path, percent-encoded, so that a metadata-document client (an https URL,
 * longer than a route parameter may be) has a page too. A list page costs one `listClients` and one
 * `countClientsUpTo` (the kept counts, or at most {@link countedUpTo} matches read), whatever the page number.
 */
export function clientRoutes(router: AdminRouter, context: PagesContext): void {
  const { storage, clock, audit, config, random } = context;

  const list = async (request: FastifyRequest, reply: FastifyReply, admin: AdminRequest, status: number, created?: { form: NewClientForm; error: string }) => {
    const { form, filter, after } = parseClientQuery(request.query, clock.now());
    const [page, total] = await Promise.all([
      storage.clients.listClients({ ...filter, limit: clientsPerPage, ...(after ? { after } : {}) }),
      storage.clients.countClientsUpTo(filter, countedUpTo),
    ]);
    return sendPage(reply, status, (nonce) =>
      clientListPage({
        nonce,
        frame: admin.frame,
        notice: created ? undefined : readNotice(context, request),
        error: created?.error,
        newClient: newClientSection(admin.frame, created?.form ?? emptyNewClientForm, created !== undefined),
        form,
        clients: page.clients,
        total,
        next: page.next,
        searched: page.searched,
        paged: after !== undefined,
      }),
    );
  };

  router.get('/clients', (request, reply, admin) => list(request, reply, admin, 200));

  router.post('/clients', async (request, reply, admin) => {
    const form = readNewClientForm(request.body);
    try {
      const { record, clientSecret } = await createClient(newClientRequest(form), { config, clients: storage.clients, clock, random, audit }, admin.actor);
      return sendPage(reply, 200, (nonce) => clientCreatedPage({ nonce, frame: admin.frame, client: record, clientSecret, tokenEndpoint: `${config.issuer}/token` }));
    } catch (error) {
      if (!(error instanceof OperationError)) throw error;
      return list(request, reply, admin, refusalStatus[error.code], { form, error: `The client was not created: ${error.message}.` });
    }
  });

  router.get('/clients/*', async (request, reply, admin) => {
    const clientId = wildcard(request);
    const client = clientId ? await storage.clients.findClient(clientId) : undefined;
    if (!client) return notFound(reply, admin);
    const [grants, events] = await Promise.all([
      storage.grants.listClientGrants(client.clientId, clock.now(), 200),
      storage.auditEvents.listAuditEvents({ clientId: client.clientId, limit: 50 }),
    ]);
    return sendPage(reply, 200, (nonce) => clientPage({ nonce, frame: admin.frame, client, grants, events, now: clock.now() }));
  });

  router.post('/clients/*', async (request, reply, admin) => {
    const path = wildcard(request);
    const clientId = path.endsWith('/delete') ? path.slice(0, -'/delete'.length) : '';
    const client = clientId ? await deleteClient(clientId, { clients: storage.clients, audit }, admin.actor).catch(unlessNotFound) : undefined;
    if (!client) return notFound(reply, admin);
    const name = client.metadata.client_name;
    return redirectWithNotice(context, reply, '/clients', 'client-deleted', name ? `“${name}” (${client.clientId})` : client.clientId);
  });
}

/** The new-client form as typed; a value that is not one of the choices falls back to the default choice. */
function readNewClientForm(body: unknown): NewClientForm {
  const raw = (body ?? {}) as Record<string, string | undefined>;
  const grants = raw['grants'] ?? '';
  return {
    name: (raw['name'] ?? '').trim(),
    grants: Object.hasOwn(grantChoices, grants) ? (grants as GrantChoice) : emptyNewClientForm.grants,
    redirectUris: raw['redirect_uris'] ?? '',
    scope: (raw['scope'] ?? '').trim(),
    authMethod: raw['auth_method'] === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
  };
}

/** The form as the operator's request; the metadata checks themselves are {@link createClient}'s. */
function newClientRequest(form: NewClientForm): OperatorClientRequest {
  const redirectUris = form.redirectUris.split(/\r?\n/).map((uri) => uri.trim()).filter(Boolean);
  return {
    client_name: form.name,
    grant_types: [...grantChoices[form.grants].grants],
    token_endpoint_auth_method: form.authMethod,
    ...(redirectUris.length > 0 ? { redirect_uris: redirectUris } : {}),
    ...(form.scope ? { scope: form.scope } : {}),
  };
}

/** `undefined` for a refusal that the client does not exist; any other error goes on. */
function unlessNotFound(error: unknown): undefined {
  if (error instanceof OperationError && error.code === 'not_found') return undefined;
  throw error;
}

function wildcard(request: FastifyRequest): string {
  return (request.params as Record<string, string | undefined>)['*'] ?? '';
}

function notFound(reply: FastifyReply, admin: AdminRequest): FastifyReply {
  return sendPage(reply, 404, (nonce) =>
    adminMessagePage({ nonce, frame: admin.frame, title: 'No such client', message: 'There is no client with this id. It may have been deleted.' }),
  );
}

/**
 * The list's query string as a storage filter. Values that are not one of the choices are ignored (the page
 * shows every client for that filter) rather than refused: a hand-edited URL deserves a list, not an error.
 */
export function parseClientQuery(query: unknown, now: number): { form: ClientFilterForm; filter: ClientListFilter; after: string | undefined } {
  const raw = (query ?? {}) as Record<string, unknown>;
  const text = (name: string, max: number) => {
    const value = raw[name];
    return typeof value === 'string' ? value.trim().slice(0, max) : '';
  };
  const form: ClientFilterForm = { q: text('q', 200), source: '', flagged: raw['flagged'] === '1', usage: '' };
  const filter: ClientListFilter = {};
  if (form.q) filter.search = form.q;
  const source = text('source', 32);
  if ((sources as readonly string[]).includes(source)) filter.source = form.source = source as RegistrationSource;
  if (form.flagged) filter.flagged = true;
  const usage = text('usage', 16);
  if (Object.hasOwn(usages, usage)) {
    form.usage = usage as keyof typeof usages;
    const days = usages[form.usage as keyof typeof usages];
    filter.usage = days === 'never' ? { kind: 'never' } : usage.startsWith('active') ? { kind: 'since', at: now - days * dayMs } : { kind: 'idle', at: now - days * dayMs };
  }
  const after = text('after', 1000);
  return { form, filter, after: after || undefined };
}
