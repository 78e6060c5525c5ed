import { isUnverified } from "../protocol/authorization/unverified-client.js";
import { html, page } from "./html.js";
import { signInSection, when } from "./account-sign-in.js";
import { describeScope } from "./scope-descriptions.js";
function accountPage(input) {
  const { user, csrf } = input;
  return page({
    title: "Your account",
    nonce: input.nonce,
    styles: accountStyles,
    body: html`<h1>Your account</h1>
<p>Signed in as <strong data-testid="user-name">${user.name ?? user.username}</strong>${user.name ? html` <span class="muted">(${user.username})</span>` : ""}</p>
<form method="post" action="${input.paths.signOut}" data-testid="sign-out">
<input type="hidden" name="csrf" value="${csrf}">
<div class="actions"><button type="submit">Sign out</button></div>
</form>
${input.notice ? html`<p class="${input.notice.kind === "alert" ? "error" : "muted"}" role="${input.notice.kind}" data-testid="notice">${input.notice.text}</p>` : ""}
${signInSection(input)}
<h2>Connected apps</h2>
${input.apps.length === 0 ? html`<p data-testid="no-apps">No apps are connected to your account. When you allow an app to access your account, it appears here, and you can revoke its access at any time.</p>` : html`<p class="muted">These apps may act on your behalf. Revoking an app's access takes effect at once: its tokens stop working, and it must ask you again.</p>
${input.apps.map((app) => appRow(app, csrf, input.paths.revoke(app.clientId)))}`}`
  });
}
function appRow(app, csrf, action) {
  const name = app.clientName ?? app.clientId;
  const scopes = app.scope.split(" ").filter(Boolean);
  return html`<section class="app" data-testid="app-row" data-client-id="${app.clientId}">
<h3><span data-testid="app-name">${name}</span>${isUnverified(app) ? html` <span class="badge" data-testid="unverified">Unverified</span>` : ""}</h3>
<dl>
<dt>Sends you back to</dt><dd data-testid="redirect-hosts">${redirectHosts(app.redirectUris).join(", ")}</dd>
<dt>Allowed</dt><dd data-testid="granted-at">${when(app.grantedAt)}</dd>
<dt>Last used</dt><dd data-testid="last-used">${app.lastUsedAt === null ? "never" : when(app.lastUsedAt)}</dd>
</dl>
${scopes.length > 0 ? html`<p>It can:</p><ul class="scopes" data-testid="scopes">${scopes.map((s) => html`<li>${describeScope(s)} <span class="muted">(${s})</span></li>`)}</ul>` : html`<p data-testid="scopes">It has no permissions beyond knowing you allowed it.</p>`}
<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="revoke" aria-label="Revoke the access of ${name}">Revoke access</button>
</form>
</section>`;
}
function redirectHosts(uris) {
  const hosts = uris.map((uri) => {
    try {
      const url = new URL(uri);
      return url.host || `${url.protocol.slice(0, -1)} (an app on this device)`;
    } catch {
      return uri;
    }
  });
  return [...new Set(hosts)];
}
const accountStyles = `
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
section.app, section.identity { border: 1px solid #8888; border-radius: .5rem; padding: .75rem 1rem; margin: 1rem 0; }
section.app h3, section.identity h3 { font-size: 1.1rem; margin: 0; overflow-wrap: anywhere; }
section.app dl, section.identity dl { margin: .5rem 0; }
.link-providers form { margin-top: .5rem; }
`;
function accountErrorPage(input) {
  return page({
    title: input.title,
    nonce: input.nonce,
    body: html`<h1>${input.title}</h1>
<p class="error" role="alert">${input.message}</p>
<p><a href="${input.back}">Back to your account</a></p>`
  });
}
export {
  accountErrorPage,
  accountPage,
  redirectHosts
};
//# sourceMappingURL=account-page.js.map
