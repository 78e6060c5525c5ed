import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser, setUserPassword } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';

const alice = { username: 'alice', password: 'correct horse battery' };
/** Throttled by one test: the others sign in as alice. */
const carol = { username: 'carol', password: 'carol carol carol' };

describe('sign-in and sign-out pages (outside an authorization request)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { 'login.maxFailures': 2 } });
    await createUser(server.storage.users, alice, { now: Date.now(), newId: () => 'user-alice' });
    await createUser(server.storage.users, carol, { now: Date.now(), newId: () => 'user-carol' });
  });
  after(() => server.close());

  it('shows a form with a CSRF token, never cached nor framed', async () => {
    const response = await new TestBrowser(server.app).get('/signin?return_to=/admin');
    assert.equal(response.statusCode, 200);
    assert.match(response.body, /name="csrf" value="[A-Za-z0-9_-]{43}"/);
    assert.match(response.body, /name="return_to" value="\/admin"/);
    assert.equal(response.headers['cache-control'], 'no-store');
    assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/);
  });

  it('signs in and returns to the page asked for', async () => {
    const browser = await signedInBrowser(server.app, alice, '/admin/clients?q=x');
    assert.ok([...browser.cookies.keys()].some((name) => name.endsWith('latchkey-session')));
  });

  it('returns to a client page whose encoded id is a URL', async () => {
    await signedInBrowser(server.app, alice, `/admin/clients/${encodeURIComponent('https://agent.example/client.json')}`);
  });

  it('answers a sign-in, sign-out, login or consent POST without a body with the form again, never a 500', async () => {
    const browser = new TestBrowser(server.app);
    await browser.get('/signin');
    for (const url of ['/signin', '/signout', '/login', '/consent']) {
      const response = await server.app.inject({ method: 'POST', url, headers: { cookie: [...browser.cookies].map(([name, value]) => `${name}=${value}`).join('; ') } });
      assert.equal(response.statusCode, 400, `${url}: ${response.body.slice(0, 200)}`);
    }
  });

  for (const target of [
    'https://evil.example/',
    '//evil.example/admin',
    '/\\evil.example',
    '/token',
    'javascript:alert(1)',
    '/adminx',
    '/admin/..//evil.example',
    '/admin/%2e%2e/%2e%2e/other',
    '/account/../authorize?x=1',
    '/admin/%2E%2E/token',
    '/admin//evil.example',
    '/admin/%zz',
  ]) {
    it(`never returns to ${target} (no open redirect): the account page instead`, async () => {
      const browser = new TestBrowser(server.app);
      const form = await browser.get(`/signin?${new URLSearchParams({ return_to: target })}`);
      const answer = await browser.submit(form, { ...alice, return_to: target });
      assert.equal(answer.statusCode, 303);
      assert.equal(answer.headers.location, '/account');
    });
  }

  it('refuses a wrong password with 401 on the page, then throttles the account with 429', async () => {
    const browser = new TestBrowser(server.app);
    const form = await browser.get('/signin');
    const first = await browser.submit(form, { username: 'carol', password: 'nope nope nope' });
    assert.equal(first.statusCode, 401);
    assert.match(first.body, /not right/);
    assert.doesNotMatch(first.body, /nope nope nope/, 'the password is never echoed');
    const second = await browser.submit(first, { username: 'carol', password: 'nope nope nope' });
    assert.equal(second.statusCode, 401);
    const third = await browser.submit(second, carol);
    assert.equal(third.statusCode, 429, 'the right password is not even checked once throttled');
  });

  it('refuses a form without this browser\'s CSRF token, and signs nobody in', async () => {
    const browser = new TestBrowser(server.app);
    await browser.get('/signin');
    const answer = await browser.post('/signin', { ...alice, csrf: 'A'.repeat(43), return_to: '/account' });
    assert.equal(answer.statusCode, 400);
    assert.ok(![...browser.cookies.keys()].some((name) => name.endsWith('latchkey-session')));
  });

  it('signs out with a CSRF-protected POST, which clears the session', async () => {
    const browser = await signedInBrowser(server.app, alice, '/account');
    const csrf = browser.cookies.get('latchkey-csrf')!;
    const forged = await browser.post('/signout', { csrf: 'B'.repeat(43) });
    assert.equal(forged.statusCode, 400);
    assert.ok(browser.cookies.get('latchkey-session'), 'still signed in after a forged sign-out');
    const answer = await browser.post('/signout', { csrf });
    assert.equal(answer.statusCode, 303);
    assert.equal(answer.headers.location, '/signin?signed_out=1');
    assert.equal(browser.cookies.get('latchkey-session'), '', 'the session cookie is cleared');
    const again = await browser.get('/signin?return_to=/account');
    assert.equal(again.statusCode, 200, 'the sign-in form is shown again, not a redirect');
  });

  it('ends every session of the user on sign-out: a copy of the cookie stops working too', async () => {
    const browser = await signedInBrowser(server.app, alice, '/account');
    const elsewhere = await signedInBrowser(server.app, alice, '/account');
    const copied = `latchkey-session=${browser.cookies.get('latchkey-session')}`;
    const withCopy = () => server.app.inject({ method: 'GET', url: '/account', headers: { cookie: copied } });
    assert.equal((await withCopy()).statusCode, 200, 'the copied cookie works while the session lasts');
    assert.equal((await browser.post('/signout', { csrf: browser.cookies.get('latchkey-csrf')! })).statusCode, 303);
    const after = await withCopy();
    assert.equal(after.statusCode, 303, 'the copied cookie leads to sign-in');
    assert.match(String(after.headers.location), /^\/signin\?/);
    assert.equal((await elsewhere.get('/account')).statusCode, 303, 'the session in the other browser ended too');
    await signedInBrowser(server.app, alice, '/account');
  });

  it('ends every session of the user when their password changes', async () => {
    const browser = await signedInBrowser(server.app, alice, '/account');
    assert.equal((await browser.get('/account')).statusCode, 200);
    await setUserPassword(server.storage.users, 'alice', 'a brand new passphrase');
    assert.equal((await browser.get('/account')).statusCode, 303);
    await setUserPassword(server.storage.users, 'alice', alice.password);
  });
});
