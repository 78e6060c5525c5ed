import type { LinkedIdentity } from '../ports/identities.js';
import type { UserRecord } from '../ports/users.js';
import { passwordLength } from '../users/password.js';
import { canUnlinkIdentity, hasLocalPassword, providerName, type SignInMethods } from '../users/sign-in-methods.js';
import { html, type SafeHtml } from './html.js';

/**
 * The account page's "How you sign in": the password (and a form to change it, while local passwords are
 * accepted), each linked identity with an unlink button (none for the user's last way to sign in, see
 * {@link canUnlinkIdentity}; the route refuses it too), and a button per configured provider not linked yet.
 * Names and emails come from the providers, so they are text, never markup.
 */
export function signInSection(input: {
  csrf: string;
  user: UserRecord;
  identities: readonly LinkedIdentity[];
  methods: SignInMethods;
  paths: { unlink: (identityId: string) => string; link: (providerId: string) => string; changePassword: string };
  passwordError?: string | undefined;
}): SafeHtml {
  const { csrf, user, identities, methods, paths } = input;
  const hasPassword = hasLocalPassword(user);
  const unlinkable = canUnlinkIdentity({ hasPassword, localPasswords: methods.localPasswords, identityCount: identities.length });
  const linked = new Set(identities.map((identity) => identity.provider));
  const linkable = methods.providers.filter((provider) => !linked.has(provider.id));
  return html`<h2>How you sign in</h2>
${passwordMethod(user.username, hasPassword, methods.localPasswords)}
${identities.map((identity) => identityRow(identity, providerName(methods, identity.provider), csrf, unlinkable ? paths.unlink(identity.id) : undefined))}
${linkable.length > 0
    ? html`<div class="link-providers" data-testid="link-providers">
<p>${identities.length > 0 ? 'Link another account' : 'Link an account'}, to sign in with it too:</p>
${linkable.map(
  (provider) => html`<form method="post" action="${paths.link(provider.id)}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="link-${provider.id}">Link ${provider.name}</button>
</form>`,
)}
</div>`
    : ''}
${hasPassword && methods.localPasswords ? changePasswordForm(csrf, paths.changePassword, input.passwordError) : ''}`;
}

function passwordMethod(username: string, hasPassword: boolean, localPasswords: boolean): SafeHtml {
  if (!hasPassword) return html`<p class="muted" data-testid="password-method">Your account has no password: you sign in with a linked account.</p>`;
  if (!localPasswords) {
    return html`<p class="muted" data-testid="password-method">Your account has a password, but this server accepts none at the moment: you sign in with a linked account.</p>`;
  }
  return html`<p data-testid="password-method">With your username <strong>${username}</strong> and your password.</p>`;
}

/** One linked identity; `unlinkAction` is absent when unlinking it would leave the user no way to sign in. */
function identityRow(identity: LinkedIdentity, name: string, csrf: string, unlinkAction: string | undefined): SafeHtml {
  return html`<section class="identity" data-testid="identity-row" data-identity-id="${identity.id}">
<h3 data-testid="identity-provider">${name}</h3>
<dl>
<dt>Account</dt><dd data-testid="identity-account">${accountLabel(identity)}</dd>
<dt>Linked</dt><dd data-testid="linked-at">${when(identity.createdAt)}</dd>
<dt>Last used</dt><dd data-testid="identity-last-used">${identity.lastSignedInAt === null ? 'never' : when(identity.lastSignedInAt)}</dd>
</dl>
${unlinkAction
    ? html`<form method="post" action="${unlinkAction}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="unlink" aria-label="Unlink your ${name} account">Unlink</button>
</form>`
    : html`<p class="muted" data-testid="unlink-refused">This is your only way to sign in, so it cannot be unlinked. Link another account first.</p>`}
</section>`;
}

/** Who the identity is at the provider, as it last said: a name and an email, either, or neither. */
function accountLabel(identity: LinkedIdentity): SafeHtml {
  const { displayName, email } = identity;
  if (displayName && email) return html`${displayName} <span class="muted">(${email})</span>`;
  if (displayName || email) return html`${displayName ?? email}`;
  return html`<span class="muted">The provider shared no name or email address.</span>`;
}

function changePasswordForm(csrf: string, action: string, error: string | undefined): SafeHtml {
  return html`<h3 id="change-password">Change your password</h3>
<form method="post" action="${action}" data-testid="change-password">
<input type="hidden" name="csrf" value="${csrf}">
${error ? html`<p class="error" role="alert" data-testid="password-error">${error}</p>` : ''}
<label>Current password <input type="password" name="current_password" autocomplete="current-password" required${error ? html` autofocus` : ''}></label>
<label>New password <input type="password" name="new_password" autocomplete="new-password" required minlength="${passwordLength.min}"></label>
<label>New password again <input type="password" name="new_password_repeat" autocomplete="new-password" required minlength="${passwordLength.min}"></label>
<p class="muted">Changing it signs you out in every other browser.</p>
<div class="actions"><button type="submit">Change password</button></div>
</form>`;
}

/** A time in UTC, to the minute, in a `<time>` element (the server does not know the reader's time zone). */
export function when(ms: number): SafeHtml {
  const iso = new Date(ms).toISOString();
  return html`<time datetime="${iso}">${iso.slice(0, 16).replace('T', ' ')} UTC</time>`;
}
