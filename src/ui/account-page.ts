import type { ConnectedApp } from '../ports/consents.js';
import type { LinkedIdentity } from '../ports/identities.js';
import type { UserRecord } from '../ports/users.js';
import { isUnverified } from '../protocol/authorization/unverified-client.js';
import type { SignInMethods } from '../users/sign-in-methods.js';
import { html, page, type SafeHtml } from './html.js';
import { signInSection, when } from './account-sign-in.js';
import { describeScope } from './scope-descriptions.js';

/** Where the page's forms go: each app's revoke action, signing out, and the sign-in methods' actions. */
export interface AccountPaths {
  revoke: (clientId: string) => string;
  signOut: string;
  /** Unlinks one of the user's identities. */
  unlink: (identityId: string) => string;
  /** Starts linking an account at a provider (a sign-in there, which comes back linked). */
  link: (providerId: string) => string;
  changePassword: string;
}

/** A message shown after an action: `status` for news, `alert` for a refusal. */
export interface AccountNotice {
  text: string;
  kind: 'status' | 'alert';
}

/**
 * The account page: how the user signs in (their password, their linked identities at upstream providers, with
 * ways to unlink one, link another and change the password) and the apps they have connected. An app's name is
 * its own choice (anyone can register any name), so the redirect hosts, which it cannot fake, are shown beside
 * it, and self-registered apps are marked.
 */
export function accountPage(input: {
  nonce: string;
  csrf: string;
  user: UserRecord;
  apps: ConnectedApp[];
  identities: readonly LinkedIdentity[];
  methods: SignInMethods;
  paths: AccountPaths;
  notice?: AccountNotice | undefined;
  /** Why the password form was refused, shown beside it. */
  passwordError?: string | undefined;
}): string {
  const { user, csrf } = input;
  return page({
    title: 'Your account',
    nonce: input.nonce,
    styles: accountStyles,
    body: html`<h1>Your account</h1>
<p>Signed in as <strong data-testid="user-name">${user.name ?? user.username}</strong>${user.name ? html` <span class="muted">(${user.username})</span>` : ''}</p>
<form method="post" action="${input.paths.signOut}" data-testid="sign-out">
<input type="hidden" name="csrf" value="${csrf}">
<div class="actions"><button type="submit">Sign out</button></div>
</form>
${input.notice ? html`<p class="${input.notice.kind === 'alert' ? 'error' : 'muted'}" role="${input.notice.kind}" data-testid="notice">${input.notice.text}</p>` : ''}
${signInSection(input)}
<h2>Connected apps</h2>
${
  input.apps.length === 0
    ? html`<p data-testid="no-apps">No apps are connected to your account. When you allow an app to access your account, it appears here, and you can revoke its access at any time.</p>`
    : html`<p class="muted">These apps may act on your behalf. Revoking an app's access takes effect at once: its tokens stop working, and it must ask you again.</p>
${input.apps.map((app) => appRow(app, csrf, input.paths.revoke(app.clientId)))}`
}`,
  });
}

function appRow(app: ConnectedApp, csrf: string, action: string): SafeHtml {
  const name = app.clientName ?? app.clientId;
  const scopes = app.scope.split(' ').filter(Boolean);
  return html`<section class="app" data-testid="app-row" data-client-id="${app.clientId}">
<h3><span data-testid="app-name">${name}</span>${isUnverified(app) ? html` <span class="badge" data-testid="unverified">Unverified</span>` : ''}</h3>
<dl>
<dt>Sends you back to</dt><dd data-testid="redirect-hosts">${redirectHosts(app.redirectUris).join(', ')}</dd>
<dt>Allowed</dt><dd data-testid="granted-at">${when(app.grantedAt)}</dd>
<dt>Last used</dt><dd data-testid="last-used">${app.lastUsedAt === null ? 'never' : when(app.lastUsedAt)}</dd>
</dl>
${
  scopes.length > 0
    ? html`<p>It can:</p><ul class="scopes" data-testid="scopes">${scopes.map((s) => html`<li>${describeScope(s)} <span class="muted">(${s})</span></li>`)}</ul>`
    : html`<p data-testid="scopes">It has no permissions beyond knowing you allowed it.</p>`
}
<form method="post" action="${action}">
<input type="hidden" name="csrf" value="${csrf}">
<button type="submit" data-testid="revoke" aria-label="Revoke the access of ${name}">Revoke access</button>
</form>
</section>`;
}

/**
 * The distinct hosts an app's redirect URIs point at: what the user can recognise. A private-use scheme
 * (`com.example.app:/cb`) has no host; it names an app on the user's device.
 */
export function redirectHosts(uris: string[]): string[] {
  const hosts = uris.map((uri) => {
    try {
      const url = new URL(uri);
      return url.host || `${url.protocol.slice(0, -1)} (an app on this device)`;
    } catch {
      return uri;
    }
  });
  return [...new Set(hosts)];
}

const accountStyles = `
h2 { font-size: 1.2rem; margin: 2rem 0 .5rem; }
section.app, section.identity { border: 1px solid #8888; border-radius: .5rem; padding: .75rem 1rem; margin: 1rem 0; }
section.app h3, section.identity h3 { font-size: 1.1rem; margin: 0; overflow-wrap: anywhere; }
section.app dl, section.identity dl { margin: .5rem 0; }
.link-providers form { margin-top: .5rem; }
`;

/** A refusal on the account pages (a stale form), with the way back. */
export function accountErrorPage(input: { nonce: string; title: string; message: string; back: string }): string {
  return page({
    title: input.title,
    nonce: input.nonce,
    body: html`<h1>${input.title}</h1>
<p class="error" role="alert">${input.message}</p>
<p><a href="${input.back}">Back to your account</a></p>`,
  });
}
