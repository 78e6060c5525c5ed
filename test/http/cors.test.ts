import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';

describe('CORS for browser-based clients (MCP Inspector)', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer()));
  after(() => server.close());
  const origin = 'http://localhost:6274';

  for (const [path, method] of [
    ['/.well-known/oauth-authorization-server', 'GET'],
    ['/register', 'POST'],
    ['/register/some-client', 'PUT'],
  ] as const) {
    it(`answers a preflight for ${method} ${path}`, async () => {
      const response = await server.app.inject({
        method: 'OPTIONS',
        url: path,
        headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type, authorization' },
      });
      assert.equal(response.statusCode, 204);
      assert.equal(response.headers['access-control-allow-origin'], '*');
      assert.match(String(response.headers['access-control-allow-methods']), new RegExp(method));
      assert.match(String(response.headers['access-control-allow-headers']), /Content-Type/i);
      assert.equal(response.headers['access-control-allow-credentials'], undefined, 'no cookies cross origins');
    });
  }

  it('lets a browser read a registration response', async () => {
    const response = await server.app.inject({
      method: 'POST',
      url: '/register',
      headers: { origin },
      payload: { client_name: 'MCP Inspector', redirect_uris: [`${origin}/oauth/callback`], token_endpoint_auth_method: 'none' },
    });
    assert.equal(response.statusCode, 201);
    assert.equal(response.headers['access-control-allow-origin'], '*');
  });

  it('does not add CORS headers to the health checks', async () => {
    const response = await server.app.inject({ method: 'GET', url: '/healthz', headers: { origin } });
    assert.equal(response.headers['access-control-allow-origin'], undefined);
  });
});
