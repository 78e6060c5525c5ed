import { adminPage, adminTime, sourceLabels } from "./admin-layout.js";
import { clientHref } from "./admin-pages-clients.js";
import { html } from "./html.js";
function clientPage(input) {
  const { base, csrf } = input.frame;
  const { client } = input;
  const name = client.metadata.client_name;
  const secret = client.clientSecretDigest === null ? "none (public client)" : client.clientSecretExpiresAt === 0 ? "yes, never expires" : html`yes, expires ${adminTime(client.clientSecretExpiresAt * 1e3)}${client.clientSecretExpiresAt * 1e3 <= input.now ? " (expired)" : ""}`;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: name ?? "Unnamed client",
    section: "clients",
    body: html`<p><a href="${base}/admin/clients">← All clients</a></p>
${client.lookAlikeOf ? html`<p class="warning" role="note" data-testid="look-alike">Flagged: its name imitates <strong>${client.lookAlikeOf}</strong>, but its redirect URIs are not ${client.lookAlikeOf}'s.</p>` : ""}
<h2>Registration</h2>
<dl data-testid="client-registration">
<dt>client_id</dt><dd><code>${client.clientId}</code></dd>
<dt>Source</dt><dd>${sourceLabels[client.registrationSource]}</dd>
<dt>Policy</dt><dd>${client.policy ?? html`<span class="muted">none</span>`}</dd>
<dt>Initial access token</dt><dd>${client.initialAccessTokenId ? html`<a href="${base}/admin/iat"><code>${client.initialAccessTokenId}</code></a>` : html`<span class="muted">none</span>`}</dd>
<dt>Look-alike of</dt><dd>${client.lookAlikeOf ?? html`<span class="muted">not flagged</span>`}</dd>
<dt>Registered</dt><dd>${adminTime(client.clientIdIssuedAt * 1e3)}</dd>
<dt>Last changed</dt><dd>${adminTime(client.updatedAt)}</dd>
<dt>Last used</dt><dd>${client.lastUsedAt === null ? "never" : adminTime(client.lastUsedAt)}</dd>
<dt>Client secret</dt><dd>${secret}</dd>
<dt>Registration access token</dt><dd>${client.registrationAccessTokenDigest === null ? "none" : "issued (RFC 7592 management)"}</dd>
</dl>
<h2>Metadata</h2>
<dl data-testid="client-metadata">
${Object.entries(client.metadata).map(([field, value]) => html`<dt>${field}</dt><dd>${metadataValue(value)}</dd>`)}
</dl>
<h2>Grants (${input.grants.length})</h2>
${input.grants.length === 0 ? html`<p class="muted">No grants: no user has authorized this client yet.</p>` : grantTable(input.grants)}
<h2>Recent audit events</h2>
${input.events.length === 0 ? html`<p class="muted">No events recorded.</p>` : eventTable(input.events)}
<section class="danger" aria-labelledby="delete-heading">
<h2 id="delete-heading">Delete this client</h2>
<p><strong>This cannot be undone.</strong> The client's registration, grants, refresh tokens and unused codes are deleted at once: the agent's next token refresh fails, and it must register again and ask every user again. Access tokens already issued stay valid until they expire.${client.registrationSource === "cimd" ? " A metadata-document client is fetched again the next time it is used." : ""}</p>
<form method="post" action="${clientHref(base, client.clientId)}/delete">
<input type="hidden" name="csrf" value="${csrf}">
<div class="actions"><button class="destructive" type="submit">Delete ${name ?? client.clientId}</button></div>
</form>
</section>`
  });
}
function metadataValue(value) {
  if (Array.isArray(value) && value.every((item) => typeof item === "string")) {
    return html`<ul>${value.map((item) => html`<li><code>${item}</code></li>`)}</ul>`;
  }
  if (typeof value === "string") return html`<code>${value}</code>`;
  return html`<pre>${JSON.stringify(value, null, 2)}</pre>`;
}
function grantTable(grants) {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">User</th><th scope="col">Scope</th><th scope="col">Resource</th><th scope="col">Created</th><th scope="col">Last refreshed</th><th scope="col">Status</th></tr></thead>
<tbody>
${grants.map(
    (grant) => html`<tr data-testid="grant-row">
<td>${grant.username ?? html`<span class="muted">client credentials</span>`}</td>
<td>${grant.scope}</td>
<td>${grant.resource ?? html`<span class="muted">—</span>`}</td>
<td>${adminTime(grant.createdAt)}</td>
<td>${adminTime(grant.lastRefreshedAt)}</td>
<td>${grant.revokedAt !== null ? html`revoked ${adminTime(grant.revokedAt)}` : grant.refreshable ? "active" : html`active <span class="muted">(no usable refresh token)</span>`}</td>
</tr>`
  )}
</tbody></table></div>`;
}
function eventTable(events) {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Time</th><th scope="col">Event</th><th scope="col">Actor</th><th scope="col">IP</th><th scope="col">Details</th></tr></thead>
<tbody>
${events.map(
    (event) => html`<tr data-testid="event-row">
<td>${adminTime(event.at)}</td>
<td><code>${event.type}</code></td>
<td>${event.actor ?? (event.userId ? html`user <code>${event.userId}</code>` : "client")}</td>
<td>${event.ip ?? ""}</td>
<td>${Object.keys(event.data).length ? html`<pre>${JSON.stringify(event.data)}</pre>` : ""}</td>
</tr>`
  )}
</tbody></table></div>`;
}
export {
  clientPage
};
//# sourceMappingURL=admin-pages-client.js.map
