import { html, page } from './html.js';

/** The sign-in page for the account and admin pages (not part of an authorization request). */
export function signInPage(input: {
  nonce: string;
  csrf: string;
  action: string;
  returnTo: string;
  username?: string | undefined;
  error?: string | undefined;
  notice?: string | undefined;
}): string {
  const retry = input.error !== undefined && input.username !== undefined;
  return page({
    title: 'Sign in',
    nonce: input.nonce,
    body: html`<h1>Sign in to Latchkey</h1>
${input.notice ? html`<p class="muted" role="status">${input.notice}</p>` : ''}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<form method="post" action="${input.action}">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="return_to" value="${input.returnTo}">
<label>Username <input type="text" name="username" autocomplete="username" required${retry ? '' : html` autofocus`} value="${input.username ?? ''}"></label>
<label>Password <input type="password" name="password" autocomplete="current-password" required${retry ? html` autofocus` : ''}></label>
<button class="primary" type="submit">Sign in</button>
</form>`,
  });
}
