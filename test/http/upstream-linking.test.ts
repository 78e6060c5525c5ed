// Local password users and a real upstream OpenID Connect provider (node-oidc-provider on a loopback port), over
// real HTTP, on each database: linking an identity from /account, signing in with it afterwards, the admin rule's
// asymmetry between local and upstream-created users, and the refusals (an identity linked to someone else, a link
// finished in another user's session, passwords turned off, a local username never merged with an upstream email).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { UserRecord } from '../../src/ports/users.js';
import { createUser } from '../../src/users/users.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { HttpBrowser, type Page } from '../support/http-browser.js';
import { freePort } from '../support/real-port.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { startUpstreamOidc, type UpstreamAccount, type UpstreamOidc } from '../support/upstream-oidc.js';

const clientId = 'latchkey-at-corp';
const clientSecret = 'a-long-client-secret-of-latchkey-at-corp';
const password = 'correct horse battery staple';

/** The people at the provider. Tests change their groups between sign-ins: the provider reads them at each one. */
const accounts: UpstreamAccount[] = [
  { sub: 'grace-sub', email: 'grace@example.com', email_verified: true, name: 'Grace Hopper', groups: ['staff'] },
  { sub: 'linus-sub', email: 'linus@example.com', email_verified: true, name: 'Linus', groups: ['staff'] },
  { sub: 'olga-sub', email: 'olga@example.com', email_verified: true, name: 'Olga', groups: ['staff', 'latchkey-admins'] },
  { sub: 'ivy-sub', email: 'ivy@example.com', email_verified: true, name: 'Ivy', groups: ['staff'] },
  { sub: 'jack-sub', email: 'jack@example.com', email_verified: true, name: 'Jack', groups: ['staff'] },
  { sub: 'ada-sub', email: 'ada@example.com', email_verified: true, name: 'Ada at Corp', groups: ['staff'] },
];
const account = (sub: string): UpstreamAccount => accounts.find((a) => a.sub === sub)!;

