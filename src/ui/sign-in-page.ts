import { html, page } from './html.js';
import { signInForms, type SignInChoices } from './sign-in-forms.js';

/**
 * The sign-in page for the account and admin pages (not part of an authorization request): the ways this
 * server offers ({@link signInForms}), each form carrying the page to return to.
 */
export function signInPage(
  input: SignInChoices & {
    nonce: string;
    csrf: string;
    action: string;
    returnTo: string;
    username?: string | undefined;
    error?: string | undefined;
    notice?: string | undefined;
  },
): string {
  return page({
    title: 'Sign in',
    nonce: input.nonce,
    body: html`<h1>Sign in to Latchkey</h1>
${input.notice ? html`<p class="muted" role="status">${input.notice}</p>` : ''}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${signInForms({ ...input, carry: { name: 'return_to', value: input.returnTo } })}`,
  });
}
