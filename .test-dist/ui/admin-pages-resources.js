import { adminPage } from "./admin-layout.js";
import { html } from "./html.js";
function resourcesPage(input) {
  const { resources } = input;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Resources",
    section: "resources",
    body: html`<p>The protected resources (MCP servers) this server issues tokens for (RFC 8707). They come from the configuration (<code>resources</code>, or <code>LATCHKEY_RESOURCES</code>): change them there and restart. A token request naming another resource is refused with <code>invalid_target</code>.</p>
${resources.length === 0 ? html`<p class="muted" data-testid="no-resources">No resources are configured: users may authorize any https (or loopback) resource, which the consent page shows, and machine clients get no token at all.</p>` : html`<div class="table-wrap"><table>
<thead><tr><th scope="col">Name</th><th scope="col">URI</th><th scope="col">Scopes</th><th scope="col">Machine clients</th><th scope="col">Default</th></tr></thead>
<tbody>
${resources.map(
      (resource) => html`<tr data-testid="resource-row">
<th scope="row">${resource.name}</th>
<td class="id"><code>${resource.uri}</code></td>
<td>${resource.scopes.length === 0 ? html`<span class="muted">none</span>` : resource.scopes.join(" ")}</td>
<td>${resource.machineClients ? "allowed" : html`<span class="muted">no</span>`}</td>
<td>${resource.isDefault ? "default" : ""}</td>
</tr>`
    )}
</tbody></table></div>`}`
  });
}
export {
  resourcesPage
};
//# sourceMappingURL=admin-pages-resources.js.map
