import type { SignInProvider } from '../users/sign-in-methods.js';
import { html, type SafeHtml } from './html.js';

/**
 * The ways a sign-in page offers: local username and password (on unless `localPasswords` is false), and one
 * button per upstream provider, each posting to `upstreamAction(id)`. Providers come with their action or not
 * at all, so a page cannot show a button that goes nowhere.
 */
export type SignInChoices = { localPasswords?: boolean | undefined } & (
  | { providers?: undefined; upstreamAction?: undefined }
  | { providers: readonly SignInProvider[]; upstreamAction: (id: string) => string }
);

/**
 * The forms of a sign-in page: the username and password form (first, when local passwords are on), then a
 * button per provider, each in a POST form of its own to the provider's action, carrying the same CSRF token and
 * `carry` (the sign-in page's `return_to`, the login page's `pending`). Provider buttons are text only: no logo
 * is fetched from anywhere. With no way at all, a message says that sign-in is not configured.
 */
export function signInForms(
  input: SignInChoices & { action: string; csrf: string; carry: { name: 'return_to' | 'pending'; value: string }; username?: string | undefined; error?: string | undefined },
): SafeHtml {
  const local = input.localPasswords ?? true;
  const providers = input.providers === undefined ? [] : input.providers.map((provider) => ({ ...provider, action: input.upstreamAction(provider.id) }));
  const hidden = html`<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="${input.carry.name}" value="${input.carry.value}">`;
  if (!local && providers.length === 0) {
    return html`<p class="error" role="alert" data-testid="sign-in-unavailable">Signing in is not configured on this server: it has no sign-in provider, and local passwords are turned off. Please tell the server's operator.</p>`;
  }
  return html`${local
    ? html`<form method="post" action="${input.action}" data-testid="password-form">
${hidden}
${credentialFields(input)}
</form>`
    : ''}
${providers.length > 0
    ? html`<div class="providers" data-testid="providers">
${local ? html`<p class="muted">Or sign in with another account:</p>` : ''}
${providers.map(
  (provider) => html`<form method="post" action="${provider.action}">
${hidden}
<button type="submit" data-testid="provider-${provider.id}">Continue with ${provider.name}</button>
</form>`,
)}
</div>`
    : ''}`;
}

/**
 * The username and password fields and the submit button of a sign-in form. After a failed attempt the name
 * is kept (never the password) and the password field has the focus.
 */
export function credentialFields(input: { username?: string | undefined; error?: string | undefined }): SafeHtml {
  const retry = input.error !== undefined && input.username !== undefined;
  return html`<label>Username <input type="text" name="username" autocomplete="username" required${retry ? '' : html` autofocus`} value="${input.username ?? ''}"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required${retry ? html` autofocus` : ''}></label>
<button class="primary" type="submit">Sign in</button>`;
}
