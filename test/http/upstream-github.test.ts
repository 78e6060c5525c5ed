// Signing in with the `github` preset over real HTTP, on each database. GitHub itself cannot be reached from test
// machines (no network, and no test account to sign in with), so the preset's `baseUrl` points at a local stand-in
// for GitHub's OAuth web flow and its REST API (test/support/github-stand-in.ts); its API is then at `/api/v3`, as on
// GitHub Enterprise Server, which is where the preset looks for it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { AuditEvent, AuditEventType } from '../../src/ports/audit-events.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startGitHubStandIn, type GitHubStandIn, type GitHubStandInUser } from '../support/github-stand-in.js';
import { HttpBrowser, type Page } from '../support/http-browser.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

const clientId = 'Iv1.latchkeytest0001';
const clientSecret = 'a-long-client-secret-of-the-github-oauth-app';

/** A GitHub user with a verified primary address in the allowed domain (and an older, non-primary one elsewhere). */
const ada: GitHubStandInUser = {
  id: 5830001,
  login: 'ada-l',
  name: 'Ada Lovelace',
  emails: [
    { email: 'ada.old@elsewhere.example', primary: false, verified: true, visibility: null },
    { email: 'ada@example.com', primary: true, verified: true, visibility: 'private' },
  ],
};
/** Her primary address claims the allowed domain, unverified; her verified address there is not the primary one. */
const mallory: GitHubStandInUser = {
  id: 5830003,
  login: 'mallory',
  name: 'Mallory',
  emails: [
    { email: 'boss@example.com', primary: true, verified: false, visibility: 'public' },
    { email: 'mallory@example.com', primary: false, verified: true, visibility: null },
  ],
};
/** No verified primary address either, but her login is named by the allow rule's claim. */
const grace: GitHubStandInUser = {
  id: 5830004,
  login: 'grace-h',
  name: null,
  emails: [{ email: 'grace@example.com', primary: true, verified: false, visibility: null }],
};

