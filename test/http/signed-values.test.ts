import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createSessions } from '../../src/http/session.js';
import { TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { adminSetup, csrfOf, register } from './admin-fixtures.js';

/**
 * The session cookie, the pending authorization request and the admin notices are signed for separate purposes:
 * a value signed for one is refused as any other (issue 10, finding 10).
 */
describe('signed values: a value signed for one purpose is refused for every other', () => {
  let server: TestServer;
  const values = { session: '', pending: '', notice: '' };
  let authorizeUrl = '';

  before(async () => {
    server = await startTestServer();
    const admin = await adminSetup(server);
    values.session = admin.cookies.get('latchkey-session')!;
    assert.ok(values.session, 'the administrator has a session cookie');
    const created = await admin.post('/admin/users', { csrf: csrfOf(await admin.get('/admin/users')), username: 'carol', password: 'carol carol carol carol' });
    assert.equal(created.statusCode, 303, created.body);
    values.notice = new URL(String(created.headers.location), 'http://x').searchParams.get('subject')!;
    assert.ok(values.notice, 'the notice carries a signed subject');
    const client = await register(server);
    const challenge = createHash('sha256').update(randomBytes(32)).digest('base64url');
    authorizeUrl = `/authorize?${new URLSearchParams({ response_type: 'code', client_id: client.client_id, redirect_uri: 'https://agent.example/cb', code_challenge: challenge, code_challenge_method: 'S256' })}`;
    const login = await new TestBrowser(server.app).get(authorizeUrl);
    values.pending = /name="pending" value="([^"]+)"/.exec(login.body)![1]!;
  });
  after(() => server.close());

  it('answers a session cookie or a notice subject posted as `pending` with the expired-form page (400), never a 500', async () => {
    for (const [name, value] of [['session', values.session], ['notice', values.notice]] as const) {
      const browser = new TestBrowser(server.app);
      const page = await browser.get(authorizeUrl);
      for (const action of ['/login', '/consent']) {
        const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)![1]!;
        const response = await browser.post(action, { csrf, pending: value, username: 'root', password: 'root root root root', decision: 'allow' });
        assert.equal(response.statusCode, 400, `${name} as pending at ${action}: ${response.body.slice(0, 200)}`);
        assert.match(response.body, /This page has expired/);
      }
      const genuine = await browser.submit(page, { username: 'root', password: 'root root root root' });
      assert.equal(genuine.statusCode, 303, 'the genuine pending request of the same page still works');
    }
  });

  it('does not sign anyone in with a pending request or a notice subject as the session cookie', async () => {
    for (const value of [values.pending, values.notice]) {
      const response = await server.app.inject({ method: 'GET', url: '/account', cookies: { 'latchkey-session': value } });
      assert.equal(response.statusCode, 303);
      assert.match(String(response.headers.location), /^\/signin/);
    }
    const genuine = await server.app.inject({ method: 'GET', url: '/account', cookies: { 'latchkey-session': values.session } });
    assert.equal(genuine.statusCode, 200, 'the genuine session cookie signs in');
  });

  it('shows no notice for a subject that was signed for another purpose', async () => {
    const admin = new TestBrowser(server.app);
    admin.cookies.set('latchkey-session', values.session);
    const genuine = await admin.get(`/admin/users?notice=user-created&subject=${encodeURIComponent(values.notice)}`);
    assert.match(genuine.body, /User carol was created\./, 'the genuine notice is shown');
    for (const value of [values.session, values.pending]) {
      const page = await admin.get(`/admin/users?notice=user-created&subject=${encodeURIComponent(value)}`);
      assert.equal(page.statusCode, 200);
      assert.doesNotMatch(page.body, /class="notice"/);
    }
  });

  it('derives one key per purpose from the one secret: a signature never verifies under another purpose or secret', () => {
    const sessions = createSessions('http://localhost', 3600, () => 0, 'a secret');
    const purposes = ['session', 'pending-authorization', 'admin-notice'] as const;
    for (const signing of purposes) {
      const signed = sessions.signer(signing).sign('the same value');
      assert.equal(sessions.signer(signing).verify(signed), 'the same value');
      for (const other of purposes.filter((purpose) => purpose !== signing)) assert.equal(sessions.signer(other).verify(signed), undefined, `${signing} as ${other}`);
      assert.equal(createSessions('http://localhost', 3600, () => 0, 'another secret').signer(signing).verify(signed), undefined);
      assert.equal(sessions.signer(signing).verify(`${signed.slice(0, -1)}A`), undefined, 'a changed signature');
    }
  });
});
