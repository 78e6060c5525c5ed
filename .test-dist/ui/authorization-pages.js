import { isClaimableByLocalApps, isUnverified } from "../protocol/authorization/unverified-client.js";
import { html, page } from "./html.js";
import { describeScope } from "./scope-descriptions.js";
import { signInForms } from "./sign-in-forms.js";
function loginPage(input) {
  return page({
    title: "Sign in",
    nonce: input.nonce,
    body: html`<h1>Sign in</h1>
<p>to continue to <strong>${input.clientName}</strong>${input.unverified ? html` <span class="badge">Unverified app</span>` : ""}</p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
${signInForms({ ...input, carry: { name: "pending", value: input.pending } })}`
  });
}
function hostOf(uri) {
  if (uri === void 0) return "not given";
  try {
    const url = new URL(uri);
    return url.host || `${url.protocol} (an app on this device)`;
  } catch {
    return uri;
  }
}
function consentPage(input) {
  const { client } = input;
  const name = client.metadata.client_name ?? client.clientId;
  const scopes = input.scope.split(" ").filter(Boolean);
  const allowed = new Set((input.alreadyAllowed ?? "").split(" ").filter(Boolean));
  return page({
    title: `Allow ${name}?`,
    nonce: input.nonce,
    body: html`<h1>Allow <span data-testid="client-name">${name}</span> to access your account?</h1>
${isUnverified(client) ? html`<p><span class="badge" data-testid="unverified">Unverified app</span> <span class="muted">It registered itself; its name is not checked.</span></p>` : ""}
${client.lookAlikeOf ? lookAlikeWarning(name, client.lookAlikeOf, input.redirectUri) : ""}
${isClaimableByLocalApps(client, input.redirectUri) ? localAppWarning(name, input.redirectUri) : ""}
<dl>
<dt>Sends you back to</dt><dd data-testid="redirect-host">${hostOf(input.redirectUri)}</dd>
<dt>Home page</dt><dd data-testid="client-uri-host">${hostOf(client.metadata.client_uri)}</dd>
${input.resource ? html`<dt>Wants access to</dt><dd data-testid="resource-host">${input.resourceName ? html`<strong data-testid="resource-name">${input.resourceName}</strong> <span class="muted">(${hostOf(input.resource)})</span>` : hostOf(input.resource)}</dd>` : ""}
<dt>Signed in as</dt><dd>${input.username}</dd>
</dl>
${scopeLists(scopes, allowed)}
<form method="post" action="${input.action}">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="pending" value="${input.pending}">
<div class="actions">
<button class="primary" type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</div>
</form>`
  });
}
function scopeLists(scopes, allowed) {
  if (scopes.length === 0) return html`<p>It asks for no permissions beyond knowing you allowed it.</p>`;
  const item = (s, badge = "") => html`<li data-scope="${s}">${badge}${describeScope(s)} <span class="muted">(${s})</span></li>`;
  const fresh = scopes.filter((s) => !allowed.has(s));
  const before = scopes.filter((s) => allowed.has(s));
  if (before.length === 0) return html`<p>It will be able to:</p><ul class="scopes" data-testid="new-scopes">${fresh.map((s) => item(s))}</ul>`;
  const asked = fresh.length === 0 ? html`<p>It asks for nothing new.</p>` : html`<p>It asks for more. It will also be able to:</p><ul class="scopes" data-testid="new-scopes">${fresh.map((s) => item(s, html`<span class="badge">New</span> `))}</ul>`;
  return html`${asked}
<p class="muted">Already allowed:</p><ul class="scopes muted" data-testid="allowed-scopes">${before.map((s) => item(s))}</ul>`;
}
function localAppWarning(name, redirectUri) {
  return html`<p class="warning" role="alert" data-testid="local-app-warning"><strong>Careful:</strong> “${name}” sends you back to an app on this device (${hostOf(redirectUri)}). Any app on this device can use this name, so only continue if you just started ${name} yourself.</p>`;
}
function lookAlikeWarning(name, agent, redirectUri) {
  return html`<p class="warning" role="alert" data-testid="look-alike-warning"><strong>Careful:</strong> this app calls itself “${name}” but is not ${agent}: its redirect goes to <strong>${hostOf(redirectUri)}</strong>. Only continue if you trust it.</p>`;
}
function errorPage(input) {
  return page({
    title: input.title,
    nonce: input.nonce,
    body: html`<h1>${input.title}</h1>
<p class="error" role="alert">${input.message}</p>
<p class="muted">You can close this window and try again from the application.</p>`
  });
}
function returnToClientPage(input) {
  return page({
    title: "This request cannot continue",
    nonce: input.nonce,
    body: html`<h1>This request cannot continue</h1>
<p class="error" role="alert">${input.message}</p>
<p>The application that sent you here registered itself; its address is not checked.</p>
<p><a data-testid="return-link" rel="noreferrer" href="${input.href}">Return to ${hostOf(input.href)}</a></p>`
  });
}
export {
  consentPage,
  errorPage,
  loginPage,
  returnToClientPage
};
//# sourceMappingURL=authorization-pages.js.map
