import { passwordLength } from "../users/password.js";
import { canUnlinkIdentity, hasLocalPassword, providerName } from "../users/sign-in-methods.js";
import { html } from "./html.js";
function signInSection(input) {
  const { csrf, user, identities, methods, paths } = input;
  const hasPassword = hasLocalPassword(user);
  const unlinkable = canUnlinkIdentity({ hasPassword, localPasswords: methods.localPasswords, identityCount: identities.length });
  const linked = new Set(identities.map((identity) => identity.provider));
  const linkable = methods.providers.filter((provider) => !linked.has(provider.id));
  return html`<h2>How you sign in</h2>
${passwordMethod(user.username, hasPassword, methods.localPasswords)}
${identities.map((identity) => identityRow(identity, providerName(methods, identity.provider), csrf, unlinkable ? paths.unlink(identity.id) : void 0))}
${linkable.length > 0 ? html`<div class="link-providers" data-testid="link-providers">
<p>${identities.length > 0 ? "Link another account" : "Link an account"}, to sign in with it too:</p>
${linkable.map(
    (provider) => html`<form method="post" action="${paths.link(provider.id)}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="link-${provider.id}">Link ${provider.name}</button>
</form>`
  )}
</div>` : ""}
${hasPassword && methods.localPasswords ? changePasswordForm(csrf, paths.changePassword, input.passwordError) : ""}`;
}
function passwordMethod(username, hasPassword, localPasswords) {
  if (!hasPassword) return html`<p class="muted" data-testid="password-method">Your account has no password: you sign in with a linked account.</p>`;
  if (!localPasswords) {
    return html`<p class="muted" data-testid="password-method">Your account has a password, but this server accepts none at the moment: you sign in with a linked account.</p>`;
  }
  return html`<p data-testid="password-method">With your username <strong>${username}</strong> and your password.</p>`;
}
function identityRow(identity, name, csrf, unlinkAction) {
  return html`<section class="identity" data-testid="identity-row" data-identity-id="${identity.id}">
<h3 data-testid="identity-provider">${name}</h3>
<dl>
<dt>Account</dt><dd data-testid="identity-account">${accountLabel(identity)}</dd>
<dt>Linked</dt><dd data-testid="linked-at">${when(identity.createdAt)}</dd>
<dt>Last used</dt><dd data-testid="identity-last-used">${identity.lastSignedInAt === null ? "never" : when(identity.lastSignedInAt)}</dd>
</dl>
${unlinkAction ? html`<form method="post" action="${unlinkAction}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="unlink" aria-label="Unlink your ${name} account">Unlink</button>
</form>` : html`<p class="muted" data-testid="unlink-refused">This is your only way to sign in, so it cannot be unlinked. Link another account first.</p>`}
</section>`;
}
function accountLabel(identity) {
  const { displayName, email } = identity;
  if (displayName && email) return html`${displayName} <span class="muted">(${email})</span>`;
  if (displayName || email) return html`${displayName ?? email}`;
  return html`<span class="muted">The provider shared no name or email address.</span>`;
}
function changePasswordForm(csrf, action, error) {
  return html`<h3 id="change-password">Change your password</h3>
<form method="post" action="${action}" data-testid="change-password">
<input type="hidden" name="csrf" value="${csrf}">
${error ? html`<p class="error" role="alert" data-testid="password-error">${error}</p>` : ""}
<label>Current password <input type="password" name="current_password" autocomplete="current-password" required${error ? html` autofocus` : ""}></label>
<label>New password <input type="password" name="new_password" autocomplete="new-password" required minlength="${passwordLength.min}"></label>
<label>New password again <input type="password" name="new_password_repeat" autocomplete="new-password" required minlength="${passwordLength.min}"></label>
<p class="muted">Changing it signs you out in every other browser.</p>
<div class="actions"><button type="submit">Change password</button></div>
</form>`;
}
function when(ms) {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace("T", " ")} UTC</time>`;
}
export {
  signInSection,
  when
};
//# sourceMappingURL=account-sign-in.js.map
