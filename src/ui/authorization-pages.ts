import { isClaimableByLocalApps, isUnverified } from '../protocol/authorization/unverified-client.js';
import type { ClientRecord } from '../ports/clients.js';
import { html, page, type SafeHtml } from './html.js';
import { describeScope } from './scope-descriptions.js';
import { signInForms, type SignInChoices } from './sign-in-forms.js';

/** Values every form carries: the CSRF token and the signed pending authorization request. */
export interface FormState {
  nonce: string;
  csrf: string;
  pending: string;
  action: string;
}

/**
 * The sign-in page shown during an authorization request: the ways this server offers ({@link signInForms}),
 * each form carrying the signed pending request, so that any of them leads back to the consent page.
 */
export function loginPage(
  input: FormState & SignInChoices & { clientName: string; unverified: boolean; username?: string | undefined; error?: string | undefined },
): string {
  return page({
    title: 'Sign in',
    nonce: input.nonce,
    body: html`<h1>Sign in</h1>
<p>to continue to <strong>${input.clientName}</strong>${input.unverified ? html` <span class="badge">Unverified app</span>` : ''}</p>
${input.error ? html`<p class="error" role="alert">${input.error}</p>` : ''}
${signInForms({ ...input, carry: { name: 'pending', value: input.pending } })}`,
  });
}

/** A host to show for a URL, or a description of why there is none. */
function hostOf(uri: string | undefined): string {
  if (uri === undefined) return 'not given';
  try {
    const url = new URL(uri);
    return url.host || `${url.protocol} (an app on this device)`;
  } catch {
    return uri;
  }
}

/**
 * The consent page. Against phishing it shows, side by side, the name the client chose for itself and the hosts
 * it cannot fake: where the answer goes (the redirect URI) and its home page; dynamically registered clients
 * are marked unverified, since anyone can register any name, and a metadata-document client whose answer goes to
 * this device is flagged as possibly any local app. On a step-up (`alreadyAllowed`: scopes the user allowed this
 * client before) the page asks only for the new scopes and lists the others as already allowed.
 */
export function consentPage(
  input: FormState & {
    client: ClientRecord;
    redirectUri: string;
    scope: string;
    resource: string | null;
    resourceName?: string | null;
    username: string;
    /** The requested scopes already allowed, space-separated. */
    alreadyAllowed?: string | undefined;
  },
): string {
  const { client } = input;
  const name = client.metadata.client_name ?? client.clientId;
  const scopes = input.scope.split(' ').filter(Boolean);
  const allowed = new Set((input.alreadyAllowed ?? '').split(' ').filter(Boolean));
  return page({
    title: `Allow ${name}?`,
    nonce: input.nonce,
    body: html`<h1>Allow <span data-testid="client-name">${name}</span> to access your account?</h1>
${isUnverified(client) ? html`<p><span class="badge" data-testid="unverified">Unverified app</span> <span class="muted">It registered itself; its name is not checked.</span></p>` : ''}
${client.lookAlikeOf ? lookAlikeWarning(name, client.lookAlikeOf, input.redirectUri) : ''}
${isClaimableByLocalApps(client, input.redirectUri) ? localAppWarning(name, input.redirectUri) : ''}
<dl>
<dt>Sends you back to</dt><dd data-testid="redirect-host">${hostOf(input.redirectUri)}</dd>
<dt>Home page</dt><dd data-testid="client-uri-host">${hostOf(client.metadata.client_uri)}</dd>
${input.resource ? html`<dt>Wants access to</dt><dd data-testid="resource-host">${input.resourceName ? html`<strong data-testid="resource-name">${input.resourceName}</strong> <span class="muted">(${hostOf(input.resource)})</span>` : hostOf(input.resource)}</dd>` : ''}
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
</form>`,
  });
}

/**
 * What the client will be able to do. On a step-up the new scopes come first, marked new, and those the user
 * allowed before follow as already allowed, so that the question is only about what is new.
 */
function scopeLists(scopes: string[], allowed: ReadonlySet<string>): SafeHtml {
  if (scopes.length === 0) return html`<p>It asks for no permissions beyond knowing you allowed it.</p>`;
  const item = (s: string, badge: SafeHtml | '' = '') => html`<li data-scope="${s}">${badge}${describeScope(s)} <span class="muted">(${s})</span></li>`;
  const fresh = scopes.filter((s) => !allowed.has(s));
  const before = scopes.filter((s) => allowed.has(s));
  if (before.length === 0) return html`<p>It will be able to:</p><ul class="scopes" data-testid="new-scopes">${fresh.map((s) => item(s))}</ul>`;
  const asked =
    fresh.length === 0
      ? html`<p>It asks for nothing new.</p>`
      : html`<p>It asks for more. It will also be able to:</p><ul class="scopes" data-testid="new-scopes">${fresh.map((s) => item(s, html`<span class="badge">New</span> `))}</ul>`;
  return html`${asked}
<p class="muted">Already allowed:</p><ul class="scopes muted" data-testid="allowed-scopes">${before.map((s) => item(s))}</ul>`;
}

/**
 * The warning for a metadata-document client whose answer goes to this device (a loopback or private-use
 * redirect): any app on the device could have sent the user here under this document's name.
 */
function localAppWarning(name: string, redirectUri: string): SafeHtml {
  return html`<p class="warning" role="alert" data-testid="local-app-warning"><strong>Careful:</strong> “${name}” sends you back to an app on this device (${hostOf(redirectUri)}). Any app on this device can use this name, so only continue if you just started ${name} yourself.</p>`;
}

/**
 * The warning for a client whose name imitates a well-known agent (flagged at registration) while its redirect
 * goes elsewhere: the name is the one thing a phishing client can fake, the redirect host is not.
 */
function lookAlikeWarning(name: string, agent: string, redirectUri: string): SafeHtml {
  return html`<p class="warning" role="alert" data-testid="look-alike-warning"><strong>Careful:</strong> this app calls itself “${name}” but is not ${agent}: its redirect goes to <strong>${hostOf(redirectUri)}</strong>. Only continue if you trust it.</p>`;
}

/** An error that cannot be sent back to the application (its redirect URI is unknown or not trusted). */
export function errorPage(input: { nonce: string; title: string; message: string }): string {
  return page({
    title: input.title,
    nonce: input.nonce,
    body: html`<h1>${input.title}</h1>
<p class="error" role="alert">${input.message}</p>
<p class="muted">You can close this window and try again from the application.</p>`,
  });
}

/**
 * An error of a self-registered client's request, shown instead of redirecting at once: the user sees where
 * the link goes and may follow it back to the application (RFC 9700 §4.11.2).
 */
export function returnToClientPage(input: { nonce: string; href: string; message: string }): string {
  return page({
    title: 'This request cannot continue',
    nonce: input.nonce,
    body: html`<h1>This request cannot continue</h1>
<p class="error" role="alert">${input.message}</p>
<p>The application that sent you here registered itself; its address is not checked.</p>
<p><a data-testid="return-link" rel="noreferrer" href="${input.href}">Return to ${hostOf(input.href)}</a></p>`,
  });
}
