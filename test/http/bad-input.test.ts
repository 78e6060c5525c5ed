import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';

/** Bad inputs that once answered 500 get an error in the endpoint's own shape (issue 10, finding 10). */
describe('bad inputs get an error page or an RFC error, never a 500', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  async function register(redirectUri: string) {
    const response = await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'Native', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { client_id: string; registration_access_token: string };
  }

  function authorizeUrl(clientId: string, redirectUri: string) {
    const challenge = createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url');
    return `/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 's' })}`;
  }

  it('shows an error page (400), not a 500, for a loopback redirect_uri with port 99999', async () => {
    const client = await register('http://127.0.0.1/cb');
    for (const uri of ['http://127.0.0.1:99999/cb', 'http://127.0.0.1:65536/cb', 'http://localhost:99999/cb']) {
      const response = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, uri) });
      assert.equal(response.statusCode, 400, `${uri}: ${response.body.slice(0, 300)}`);
      assert.match(String(response.headers['content-type']), /^text\/html/);
      assert.match(response.body, /redirect_uri is not one this application registered/);
      assert.equal(response.headers.location, undefined, 'nothing is sent to the presented URI');
    }
    const fine = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, 'http://127.0.0.1:54321/cb') });
    assert.equal(fine.statusCode, 200, 'a real port still matches: the sign-in page');
  });
});
