import { redirectHosts } from "../ports/redirect-host.js";
import { adminPage, adminTime, sourceLabels } from "./admin-layout.js";
import { html } from "./html.js";
const usageLabels = {
  never: "Never used",
  active7d: "Used in the last 7 days",
  idle30d: "Not used for 30 days",
  idle90d: "Not used for 90 days"
};
function clientHref(base, clientId) {
  return `${base}/admin/clients/${encodeURIComponent(clientId)}`;
}
function clientListPage(input) {
  const { base } = input.frame;
  const { form } = input;
  const filters = {
    ...form.q ? { q: form.q } : {},
    ...form.source ? { source: form.source } : {},
    ...form.flagged ? { flagged: "1" } : {},
    ...form.usage ? { usage: form.usage } : {}
  };
  const listHref = (extra = {}) => {
    const query = new URLSearchParams({ ...filters, ...extra }).toString();
    return `${base}/admin/clients${query ? `?${query}` : ""}`;
  };
  const option = (value, label, selected) => html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`;
  const filtered = Object.keys(filters).length > 0;
  const { count: counted, more } = input.total;
  const count = `${more ? "More than " : ""}${counted.toLocaleString("en-US")}`;
  const plural = more || counted !== 1;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Clients",
    section: "clients",
    notice: input.notice,
    error: input.error,
    body: html`${input.newClient ?? ""}
<form class="filters" method="get" action="${base}/admin/clients" role="search">
<label>Search <input type="search" name="q" value="${form.q}" maxlength="200" placeholder="name, client_id or redirect host"></label>
<label>Registration source <select name="source">${option("", "Any", form.source)}${Object.keys(sourceLabels).map(
      (source) => option(source, sourceLabels[source], form.source)
    )}</select></label>
<label>Last use <select name="usage">${option("", "Any", form.usage)}${Object.entries(usageLabels).map(([value, label]) => option(value, label, form.usage))}</select></label>
<label class="check"><input type="checkbox" name="flagged" value="1"${form.flagged ? html` checked` : ""}> Flagged look-alikes only</label>
<div class="actions"><button class="primary" type="submit">Search</button>${filtered ? html`<a href="${base}/admin/clients">Clear</a>` : ""}</div>
</form>
<p role="status"><span data-testid="client-count">${count} client${plural ? "s" : ""}${filtered ? plural ? " match" : " matches" : ""}</span>${counted > 0 ? " \xB7 newest first, 50 per page" : ""}</p>
${input.clients.length === 0 ? html`<p class="muted">No clients${filtered ? " match these filters" : " are registered yet"}.</p>` : clientTable(base, input.clients)}
<nav class="pager" aria-label="Pages">
${input.paged ? html`<a href="${listHref()}">First page</a>` : ""}
${input.next ? html`<a rel="next" data-testid="next-page" href="${listHref({ after: input.next })}">Next page</a>` : ""}
</nav>`
  });
}
function clientTable(base, clients) {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">client_id</th><th scope="col">Source</th><th scope="col">Redirect hosts</th><th scope="col">Registered</th><th scope="col">Last used</th><th scope="col">Flag</th></tr></thead>
<tbody>
${clients.map(
    (client) => html`<tr data-testid="client-row">
<th scope="row"><a href="${clientHref(base, client.clientId)}">${client.metadata.client_name ?? html`<span class="muted">(no name)</span>`}</a></th>
<td class="id"><a href="${clientHref(base, client.clientId)}">${client.clientId}</a></td>
<td>${sourceLabels[client.registrationSource]}</td>
<td>${redirectHosts(client.metadata.redirect_uris).join(", ")}</td>
<td>${adminTime(client.clientIdIssuedAt * 1e3)}</td>
<td>${client.lastUsedAt === null ? html`<span class="muted">never</span>` : adminTime(client.lastUsedAt)}</td>
<td>${client.lookAlikeOf ? html`<span class="badge" data-testid="flagged" title="Its name imitates ${client.lookAlikeOf} while its redirects are not ${client.lookAlikeOf}'s">look-alike of ${client.lookAlikeOf}</span>` : ""}</td>
</tr>`
  )}
</tbody></table></div>`;
}
export {
  clientHref,
  clientListPage
};
//# sourceMappingURL=admin-pages-clients.js.map
