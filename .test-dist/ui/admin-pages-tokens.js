import { initialAccessTokenStatus } from "../protocol/registration/initial-access-token.js";
import { adminPage, adminTime } from "./admin-layout.js";
import { html } from "./html.js";
function iatListPage(input) {
  const { base, csrf } = input.frame;
  const { form } = input;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Initial access tokens",
    section: "iat",
    notice: input.notice,
    error: input.error,
    body: html`<p>An initial access token lets whoever holds it register clients (RFC 7591 §3): required when registration is protected, and in open mode a way to register under a named policy. Its secret is shown once, when it is created.</p>
<h2>Create a token</h2>
<form method="post" action="${base}/admin/iat" class="create">
<input type="hidden" name="csrf" value="${csrf}">
<label>Description <input type="text" name="description" maxlength="200" value="${form.description}" placeholder="who it is for"></label>
<label>Uses <input type="number" name="uses" min="1" step="1" value="${form.uses}" placeholder="unlimited"></label>
<label>Expires in <input type="text" name="expires" value="${form.expires}" placeholder="never, or e.g. 12h, 7d, 4w" pattern="\\s*\\d+\\s*[smhdw]?\\s*"></label>
<label>Registration policy <select name="policy"><option value="">${input.policies.length ? "None (the default rules)" : "None (no policies are configured)"}</option>${input.policies.map(
      (policy) => html`<option value="${policy}"${policy === form.policy ? html` selected` : ""}>${policy}</option>`
    )}</select></label>
<div class="actions"><button class="primary" type="submit">Create token</button></div>
</form>
<h2>Tokens</h2>
${input.tokens.length === 0 ? html`<p class="muted">No initial access tokens yet.</p>` : tokenTable(input.frame, input.tokens, input.now)}`
  });
}
function tokenTable(frame, tokens, now) {
  return html`<div class="table-wrap"><table>
<thead><tr><th scope="col">ID</th><th scope="col">Description</th><th scope="col">Policy</th><th scope="col">Uses</th><th scope="col">Created</th><th scope="col">Expires</th><th scope="col">Revoked</th><th scope="col">Status</th><th scope="col"><span class="muted">Action</span></th></tr></thead>
<tbody>
${tokens.map((token) => {
    const status = initialAccessTokenStatus(token, now);
    return html`<tr data-testid="iat-row">
<td class="id">${token.id}</td>
<td>${token.description ?? ""}</td>
<td>${token.policy ?? html`<span class="muted">none</span>`}</td>
<td>${token.uses} / ${token.maxUses ?? "\u221E"}</td>
<td>${adminTime(token.createdAt)}</td>
<td>${token.expiresAt === null ? "never" : adminTime(token.expiresAt)}</td>
<td>${adminTime(token.revokedAt)}</td>
<td data-testid="iat-status">${status}</td>
<td>${status === "revoked" ? "" : html`<form class="inline" method="post" action="${frame.base}/admin/iat/${encodeURIComponent(token.id)}/revoke"><input type="hidden" name="csrf" value="${frame.csrf}"><button type="submit" aria-label="Revoke token ${token.id}">Revoke</button></form>`}</td>
</tr>`;
  })}
</tbody></table></div>`;
}
function iatCreatedPage(input) {
  const { record } = input;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Initial access token created",
    section: "iat",
    body: html`<p class="warning" role="alert"><strong>Copy the token now.</strong> Only its digest is stored: it is shown on this page once and never again.</p>
<p class="secret" data-testid="iat-secret">${input.token}</p>
<p>Send it as <code>Authorization: Bearer &lt;token&gt;</code> with the registration request to <code>${input.registrationEndpoint}</code>.</p>
<dl>
<dt>ID</dt><dd><code>${record.id}</code></dd>
<dt>Description</dt><dd>${record.description ?? html`<span class="muted">none</span>`}</dd>
<dt>Policy</dt><dd>${record.policy ?? html`<span class="muted">none</span>`}</dd>
<dt>Uses</dt><dd>${record.maxUses === null ? "unlimited" : record.maxUses}</dd>
<dt>Expires</dt><dd>${record.expiresAt === null ? "never" : adminTime(record.expiresAt)}</dd>
</dl>
<p><a href="${input.frame.base}/admin/iat">Back to the initial access tokens</a></p>`
  });
}
export {
  iatCreatedPage,
  iatListPage
};
//# sourceMappingURL=admin-pages-tokens.js.map
