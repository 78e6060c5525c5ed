import { html } from "./html.js";
function signInForms(input) {
  const local = input.localPasswords ?? true;
  const providers = input.providers === void 0 ? [] : input.providers.map((provider) => ({ ...provider, action: input.upstreamAction(provider.id) }));
  const hidden = html`<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="${input.carry.name}" value="${input.carry.value}">`;
  if (!local && providers.length === 0) {
    return html`<p class="error" role="alert" data-testid="sign-in-unavailable">Signing in is not configured on this server: it has no sign-in provider, and local passwords are turned off. Please tell the server's operator.</p>`;
  }
  return html`${local ? html`<form method="post" action="${input.action}" data-testid="password-form">
${hidden}
${credentialFields(input)}
</form>` : ""}
${providers.length > 0 ? html`<div class="providers" data-testid="providers">
${local ? html`<p class="muted">Or sign in with another account:</p>` : ""}
${providers.map(
    (provider) => html`<form method="post" action="${provider.action}">
${hidden}
<button type="submit" data-testid="provider-${provider.id}">Continue with ${provider.name}</button>
</form>`
  )}
</div>` : ""}`;
}
function credentialFields(input) {
  const retry = input.error !== void 0 && input.username !== void 0;
  return html`<label>Username <input type="text" name="username" autocomplete="username" required${retry ? "" : html` autofocus`} value="${input.username ?? ""}"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required${retry ? html` autofocus` : ""}></label>
<button class="primary" type="submit">Sign in</button>`;
}
export {
  credentialFields,
  signInForms
};
//# sourceMappingURL=sign-in-forms.js.map
