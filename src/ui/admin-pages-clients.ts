import { redirectHosts } from '../ports/redirect-host.js';
import type { ClientCount, ClientRecord, RegistrationSource } from '../ports/clients.js';
import { adminPage, adminTime, sourceLabels, type AdminFrame } from './admin-layout.js';
import { html, type SafeHtml } from './html.js';

/** The list's filters as the search form shows them ('' for "any"). */
export interface ClientFilterForm {
  q: string;
  source: RegistrationSource | '';
  flagged: boolean;
  usage: 'never' | 'active7d' | 'idle30d' | 'idle90d' | '';
}

const usageLabels: Record<Exclude<ClientFilterForm['usage'], ''>, string> = {
  never: 'Never used',
  active7d: 'Used in the last 7 days',
  idle30d: 'Not used for 30 days',
  idle90d: 'Not used for 90 days',
};

/** The dashboard page of one client. */
export function clientHref(base: string, clientId: string): string {
  return `${base}/admin/clients/${encodeURIComponent(clientId)}`;
}

/**
 * The clients page: the new-client form (given, as a section, by its own page module), a GET search form, the
 * count, one page of the table, and a link to the next page.
 */
export function clientListPage(input: {
  nonce: string;
  frame: AdminFrame;
  notice?: string | undefined;
  /** Why the new-client form was refused. */
  error?: string | undefined;
  newClient?: SafeHtml;
  form: ClientFilterForm;
  clients: ClientRecord[];
  /** How many match; a search stops counting at a limit (`more`: "more than"), so that no page reads every match. */
  total: ClientCount;
  next: string | null;
  /** Set when the page holds the matches among this many clients only (`ClientPage.searched`). */
  searched?: number | undefined;
  /** Whether this is a later page (a link back to the first is shown). */
  paged: boolean;
}): string {
  const { base } = input.frame;
  const { form } = input;
  const filters: Record<string, string> = {
    ...(form.q ? { q: form.q } : {}),
    ...(form.source ? { source: form.source } : {}),
    ...(form.flagged ? { flagged: '1' } : {}),
    ...(form.usage ? { usage: form.usage } : {}),
  };
  const listHref = (extra: Record<string, string> = {}) => {
    const query = new URLSearchParams({ ...filters, ...extra }).toString();
    return `${base}/admin/clients${query ? `?${query}` : ''}`;
  };
  const option = (value: string, label: string, selected: string) =>
    html`<option value="${value}"${value === selected ? html` selected` : ''}>${label}</option>`;
  const filtered = Object.keys(filters).length > 0;
  const { count: counted, more, partial } = input.total;
  const count = `${more ? 'More than ' : partial ? 'At least ' : ''}${counted.toLocaleString('en-US')}`;
  const plural = more || partial === true || counted !== 1;

  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: 'Clients',
    section: 'clients',
    notice: input.notice,
    error: input.error,
    body: html`${input.newClient ?? ''}
<form class="filters" method="get" action="${base}/admin/clients" role="search">
<label>Search <input type="search" name="q" value="${form.q}" maxlength="200" placeholder="name, client_id or redirect host"></label>
<label>Registration source <select name="source">${option('', 'Any', form.source)}${(Object.keys(sourceLabels) as RegistrationSource[]).map((source) =>
      option(source, sourceLabels[source], form.source),
    )}</select></label>
<label>Last use <select name="usage">${option('', 'Any', form.usage)}${Object.entries(usageLabels).map(([value, label]) => option(value, label, form.usage))}</select></label>
<label class="check"><input type="checkbox" name="flagged" value="1"${form.flagged ? html` checked` : ''}> Flagged look-alikes only</label>
<div class="actions"><button class="primary" type="submit">Search</button>${filtered ? html`<a href="${base}/admin/clients">Clear</a>` : ''}</div>
</form>
<p role="status"><span data-testid="client-count">${count} client${plural ? 's' : ''}${filtered ? (plural ? ' match' : ' matches') : ''}</span>${counted > 0 ? ' · newest first, 50 per page' : ''}</p>
${input.clients.length === 0 ? html`<p class="muted">No clients${filtered ? ' match these filters' : ' are registered yet'}${input.searched ? ' among the clients searched so far' : ''}.</p>` : clientTable(base, input.clients)}
${input.searched ? html`<p class="muted" data-testid="partial-search">This search could not use the database's index in time, so this page holds the matches among the next ${input.searched.toLocaleString('en-US')} clients only. The next page searches older ones.</p>` : ''}
<nav class="pager" aria-label="Pages">
${input.paged ? html`<a href="${listHref()}">First page</a>` : ''}
${input.next ? html`<a rel="next" data-testid="next-page" href="${listHref({ after: input.next })}">Next page</a>` : ''}
</nav>`,
  });
}

function clientTable(base: string, clients: ClientRecord[]): SafeHtml {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">client_id</th><th scope="col">Source</th><th scope="col">Redirect hosts</th><th scope="col">Registered</th><th scope="col">Last used</th><th scope="col">Flag</th></tr></thead>
<tbody>
${clients.map(
  (client) => html`<tr data-testid="client-row">
<th scope="row"><a href="${clientHref(base, client.clientId)}">${client.metadata.client_name ?? html`<span class="muted">(no name)</span>`}</a></th>
<td class="id"><a href="${clientHref(base, client.clientId)}">${client.clientId}</a></td>
<td>${sourceLabels[client.registrationSource]}</td>
<td>${redirectHosts(client.metadata.redirect_uris).join(', ')}</td>
<td>${adminTime(client.clientIdIssuedAt * 1000)}</td>
<td>${client.lastUsedAt === null ? html`<span class="muted">never</span>` : adminTime(client.lastUsedAt)}</td>
<td>${client.lookAlikeOf ? html`<span class="badge" data-testid="flagged" title="Its name imitates ${client.lookAlikeOf} while its redirects are not ${client.lookAlikeOf}'s">look-alike of ${client.lookAlikeOf}</span>` : ''}</td>
</tr>`,
)}
</tbody></table></div>`;
}
