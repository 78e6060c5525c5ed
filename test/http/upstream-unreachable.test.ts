import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { HttpBrowser } from '../support/http-browser.js';
import { freePort, startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/** A provider that cannot be reached (down, a typo in its issuer): a clear page, never a 500, and the next try works again. */
describe('sign-in with an upstream provider that does not answer', () => {
  let server: ListeningTestServer;
  before(async () => {
    // A port nobody listens on: discovery fails at once with a refused connection.
    const closed = await freePort();
    server = await startListeningTestServer({
      overrides: {
        'identity.providers': [{ id: 'down', name: 'Down SSO', issuer: `http://127.0.0.1:${closed}`, clientId: 'c', clientSecret: 's' }],
        'identity.allow': { anyone: true },
      },
    });
  });
  after(() => server.close());

  it('answers 502 with a page that says so, twice (discovery is retried, not cached as a failure)', async () => {
    const http = new HttpBrowser(server.issuer);
    const signIn = await http.get('/signin');
    assert.equal(signIn.status, 200);
    assert.match(signIn.body, /Continue with Down SSO/);
    for (let attempt = 0; attempt < 2; attempt++) {
      // The provider's button: a form of its own (the password form comes first on the page).
      const leaving = await http.post('/signin/upstream/down', { csrf: http.cookies.get('latchkey-csrf') ?? '', return_to: '/account' });
      assert.equal(leaving.status, 502, leaving.body);
      assert.match(leaving.body, /Sign-in did not work/);
      assert.doesNotMatch(leaving.body, /ECONNREFUSED|at \w+ \(|node_modules/, 'no internals on the page');
      assert.equal(leaving.location, null, 'not sent anywhere');
    }
  });
});