/** The hidden fields of the page's POST form whose action is `action`. */
function formFields(page: Page, action: string): Record<string, string> {
  const form = page.body.split('<form ').find((part) => part.startsWith(`method="post" action="${action}"`));
  assert.ok(form, `the page has a form posting to ${action}: ${page.body.slice(0, 500)}`);
  const fields: Record<string, string> = {};
  for (const match of form.split('</form>')[0]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields[match[1]!] = match[2]!;
  return fields;
}

/** The value of one sample of the Prometheus text, e.g. `latchkey_sign_ins_total{provider="github"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('sign-in with the github preset (a local stand-in for GitHub)', () => {
    let github: GitHubStandIn;
    let latchkey: ListeningTestServer;

    before(async () => {
      github = await startGitHubStandIn({ clientId, clientSecret, user: ada });
      latchkey = await startListeningTestServer({
        database: kind,
        overrides: {
          'identity.providers': [{ preset: 'github', baseUrl: github.baseUrl, clientId, clientSecret }],
          'identity.allow': { emailDomains: ['example.com'], claim: { name: 'login', values: ['grace-h'] } },
        },
      });
    });
    after(async () => {
      await latchkey?.close();
      await github?.close();
    });

    /**
     * From `/signin?return_to=/account`, the GitHub button, the stand-in's authorize page as `user` approving:
     * resolves the callback URL the stand-in sends the browser back to (not opened yet).
     */
    async function throughGitHub(http: HttpBrowser, user: GitHubStandInUser): Promise<URL> {
      github.user = user;
      const signIn = await http.get('/signin?return_to=/account');
      assert.equal(signIn.status, 200, signIn.body);
      assert.match(signIn.body, /data-testid="provider-github">Continue with GitHub<\/button>/);
      const leaving = await http.post('/signin/upstream/github', formFields(signIn, '/signin/upstream/github'));
      assert.equal(leaving.status, 303, leaving.body);
      const authorize = new URL(leaving.location!);
      assert.equal(`${authorize.origin}${authorize.pathname}`, `${github.baseUrl}/login/oauth/authorize`);
      assert.equal(authorize.searchParams.get('redirect_uri'), `${latchkey.issuer}/signin/callback/github`);
      assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
      assert.equal(authorize.searchParams.get('scope'), 'read:user user:email');
      const back = await github.authorize(authorize);
      assert.equal(`${back.origin}${back.pathname}`, `${latchkey.issuer}/signin/callback/github`);
      return back;
    }

    /** Signs in as `user` at the stand-in, in a new browser; resolves the browser and the callback's answer. */
    async function signInAs(user: GitHubStandInUser): Promise<{ http: HttpBrowser; answer: Page }> {
      const http = new HttpBrowser(latchkey.issuer);
      const back = await throughGitHub(http, user);
      return { http, answer: await http.get(back.pathname + back.search) };
    }

    /** The audit events of `type` about `userId`, once there is one (the audit trail writes in the background). */
    async function auditedFor(type: AuditEventType, userId: string): Promise<AuditEvent[]> {
      for (let attempt = 0; ; attempt++) {
        const events = (await latchkey.storage.auditEvents.listAuditEvents({ type, limit: 100 })).filter((event) => event.userId === userId);
        if (events.length > 0 || attempt >= 50) return events;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }

    it('creates the user at the first sign-in: username from the verified primary email, subject the numeric id; lands on /account', async () => {
      const { http, answer } = await signInAs(ada);
      assert.equal(answer.status, 303, answer.body);
      assert.equal(answer.location, '/account');
      assert.ok(http.cookies.get('latchkey-session'), 'signed in');

      const identity = await latchkey.storage.identities.findIdentity('github', '5830001');
      assert.ok(identity, 'linked by the GitHub user id, as a string');
      assert.equal(await latchkey.storage.identities.findIdentity('github', 'ada-l'), undefined, 'never by the login');
      const user = await latchkey.storage.users.findUserById(identity.userId);
      assert.deepEqual(
        { username: user?.username, email: user?.email, name: user?.name, passwordHash: user?.passwordHash, isAdmin: user?.isAdmin },
        { username: 'ada@example.com', email: 'ada@example.com', name: 'Ada Lovelace', passwordHash: null, isAdmin: false },
      );
      assert.equal(identity.email, 'ada@example.com', 'the primary address, not the other verified one');

      const account = await http.get('/account');
      assert.equal(account.status, 200);
      assert.match(account.body, /Signed in as <strong data-testid="user-name">Ada Lovelace<\/strong> <span class="muted">\(ada@example\.com\)<\/span>/);
      assert.match(account.body, /data-testid="identity-provider">GitHub<\/h3>/);

      // The code was redeemed with the PKCE verifier, and the API read with the token it gave.
      const token = github.requests.find((request) => request.path === '/login/oauth/access_token');
      assert.ok(token && new URLSearchParams(token.body).get('code_verifier'));
      assert.match(github.requests.find((request) => request.path === '/api/v3/user/emails')?.headers.authorization ?? '', /^Bearer gho_/);

      const [created] = await auditedFor('user.created', user!.id);
      assert.equal(created?.data['provider'], 'github');
      const [signedIn] = await auditedFor('user.signed_in', user!.id);
      assert.equal(signedIn?.data['provider'], 'github');

      const metrics = await fetch(`${latchkey.issuer}/metrics`);
      assert.equal(metrics.status, 200);
      const text = await metrics.text();
      assert.equal(sample(text, 'latchkey_sign_ins_total{provider="github"}'), 1, text.split('\n').filter((l) => l.includes('sign_in')).join('\n'));
      assert.equal(sample(text, 'latchkey_users_created_total{provider="github"}'), 1);
    });

    it('signs in a GitHub user whose login changed as the same user; a new account with the old login is someone else', async () => {
      const before = await latchkey.storage.identities.findIdentity('github', '5830001');
      assert.ok(before, 'created by the previous test');
      const renamed = await signInAs({ ...ada, login: 'ada-lovelace' });
      assert.equal(renamed.answer.status, 303, renamed.answer.body);
      assert.equal(renamed.answer.location, '/account');
      const after = await latchkey.storage.identities.findIdentity('github', '5830001');
      assert.equal(after?.userId, before.userId);
      assert.equal((await latchkey.storage.identities.listIdentities(before.userId)).length, 1);
      assert.match((await renamed.http.get('/account')).body, /data-testid="user-name">Ada Lovelace</);

      // GitHub frees a renamed login for anyone: whoever takes it is not Ada here.
      const squatter = await signInAs({ id: 5830002, login: 'ada-l', name: 'Not Ada', emails: [{ email: 'squatter@example.com', primary: true, verified: true, visibility: null }] });
      assert.equal(squatter.answer.status, 303, squatter.answer.body);
      const other = await latchkey.storage.identities.findIdentity('github', '5830002');
      assert.ok(other);
      assert.notEqual(other.userId, before.userId);
      assert.equal((await latchkey.storage.users.findUserById(other.userId))?.username, 'squatter@example.com');
    });

    it('refuses a user without a verified primary email under the emailDomains rule, and lets in one the login claim names', async () => {
      const refused = await signInAs(mallory);
      assert.equal(refused.answer.status, 403, refused.answer.body);
      assert.match(refused.answer.body, /not allowed to sign in here/);
      assert.equal(refused.http.cookies.has('latchkey-session'), false);
      assert.equal(await latchkey.storage.identities.findIdentity('github', '5830003'), undefined, 'nobody created');

      const allowed = await signInAs(grace);
      assert.equal(allowed.answer.status, 303, allowed.answer.body);
      assert.equal(allowed.answer.location, '/account');
      const identity = await latchkey.storage.identities.findIdentity('github', '5830004');
      assert.ok(identity);
      const user = await latchkey.storage.users.findUserById(identity.userId);
      assert.deepEqual({ username: user?.username, email: user?.email }, { username: 'grace-h', email: null }, 'the login, and no unverified address kept');
      assert.equal(identity.email, null);
    });

    it('shows a clear 502 page when GitHub refuses the code at its token endpoint: no 500, no stack trace, nobody signed in', async () => {
      const http = new HttpBrowser(latchkey.issuer);
      const back = await throughGitHub(http, ada);
      back.searchParams.set('code', 'a-code-github-never-issued');
      const page = await http.get(back.pathname + back.search);
      assert.equal(page.status, 502, page.body);
      assert.match(page.body, /Sign-in did not work/);
      assert.match(page.body, /GitHub did not complete the sign-in: bad_verification_code: The code passed is incorrect or expired\./);
      assert.doesNotMatch(page.body, /at \w+ \(|node_modules|UpstreamSignInError|gho_/, 'no stack trace, no token');
      assert.equal(http.cookies.has('latchkey-session'), false);
      assert.equal(github.requests.at(-1)?.path, '/login/oauth/access_token', 'the API was not called without a token');

      let failures: AuditEvent[] = [];
      for (let attempt = 0; attempt < 50 && failures.length === 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 100));
        failures = (await latchkey.storage.auditEvents.listAuditEvents({ type: 'user.sign_in_failed', limit: 100 })).filter(
          (event) => event.data['reason'] === 'token_exchange_failed',
        );
      }
      assert.equal(failures.length, 1);
      assert.equal(failures[0]!.data['provider'], 'github');
      const text = await (await fetch(`${latchkey.issuer}/metrics`)).text();
      assert.equal(sample(text, 'latchkey_sign_in_failures_total{provider="github",reason="token_exchange_failed"}'), 1);
    });
  });
});
