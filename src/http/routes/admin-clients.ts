import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ClientListFilter, RegistrationSource } from '../../storage/ports.js';
import { adminMessagePage } from '../../ui/admin-layout.js';
import { clientPage } from '../../ui/admin-pages-client.js';
import { clientListPage, type ClientFilterForm } from '../../ui/admin-pages-clients.js';
import type { PagesContext } from '../pages-context.js';
import { readNotice, redirectWithNotice, type AdminRequest, type AdminRouter } from './admin-router.js';
import { sendPage } from './authorize.js';
import { deleteClientAsOperator } from '../../protocol/registration/client-configuration.js';

/** Clients per page of the list. */
export const clientsPerPage = 50;
const dayMs = 86_400_000;
const sources: readonly RegistrationSource[] = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'];
const usages = { never: 'never', active7d: 7, idle30d: 30, idle90d: 90 } as const;

/**
 * `GET /admin/clients` (search, filters, keyset pages of 50), `GET /admin/clients/<client_id>` (metadata,
 * grants, audit events) and `POST /admin/clients/<client_id>/delete`. The client id is the rest of the path,
 * percent-encoded, so that a metadata-document client (an https URL, longer than a route parameter may be)
 * has a page too. A list page costs one `listClients` and one `countClients`, whatever the page number.
 */
export function clientRoutes(router: AdminRouter, context: PagesContext): void {
  const { storage, clock, audit } = context;

  router.get('/clients', async (request, reply, admin) => {
    const { form, filter, after } = parseClientQuery(request.query, clock.now());
    const [page, total] = await Promise.all([
      storage.clients.listClients({ ...filter, limit: clientsPerPage, ...(after ? { after } : {}) }),
      storage.clients.countClients(filter),
    ]);
    return sendPage(reply, 200, (nonce) =>
      clientListPage({ nonce, frame: admin.frame, notice: readNotice(context, request), form, clients: page.clients, total, next: page.next, paged: after !== undefined }),
    );
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
    const client = clientId ? await storage.clients.findClient(clientId) : undefined;
    if (!client) return notFound(reply, admin);
    await deleteClientAsOperator(client, { clients: storage.clients, audit, actor: admin.actor, ip: request.ip });
    const name = client.metadata.client_name;
    return redirectWithNotice(context, reply, '/clients', 'client-deleted', name ? `“${name}” (${client.clientId})` : client.clientId);
  });
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
