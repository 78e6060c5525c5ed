import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '../support/server.js';

describe('server metadata (RFC 8414)', () => {
  describe('issuer without a path', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ overrides: { issuer: 'https://as.example.com' } })));
    after(() => server.close());

    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration']) {
      it(`serves ${path} with an issuer identical to the configured one`, async () => {
        const response = await server.app.inject({ method: 'GET', url: path });
        assert.equal(response.statusCode, 200);
        assert.match(String(response.headers['content-type']), /^application\/json/);
        const metadata = response.json();
        assert.equal(metadata.issuer, 'https://as.example.com');
        assert.equal(metadata.registration_endpoint, 'https://as.example.com/register');
        assert.deepEqual(metadata.response_types_supported, ['code']);
        assert.deepEqual(metadata.token_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
        // private_key_jwt (RFC 7523): the asymmetric algorithms only, at every endpoint that authenticates clients.
        const algorithms = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'Ed25519'];
        assert.deepEqual(metadata.token_endpoint_auth_signing_alg_values_supported, algorithms);
        assert.deepEqual(metadata.revocation_endpoint_auth_signing_alg_values_supported, algorithms);
        assert.deepEqual(metadata.introspection_endpoint_auth_signing_alg_values_supported, algorithms);
        assert.deepEqual(metadata.introspection_endpoint_auth_methods_supported, ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      });
    }

    it('advertises the authorization and token endpoints, keys, PKCE S256 and iss in responses', async () => {
      const metadata = (await server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json();
      assert.equal(metadata.authorization_endpoint, 'https://as.example.com/authorize');
      assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
      assert.equal(metadata.authorization_response_iss_parameter_supported, true);
      assert.equal(metadata.revocation_endpoint, 'https://as.example.com/revoke');
      assert.equal(metadata.introspection_endpoint, 'https://as.example.com/introspect');
      assert.equal(metadata.userinfo_endpoint, 'https://as.example.com/userinfo');
      assert.equal(metadata.token_endpoint, 'https://as.example.com/token');
      assert.equal(metadata.jwks_uri, 'https://as.example.com/jwks.json');
    });
  });

  describe('issuer with a path', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ overrides: { issuer: 'https://as.example.com/tenant-a' } })));
    after(() => server.close());

    for (const path of [
      '/.well-known/oauth-authorization-server/tenant-a',
      '/.well-known/openid-configuration/tenant-a',
      '/tenant-a/.well-known/openid-configuration',
    ]) {
      it(`serves ${path}`, async () => {
        const response = await server.app.inject({ method: 'GET', url: path });
        assert.equal(response.statusCode, 200);
        assert.equal(response.json().issuer, 'https://as.example.com/tenant-a');
        assert.equal(response.json().registration_endpoint, 'https://as.example.com/tenant-a/register');
      });
    }

    it('mounts registration under the issuer path', async () => {
      const response = await server.app.inject({
        method: 'POST',
        url: '/tenant-a/register',
        payload: { client_name: 'A', redirect_uris: ['https://a.example/cb'] },
      });
      assert.equal(response.statusCode, 201);
      assert.match(response.json().registration_client_uri, /^https:\/\/as\.example\.com\/tenant-a\/register\//);
      assert.equal((await server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).statusCode, 404);
    });
  });
});
