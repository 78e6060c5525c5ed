import { credentialFields } from './authorization-pages.js';
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
  return page({
    title: 'Sign in',
    nonce: input.nonce,
    body: html`<h1>Sign in to Latchkey</h1>
${input.notice ? html`<p class="muted" role="status">${input.notice}</p>` : ''}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
<form method="post" action="${input.action}">
<input type="hidden" name="csrf" value="${input.csrf}">
<input type="hidden" name="return_to" value="${input.returnTo}">
${credentialFields(input)}
</form>`,
  });
}