/** The hidden fields of the page's POST form whose action is `action`. */
function formFields(page: Page, action: string): Record<string, string> {
  const form = page.body.split('<form ').find((part) => part.startsWith(`method="post" action="${action}"`));
  assert.ok(form, `the page has a form posting to ${action}: ${page.body.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const match of form.split('</form>')[0]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]!] = match[2]!;
  return fields;
}

/** The identity rows of an account page. */
function identityRows(page: Page): string[] {
  return [...page.body.matchAll(/<section class="identity" data-testid="identity-row"[\s\S]*?<\/section>/g)].map((m) => m[0]);
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('linking upstream identities to local users', () => {
    let upstream: UpstreamOidc;
    let latchkey: TestServer;
    let issuer: string;
    /** A second Latchkey on the same provider, with `identity.localPasswords` false. */
    let noPasswords: TestServer;
    let noPasswordsIssuer: string;

    /** A local user with a password (no name, so the account page shows the username). */
    const localUser = (server: TestServer, username: string, isAdmin = false): Promise<UserRecord> =>
      createUser(server.storage.users, { username, password, isAdmin }, { now: Date.now(), newId: randomUUID });

    before(async () => {
      const [port, otherPort] = [await freePort(), await freePort()];
      issuer = `http://127.0.0.1:${port}`;
      noPasswordsIssuer = `http://127.0.0.1:${otherPort}`;
      upstream = await startUpstreamOidc({
        clients: [
          {
            client_id: clientId,
            client_secret: clientSecret,
            redirect_uris: [`${issuer}/signin/callback/corp`, `${noPasswordsIssuer}/signin/callback/corp`],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
        accounts,
      });
      const identity = {
        'identity.providers': [{ id: 'corp', name: 'Corp SSO', issuer: upstream.issuer, clientId, clientSecret }],
        'identity.allow': { emailDomains: ['example.com'] },
        'identity.admins': { claim: { name: 'groups', values: ['latchkey-admins'] } },
      };
      latchkey = await startTestServer({ database: kind, overrides: { issuer, ...identity } });
      await latchkey.app.listen({ host: '127.0.0.1', port });
      noPasswords = await startTestServer({ database: kind, overrides: { issuer: noPasswordsIssuer, 'identity.localPasswords': false, ...identity } });
      await noPasswords.app.listen({ host: '127.0.0.1', port: otherPort });
    });
    after(async () => {
      await noPasswords?.close();
      await latchkey?.close();
      await upstream?.close();
    });

    /** A browser signed in with the password form of `/signin`, left on `/account`. */
    async function withPassword(username: string): Promise<HttpBrowser> {
      const http = new HttpBrowser(issuer);
      const signIn = await http.get('/signin?return_to=/account');
      assert.equal(signIn.status, 200, signIn.body);
      const answer = await http.post('/signin', { ...formFields(signIn, '/signin'), username, password });
      assert.equal(answer.status, 303, answer.body);
      assert.equal(answer.location, '/account');
      return http;
    }

    /** The account page's "Link Corp SSO" button, sent: resolves the provider's authorization URL. */
    async function startLink(http: HttpBrowser): Promise<URL> {
      const page = await http.get('/account');
      assert.equal(page.status, 200, page.body);
      assert.match(page.body, /data-testid="link-corp">Link Corp SSO<\/button>/);
      const leaving = await http.post('/signin/link/corp', formFields(page, '/signin/link/corp'));
      assert.equal(leaving.status, 303, leaving.body);
      const url = new URL(leaving.location!);
      assert.equal(url.origin, upstream.issuer);
      return url;
    }

    /** Finishes at Latchkey: opens the callback URL the provider sent the browser to. */
    const callback = (http: HttpBrowser, back: URL): Promise<Page> => {
      assert.equal(`${back.origin}${back.pathname}`, `${issuer}/signin/callback/corp`);
      return http.get(back.pathname + back.search);
    };

    /** Signs in as `login` with the provider's button of `/signin`, in a new browser. */
    async function withUpstream(login: string): Promise<{ http: HttpBrowser; answer: Page }> {
      const http = new HttpBrowser(issuer);
      const signIn = await http.get('/signin?return_to=/account');
      const leaving = await http.post('/signin/upstream/corp', formFields(signIn, '/signin/upstream/corp'));
      assert.equal(leaving.status, 303, leaving.body);
      const answer = await callback(http, await upstream.signIn(new URL(leaving.location!), login));
      return { http, answer };
    }

    /** Who the account page says is signed in (`name` for users with one, else the username). */
    async function signedInAs(http: HttpBrowser): Promise<string | undefined> {
      const page = await http.get('/account');
      return page.status === 200 ? /data-testid="user-name">([^<]+)</.exec(page.body)?.[1] : undefined;
    }

    const isAdmin = async (userId: string) => (await latchkey.storage.users.findUserById(userId))?.isAdmin;

    it('links the upstream identity from /account, lists it, and signs in with it as the same local user afterwards', async () => {
      const grace = await localUser(latchkey, 'grace');
      const http = await withPassword('grace');
      const linked = await callback(http, await upstream.signIn(await startLink(http), 'grace-sub'));
      assert.equal(linked.status, 303, linked.body);
      assert.equal(linked.location, '/account?notice=linked');

      const page = await http.get(linked.location!);
      assert.match(page.body, /data-testid="notice">Linked: you can now sign in with that account too\.</);
      const rows = identityRows(page);
      assert.equal(rows.length, 1);
      assert.match(rows[0]!, /data-testid="identity-provider">Corp SSO<\/h3>/);
      assert.match(rows[0]!, /data-testid="identity-account">Grace Hopper <span class="muted">\(grace@example\.com\)<\/span>/);
      assert.doesNotMatch(page.body, /data-testid="link-corp"/, 'no button to link the provider again');
      assert.equal((await latchkey.storage.identities.findIdentity('corp', 'grace-sub'))?.userId, grace.id);

      const upstreamSignIn = await withUpstream('grace-sub');
      assert.equal(upstreamSignIn.answer.status, 303, upstreamSignIn.answer.body);
      assert.equal(upstreamSignIn.answer.location, '/account');
      assert.equal(await signedInAs(upstreamSignIn.http), 'grace', 'the local user, not a new one');
      assert.equal((await latchkey.storage.users.listUsers()).filter((user) => user.email === 'grace@example.com').length, 0, 'nobody created');
    });

    it('promotes a local user the admin rule names, and never demotes them when it stops naming them', async () => {
      const linus = await localUser(latchkey, 'linus');
      const http = await withPassword('linus');
      const linked = await callback(http, await upstream.signIn(await startLink(http), 'linus-sub'));
      assert.equal(linked.location, '/account?notice=linked');
      assert.equal(await isAdmin(linus.id), false, 'not named yet');

      account('linus-sub').groups = ['staff', 'latchkey-admins'];
      assert.equal((await withUpstream('linus-sub')).answer.status, 303);
      assert.equal(await isAdmin(linus.id), true, 'promoted');

      account('linus-sub').groups = ['staff'];
      const again = await withUpstream('linus-sub');
      assert.equal(again.answer.status, 303);
      assert.equal(await signedInAs(again.http), 'linus');
      assert.equal(await isAdmin(linus.id), true, 'a local user stays what they are');
    });

    it('demotes a user the provider created (no password) when the admin rule stops naming them, and promotes them back', async () => {
      const first = await withUpstream('olga-sub');
      assert.equal(first.answer.status, 303, first.answer.body);
      const identity = await latchkey.storage.identities.findIdentity('corp', 'olga-sub');
      assert.ok(identity);
      const olga = await latchkey.storage.users.findUserById(identity.userId);
      assert.deepEqual({ passwordHash: olga?.passwordHash, isAdmin: olga?.isAdmin }, { passwordHash: null, isAdmin: true });

      account('olga-sub').groups = ['staff'];
      assert.equal((await withUpstream('olga-sub')).answer.status, 303);
      assert.equal(await isAdmin(identity.userId), false, 'demoted');

      account('olga-sub').groups = ['staff', 'latchkey-admins'];
      assert.equal((await withUpstream('olga-sub')).answer.status, 303);
      assert.equal(await isAdmin(identity.userId), true);
    });

    it('refuses to link an identity that is linked to another user (403), leaving it with its owner', async () => {
      const ivy = await withUpstream('ivy-sub');
      assert.equal(ivy.answer.status, 303, ivy.answer.body);
      const owner = (await latchkey.storage.identities.findIdentity('corp', 'ivy-sub'))?.userId;
      assert.ok(owner);

      const henry = await localUser(latchkey, 'henry');
      const http = await withPassword('henry');
      const refused = await callback(http, await upstream.signIn(await startLink(http), 'ivy-sub'));
      assert.equal(refused.status, 403, refused.body);
      assert.match(refused.body, /Sign-in refused/);
      assert.match(refused.body, /already linked to another user here/);
      assert.equal((await latchkey.storage.identities.findIdentity('corp', 'ivy-sub'))?.userId, owner);
      assert.deepEqual(await latchkey.storage.identities.listIdentities(henry.id), []);
      assert.equal(await signedInAs(http), 'henry', 'still signed in as himself');
    });

    it('refuses a link started by one user and finished in the session of another', async () => {
      const jack = await localUser(latchkey, 'jack');
      const kate = await localUser(latchkey, 'kate');
      const http = await withPassword('jack');
      const atProvider = await startLink(http);
      // Jack signs out and Kate signs in, in the same browser, before the provider sends it back.
      const signOut = await http.post('/signout', formFields(await http.get('/account'), '/signout'));
      assert.equal(signOut.status, 303);
      const signIn = await http.get('/signin?return_to=/account');
      assert.equal(signIn.status, 200, 'signed out');
      assert.equal((await http.post('/signin', { ...formFields(signIn, '/signin'), username: 'kate', password })).status, 303);
      assert.ok(http.cookies.get('latchkey-upstream'), 'the round trip Jack began is still in the browser');

      const refused = await callback(http, await upstream.signIn(atProvider, 'jack-sub'));
      assert.equal(refused.status, 400, refused.body);
      assert.match(refused.body, /This page has expired/);
      assert.equal(await latchkey.storage.identities.findIdentity('corp', 'jack-sub'), undefined, 'linked to nobody');
      assert.deepEqual(await latchkey.storage.identities.listIdentities(jack.id), []);
      assert.deepEqual(await latchkey.storage.identities.listIdentities(kate.id), []);
      assert.equal(await signedInAs(http), 'kate');
    });

    it('with identity.localPasswords false, shows no password form and answers 403 to a password, even a right one', async () => {
      await localUser(noPasswords, 'walter');
      const http = new HttpBrowser(noPasswordsIssuer);
      const signIn = await http.get('/signin?return_to=/account');
      assert.equal(signIn.status, 200, signIn.body);
      assert.doesNotMatch(signIn.body, /name="password"|data-testid="password-form"/);
      assert.match(signIn.body, /data-testid="provider-corp">Continue with Corp SSO<\/button>/);
      const answer = await http.post('/signin', { ...formFields(signIn, '/signin/upstream/corp'), username: 'walter', password });
      assert.equal(answer.status, 403, answer.body);
      assert.match(answer.body, /does not accept passwords/);
      assert.equal(answer.location, null);
      assert.equal(http.cookies.get('latchkey-session') ?? '', '', 'not signed in');
    });

    it('gives an upstream user whose verified email is a local username another username and another user id', async () => {
      const local = await localUser(latchkey, 'ada@example.com');
      const { http, answer } = await withUpstream('ada-sub');
      assert.equal(answer.status, 303, answer.body);
      const identity = await latchkey.storage.identities.findIdentity('corp', 'ada-sub');
      assert.ok(identity);
      assert.notEqual(identity.userId, local.id);
      const created = await latchkey.storage.users.findUserById(identity.userId);
      assert.ok(created);
      assert.notEqual(created.username, 'ada@example.com');
      assert.deepEqual({ email: created.email, passwordHash: created.passwordHash }, { email: 'ada@example.com', passwordHash: null });
      assert.equal(await signedInAs(http), 'Ada at Corp');
      // The local user is untouched, and still signs in with the password as themselves.
      assert.deepEqual(await latchkey.storage.identities.listIdentities(local.id), []);
      assert.deepEqual(await latchkey.storage.users.findUserById(local.id), local);
      assert.equal(await signedInAs(await withPassword('ada@example.com')), 'ada@example.com');
    });
  });
});
