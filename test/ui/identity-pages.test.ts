import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LinkedIdentity } from '../../src/ports/identities.js';
import type { UserRecord } from '../../src/ports/users.js';
import { accountPage } from '../../src/ui/account-page.js';
import { userListPage } from '../../src/ui/admin-pages-users.js';
import { loginPage } from '../../src/ui/authorization-pages.js';
import { signInPage } from '../../src/ui/sign-in-page.js';
import type { SignInMethods } from '../../src/users/sign-in-methods.js';

const providers = [
  { id: 'google', name: 'Google' },
  { id: 'corp-sso', name: 'Corp <script>alert(1)</script> & Co' },
];
const upstreamAction = (id: string) => `/auth/signin/upstream/${id}`;
const base = { nonce: 'n0nce', csrf: 'c'.repeat(43), action: '/auth/signin' };

/** The POST forms of a page, with their action, hidden fields and buttons. */
function formsOf(page: string) {
  return [...page.matchAll(/<form(?: class="[^"]*")? method="post" action="([^"]*)"[^>]*>([\s\S]*?)<\/form>/g)].map((m) => ({
    action: m[1]!,
    hidden: Object.fromEntries([...m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((h) => [h[1]!, h[2]!])),
    buttons: [...m[2]!.matchAll(/<button[^>]*>([\s\S]*?)<\/button>/g)].map((b) => b[1]!),
    body: m[2]!,
  }));
}

const user = (overrides: Partial<UserRecord> = {}): UserRecord => ({
  id: 'u1',
  username: 'alice',
  passwordHash: 'scrypt$32768$8$1$salt$hash',
  name: null,
  email: null,
  isAdmin: false,
  createdAt: Date.UTC(2026, 0, 1),
  sessionEpoch: 0,
  ...overrides,
});

const identity = (overrides: Partial<LinkedIdentity> = {}): LinkedIdentity => ({
  id: 'id-1',
  userId: 'u1',
  provider: 'google',
  subject: 's1',
  email: 'alice@example.com',
  displayName: 'Alice L.',
  createdAt: Date.UTC(2026, 0, 2, 3, 4),
  lastSignedInAt: null,
  ...overrides,
});

const accountPaths = {
  revoke: (clientId: string) => `/account/apps/${clientId}/revoke`,
  signOut: '/signout',
  unlink: (id: string) => `/account/identities/${id}/unlink`,
  link: (id: string) => `/signin/link/${id}`,
  changePassword: '/account/password',
};

function account(input: { user?: UserRecord; identities?: LinkedIdentity[]; methods?: SignInMethods; passwordError?: string }): string {
  return accountPage({
    nonce: 'n',
    csrf: 'tok',
    user: input.user ?? user(),
    apps: [],
    identities: input.identities ?? [],
    methods: input.methods ?? { providers, localPasswords: true },
    paths: accountPaths,
    passwordError: input.passwordError,
  });
}

describe('sign-in pages: a button per provider', () => {
  it('shows the password form first, then one POST form per provider carrying the CSRF token and return_to', () => {
    const page = signInPage({ ...base, returnTo: '/auth/admin', providers, upstreamAction });
    const forms = formsOf(page);
    assert.equal(forms.length, 3);
    assert.equal(forms[0]!.action, '/auth/signin');
    assert.match(forms[0]!.body, /name="password"/);
    for (const [i, provider] of providers.entries()) {
      const form = forms[i + 1]!;
      assert.equal(form.action, `/auth/signin/upstream/${provider.id}`);
      assert.deepEqual(form.hidden, { csrf: base.csrf, return_to: '/auth/admin' });
      assert.equal(form.buttons.length, 1, 'one button per provider');
      assert.doesNotMatch(form.body, /name="password"/);
    }
    assert.match(page, /<button type="submit" data-testid="provider-google">Continue with Google<\/button>/);
    assert.doesNotMatch(page, /<img|<svg|https?:\/\//, 'text buttons, no remote logos');
  });

  it('escapes a provider name: its markup is shown as text', () => {
    const page = signInPage({ ...base, returnTo: '/account', providers, upstreamAction });
    assert.match(page, /data-testid="provider-corp-sso">Continue with Corp &#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; Co<\/button>/);
    assert.doesNotMatch(page, /<script>/);
  });

  it('carries the pending authorization request in every form of the login page', () => {
    const page = loginPage({ ...base, pending: 'sealed.request', clientName: 'Notes', unverified: false, providers, upstreamAction });
    const forms = formsOf(page);
    assert.equal(forms.length, 3);
    for (const form of forms) assert.deepEqual(form.hidden, { csrf: base.csrf, pending: 'sealed.request' });
    assert.match(page, /<h1>Sign in<\/h1>/);
  });

  it('leaves the password form out when local passwords are off', () => {
    for (const page of [
      signInPage({ ...base, returnTo: '/account', providers, upstreamAction, localPasswords: false }),
      loginPage({ ...base, pending: 'p', clientName: 'Notes', unverified: false, providers, upstreamAction, localPasswords: false }),
    ]) {
      assert.doesNotMatch(page, /name="password"|name="username"/);
      assert.deepEqual(formsOf(page).map((form) => form.action), providers.map((provider) => upstreamAction(provider.id)));
      assert.doesNotMatch(page, /Or sign in with another account/);
    }
  });

  it('says that signing in is not configured when there is no provider and no local password', () => {
    const page = signInPage({ ...base, returnTo: '/account', providers: [], upstreamAction, localPasswords: false });
    assert.equal(formsOf(page).length, 0);
    assert.match(page, /role="alert" data-testid="sign-in-unavailable">Signing in is not configured on this server/);
  });

  it('keeps the password form alone, as before, without providers', () => {
    const page = signInPage({ ...base, returnTo: '/account' });
    assert.deepEqual(formsOf(page).map((form) => form.action), ['/auth/signin']);
    assert.doesNotMatch(page, /data-testid="providers"/);
    assert.match(page, /name="username" autocomplete="username" required autofocus/);
  });
});

describe('account page: how you sign in', () => {
  it('lists identities with the provider name, who they are, when linked and last used, each with an unlink form', () => {
    const page = account({ identities: [identity(), identity({ id: 'id-2', provider: 'corp-sso', email: null, displayName: null, lastSignedInAt: Date.UTC(2026, 2, 3, 4, 5) })] });
    const rows = [...page.matchAll(/<section class="identity"[\s\S]*?<\/section>/g)].map((m) => m[0]);
    assert.equal(rows.length, 2);
    assert.match(rows[0]!, /data-testid="identity-provider">Google<\/h3>/);
    assert.match(rows[0]!, /data-testid="identity-account">Alice L\. <span class="muted">\(alice@example\.com\)<\/span>/);
    assert.match(rows[0]!, /data-testid="linked-at"><time datetime="2026-01-02T03:04:00\.000Z">2026-01-02 03:04 UTC<\/time>/);
    assert.match(rows[0]!, /data-testid="identity-last-used">never</);
    assert.match(rows[1]!, /data-testid="identity-provider">Corp &#60;script&#62;/);
    assert.match(rows[1]!, /The provider shared no name or email address/);
    assert.match(rows[1]!, /data-testid="identity-last-used"><time datetime="2026-03-03T04:05:00\.000Z">/);
    assert.deepEqual(
      formsOf(page).filter((form) => form.action.endsWith('/unlink')).map((form) => [form.action, form.hidden]),
      [['/account/identities/id-1/unlink', { csrf: 'tok' }], ['/account/identities/id-2/unlink', { csrf: 'tok' }]],
    );
  });

  it('shows an email or display name with markup as text', () => {
    const page = account({ identities: [identity({ email: '<script>alert(1)</script>@x.example', displayName: '<img src=x onerror=alert(2)>' })] });
    assert.doesNotMatch(page, /<script>|<img/);
    assert.match(page, /&#60;img src=x onerror=alert\(2\)&#62; <span class="muted">\(&#60;script&#62;alert\(1\)&#60;\/script&#62;@x\.example\)/);
  });

  it('offers to link only the providers not linked yet, by POST with the CSRF token', () => {
    const page = account({ identities: [identity()] });
    const links = formsOf(page).filter((form) => form.action.startsWith('/signin/link/'));
    assert.deepEqual(links.map((form) => [form.action, form.hidden]), [['/signin/link/corp-sso', { csrf: 'tok' }]]);
    assert.match(page, /data-testid="link-corp-sso">Link Corp &#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; Co<\/button>/);
    assert.doesNotMatch(page, /data-testid="link-google"/);
    assert.doesNotMatch(account({ identities: [], methods: { providers: [], localPasswords: true } }), /data-testid="link-providers"/);
  });

  it('has no unlink button for the last way to sign in: no password, or local passwords off', () => {
    for (const [methods, who] of [
      [{ providers, localPasswords: true }, user({ passwordHash: null })],
      [{ providers, localPasswords: false }, user()],
    ] as const) {
      const page = account({ user: who, methods, identities: [identity()] });
      assert.doesNotMatch(page, /\/unlink"/);
      assert.match(page, /data-testid="unlink-refused">This is your only way to sign in/);
      const two = account({ user: who, methods, identities: [identity(), identity({ id: 'id-2', provider: 'corp-sso' })] });
      assert.equal([...two.matchAll(/action="\/account\/identities\/[^"]+\/unlink"/g)].length, 2, 'with two, either may go');
    }
  });

  it('shows the change-password form only to a user with a password while local passwords are on', () => {
    const form = /<form method="post" action="\/account\/password" data-testid="change-password">/;
    const page = account({});
    assert.match(page, form);
    for (const name of ['current_password', 'new_password', 'new_password_repeat']) assert.match(page, new RegExp(`type="password" name="${name}"`));
    assert.doesNotMatch(account({ user: user({ passwordHash: null }), identities: [identity()] }), form);
    assert.doesNotMatch(account({ methods: { providers, localPasswords: false }, identities: [identity()] }), form);
    const refused = account({ passwordError: 'The <two> new passwords differ.' });
    assert.match(refused, /role="alert" data-testid="password-error">The &#60;two&#62; new passwords differ\.</);
  });
});

describe('dashboard users page: linked identities', () => {
  const frame = { base: '/auth', csrf: 'tok', username: 'root' };
  const render = (users: UserRecord[], identities: Map<string, LinkedIdentity[]>, methods: SignInMethods = { providers, localPasswords: true }) =>
    userListPage({ nonce: 'n', frame, users, identities, methods, form: { username: '', name: '', email: '', isAdmin: false } });
  const rowOf = (page: string, username: string) => [...page.matchAll(/<tr data-testid="user-row">[\s\S]*?<\/tr>/g)].map((m) => m[0]).find((r) => r.includes(`>${username}</th>`))!;

  it("shows each user's identities and password, with an admin unlink form (CSRF) per identity", () => {
    const root = user({ id: 'r', username: 'root', isAdmin: true });
    const carol = user({ id: 'c', username: 'carol', passwordHash: null });
    const page = render([carol, root], new Map([['c', [identity({ id: 'i-c', userId: 'c', email: '<script>@x', displayName: null })]]]));
    const row = rowOf(page, 'carol');
    assert.match(row, /data-testid="has-password">no</);
    assert.match(row, /<strong>Google<\/strong> &#60;script&#62;@x/);
    assert.deepEqual(
      formsOf(row).map((form) => [form.action, form.hidden]),
      [['/auth/admin/users/carol/identities/i-c/unlink', { csrf: 'tok' }], ['/auth/admin/users/carol/remove', { csrf: 'tok' }]],
    );
    assert.match(rowOf(page, 'root'), /data-testid="has-password">yes<[\s\S]*<span class="muted">none<\/span>/);
    assert.doesNotMatch(page, /<script>/);
  });

  it("shows no unlink form for the administrator's own last way to sign in", () => {
    const root = user({ id: 'r', username: 'root', isAdmin: true, passwordHash: null });
    const page = render([root], new Map([['r', [identity({ id: 'i-r', userId: 'r' })]]]));
    assert.doesNotMatch(page, /\/unlink"/);
  });
});
