import { html, page } from "./html.js";
import { signInForms } from "./sign-in-forms.js";
function signInPage(input) {
  return page({
    title: "Sign in",
    nonce: input.nonce,
    body: html`<h1>Sign in to Latchkey</h1>
${input.notice ? html`<p class="muted" role="status">${input.notice}</p>` : ""}
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ""}
${signInForms({ ...input, carry: { name: "return_to", value: input.returnTo } })}`
  });
}
export {
  signInPage
};
//# sourceMappingURL=sign-in-page.js.map
