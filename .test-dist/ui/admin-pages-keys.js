import { adminPage, adminTime } from "./admin-layout.js";
import { html } from "./html.js";
function keyListPage(input) {
  const { base, csrf } = input.frame;
  const hours = Math.round(input.graceSeconds / 3600 * 10) / 10;
  return adminPage({
    nonce: input.nonce,
    frame: input.frame,
    title: "Signing keys",
    section: "keys",
    notice: input.notice,
    body: html`<p>Access and ID tokens are signed with the current key. Retired keys stay in the JWKS, and keep verifying tokens, until they expire.</p>
<div class="table-wrap"><table>
<thead><tr><th scope="col">kid</th><th scope="col">Algorithm</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Retired</th><th scope="col">Expires</th></tr></thead>
<tbody>
${input.keys.map(
      (key) => html`<tr data-testid="key-row"${key.status === "current" ? html` data-current="true"` : ""}>
<td class="id">${key.kid}</td>
<td>${key.alg}</td>
<td data-testid="key-status">${key.status}</td>
<td>${adminTime(key.createdAt)}</td>
<td>${adminTime(key.retiredAt)}</td>
<td>${adminTime(key.expiresAt)}</td>
</tr>`
    )}
</tbody></table></div>
<h2>Rotate</h2>
<form method="post" action="${base}/admin/keys/rotate">
<input type="hidden" name="csrf" value="${csrf}">
<p>A new key becomes current; the present one is retired and keeps verifying tokens for ${hours} hours. Other instances sign with the new key within ${input.refreshSeconds} seconds.</p>
<div class="actions"><button class="primary" type="submit">Rotate the signing key</button></div>
</form>`
  });
}
export {
  keyListPage
};
//# sourceMappingURL=admin-pages-keys.js.map
