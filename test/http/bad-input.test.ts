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

describe('client configuration endpoint (RFC 7592) with a client id longer than a path parameter may be', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers GET, PUT and DELETE of a 1,300-character client id as for an unknown client: 401 invalid_token', async () => {
    const registered = await server.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'Real', redirect_uris: ['https://real.example/cb'] } });
    const token = (registered.json() as { registration_access_token: string }).registration_access_token;
    const longId = `https://docs.example/${'a'.repeat(1300 - 'https://docs.example/'.length)}`;
    assert.equal(longId.length, 1300);
    for (const id of [longId, 'x'.repeat(1300)]) {
      for (const method of ['GET', 'PUT', 'DELETE'] as const) {
        const response = await server.app.inject({
          method,
          url: `/register/${encodeURIComponent(id)}`,
          headers: { authorization: `Bearer ${token}` },
          ...(method === 'PUT' ? { payload: { client_id: id, redirect_uris: ['https://real.example/cb'] } } : {}),
        });
        assert.equal(response.statusCode, 401, `${method}: ${response.body}`);
        assert.deepEqual(Object.keys(response.json() as object), ['error', 'error_description']);
        assert.equal((response.json() as { error: string }).error, 'invalid_token');
        assert.match(String(response.headers['www-authenticate']), /^Bearer/);
        assert.equal(response.headers['cache-control'], 'no-store');
      }
    }
    const unknown = await server.app.inject({ method: 'GET', url: '/register/unknown-client', headers: { authorization: `Bearer ${token}` } });
    assert.equal(unknown.statusCode, 401, 'the same answer as a short unknown id');
    assert.equal((unknown.json() as { error: string }).error, 'invalid_token');
    assert.equal((await server.app.inject({ method: 'GET', url: '/register/a/b', headers: { authorization: `Bearer ${token}` } })).statusCode, 401, 'an id with a slash is unknown too');
  });
});

describe('URLs the router cannot match', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('answers a broken percent-encoding (400) and an over-long path parameter (404) in the RFC shape, without echoing the URL', async () => {
    const cases = [
      { method: 'GET' as const, url: '/register/%zz', status: 400, error: 'invalid_request' },
      { method: 'POST' as const, url: `/admin/iat/${'a'.repeat(200)}/revoke`, status: 404, error: 'not_found' },
    ];
    for (const { method, url, status, error } of cases) {
      const response = await server.app.inject({ method, url });
      assert.equal(response.statusCode, status, `${method} ${url.slice(0, 40)}: ${response.body.slice(0, 200)}`);
      assert.deepEqual(Object.keys(response.json() as object), ['error', 'error_description']);
      assert.equal((response.json() as { error: string }).error, error);
      assert.equal(response.headers['cache-control'], 'no-store');
      assert.ok(!response.body.includes('aaaa') && !response.body.includes('%zz'), 'the URL is not echoed');
    }
  });
});
