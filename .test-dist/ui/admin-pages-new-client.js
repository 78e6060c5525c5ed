import { adminPage } from "./admin-layout.js";
import { clientHref } from "./admin-pages-clients.js";
import { html } from "./html.js";
const grantChoices = {
  client_credentials: { label: "Machine client: client_credentials (no user; also a resource server that introspects)", grants: ["client_credentials"] },
  authorization_code: { label: "Users sign in: authorization_code and refresh_token", grants: ["authorization_code", "refresh_token"] },
  both: { label: "Both", grants: ["authorization_code", "refresh_token", "client_credentials"] }
};
const emptyNewClientForm = { name: "", grants: "client_credentials", redirectUris: "", scope: "", authMethod: "client_secret_basic" };
function newClientSection(frame, form, open) {
  const option = (value, label, selected) => html`<option value="${value}"${value === selected ? html` selected` : ""}>${label}</option>`;
  return html`<details class="new-client"${open ? html` open` : ""}>
<summary>New client</summary>
<p>A client created here has a secret (shown once) and may use <code>client_credentials</code> for the resources that allow machine clients, and introspect tokens: open registration gives neither.</p>
<form method="post" action="${frame.base}/admin/clients" class="create">
<input type="hidden" name="csrf" value="${frame.csrf}">
<label>Name <input type="text" name="name" required maxlength="200" value="${form.name}"></label>
<label>Grant types <select name="grants">${Object.entries(grantChoices).map(([value, choice]) => option(value, choice.label, form.grants))}</select></label>
<label>Redirect URIs, one per line (for user sign-in only) <textarea name="redirect_uris" rows="2">${form.redirectUris}</textarea></label>
<label>Scope <input type="text" name="scope" value="${form.scope}" placeholder="e.g. mcp:tools (default: the registration default)"></label>
<label>Token endpoint authentication <select name="auth_method">${option("client_secret_basic", "client_secret_basic", form.authMethod)}${option("client_secret_post", "client_secret_post", form.authMethod)}</select></label>
<div class="actions"><button class="primary" type="submit">Create client</button></div>
</form>
</details>`;
}
function clientCreatedPage(input) {
  const { client } = input;
  const m = client.metadata;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Client created",
    section: "clients",
    body: html`<p class="warning" role="alert"><strong>Copy the secret now.</strong> Only its digest is stored: it is shown on this page once and never again.</p>
<dl>
<dt>client_id</dt><dd><code data-testid="client-id">${client.clientId}</code></dd>
<dt>client_secret</dt><dd><p class="secret" data-testid="client-secret">${input.clientSecret}</p></dd>
<dt>Name</dt><dd>${m.client_name ?? ""}</dd>
<dt>Grant types</dt><dd>${m.grant_types.join(", ")}</dd>
<dt>Scope</dt><dd>${m.scope || html`<span class="muted">none</span>`}</dd>
<dt>Authentication</dt><dd>${m.token_endpoint_auth_method} at <code>${input.tokenEndpoint}</code></dd>
${m.redirect_uris.length > 0 ? html`<dt>Redirect URIs</dt><dd><ul>${m.redirect_uris.map((uri) => html`<li><code>${uri}</code></li>`)}</ul></dd>` : ""}
</dl>
<p><a href="${clientHref(input.frame.base, client.clientId)}">The client's page</a> · <a href="${input.frame.base}/admin/clients">All clients</a></p>`
  });
}
export {
  clientCreatedPage,
  emptyNewClientForm,
  grantChoices,
  newClientSection
};
//# sourceMappingURL=admin-pages-new-client.js.map
