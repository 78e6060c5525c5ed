import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RegistrationPolicy } from '../../../src/config/policies.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import type { ClientMetadata } from '../../../src/ports/client-metadata.js';
import { applyRegistrationPolicy, hostMatches, policyScopes } from '../../../src/protocol/registration/registration-policy.js';
import { redirectHost } from '../../../src/ports/redirect-host.js';

const metadata = (overrides: Partial<ClientMetadata> = {}): ClientMetadata => ({
  redirect_uris: ['https://app.partner.example/cb'],
  token_endpoint_auth_method: 'none',
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  scope: 'openid mcp',
  application_type: 'web',
  ...overrides,
});

const refusedWith = (code: string, pattern: RegExp) => (error: unknown) =>
  error instanceof OAuthError && error.code === code && pattern.test(error.description);

describe('redirectHost', () => {
  for (const [uri, host] of [
    ['https://App.Example.com:8443/cb?x=1', 'app.example.com'],
    ['http://127.0.0.1:33418/', '127.0.0.1'],
    ['http://[::1]:8080/cb', '[::1]'],
    ['cursor://anysphere.cursor-mcp/oauth/callback', 'anysphere.cursor-mcp'],
    ['com.example.app:/oauth', undefined],
    // Normalised as the browser will resolve them (WHATWG URL): case, the root dot, percent-encoding, IPv4 forms.
    ['https://evil.example./cb', 'evil.example'],
    ['https://EVIL.Example.:443/cb', 'evil.example'],
    ['https://evil%2eexample/cb', 'evil.example'],
    ['https://0x7f.1/cb', '127.0.0.1'],
    ['http://[0:0::1]:8080/cb', '[::1]'],
    ['cursor://AnySphere.Cursor-MCP./cb', 'anysphere.cursor-mcp'],
  ] as const) {
    it(`reads ${String(host)} from ${uri}`, () => assert.equal(redirectHost(uri), host));
  }
});

describe('hostMatches', () => {
  it('matches an exact host only as itself', () => {
    assert.equal(hostMatches('partner.example', 'partner.example'), true);
    assert.equal(hostMatches('evilpartner.example', 'partner.example'), false);
  });
  it('matches *.suffix below the suffix but not the suffix itself or a name that merely ends like it', () => {
    assert.equal(hostMatches('a.partner.example', '*.partner.example'), true);
    assert.equal(hostMatches('a.b.partner.example', '*.partner.example'), true);
    assert.equal(hostMatches('partner.example', '*.partner.example'), false);
    assert.equal(hostMatches('evilpartner.example', '*.partner.example'), false);
  });
});

describe('applyRegistrationPolicy', () => {
  const partners: RegistrationPolicy = {
    allowRedirectHosts: ['*.partner.example', '127.0.0.1'],
    denyRedirectHosts: ['bad.partner.example'],
    allowRedirectSchemes: ['https', 'http'],
    allowScopes: ['mcp', 'openid'],
    allowTokenEndpointAuthMethods: ['none'],
    maxRedirectUris: 2,
  };

  it('accepts metadata inside the policy unchanged', () => {
    const input = metadata({ redirect_uris: ['https://app.partner.example/cb', 'http://127.0.0.1:9000/cb'] });
    assert.deepEqual(applyRegistrationPolicy(input, partners, { scopeRequested: true }), input);
  });

  const refusals: [string, Partial<ClientMetadata>, string, RegExp][] = [
    ['a host off the allow-list', { redirect_uris: ['https://elsewhere.example/cb'] }, 'invalid_redirect_uri', /redirect_uris\[0\] .*not on the allow-list/],
    ['a host on the deny-list, even inside an allowed suffix', { redirect_uris: ['https://bad.partner.example/cb'] }, 'invalid_redirect_uri', /not allowed/],
    ['a scheme that is not allowed', { redirect_uris: ['cursor://app.partner.example/cb'] }, 'invalid_redirect_uri', /scheme cursor/],
    ['more redirect URIs than the policy allows', { redirect_uris: ['https://a.partner.example/1', 'https://a.partner.example/2', 'https://a.partner.example/3'] }, 'invalid_redirect_uri', /at most 2/],
    ['a token endpoint auth method that is not allowed', { token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata', /client_secret_basic is not allowed/],
  ];
  for (const [what, overrides, code, pattern] of refusals) {
    it(`refuses ${what} (${code})`, () => {
      assert.throws(() => applyRegistrationPolicy(metadata(overrides), partners, { scopeRequested: true }), refusedWith(code, pattern));
    });
  }

  describe('compares hosts as the browser resolves them, not as written', () => {
    const deny: RegistrationPolicy = { denyRedirectHosts: ['evil.example', '*.evil.example', '127.0.0.1'] };
    for (const uri of [
      'https://evil.example./cb',
      'https://EVIL.EXAMPLE/cb',
      'https://evil%2eexample/cb',
      'https://%65vil.example/cb',
      'https://www.evil.example./cb',
      'https://www.evil%2Eexample/cb',
      'https://0x7f.0.0.1/cb',
      'https://2130706433/cb',
    ]) {
      it(`a deny-list of evil.example refuses ${uri} (invalid_redirect_uri)`, () => {
        assert.throws(() => applyRegistrationPolicy(metadata({ redirect_uris: [uri] }), deny, { scopeRequested: false }), refusedWith('invalid_redirect_uri', /not allowed/));
      });
    }

    const allow: RegistrationPolicy = { allowRedirectHosts: ['partner.example', '*.partner.example'] };
    for (const uri of ['https://partner.example./cb', 'https://APP.Partner.Example/cb', 'https://app.partner.example.:8443/cb']) {
      it(`an allow-list of partner.example accepts its variant ${uri}`, () => {
        assert.deepEqual(applyRegistrationPolicy(metadata({ redirect_uris: [uri] }), allow, { scopeRequested: false }).redirect_uris, [uri]);
      });
    }
    for (const uri of ['https://partner.example.evil.example/cb', 'https://partner%2eexample.evil.example/cb', 'https://evil.example/partner.example', 'https://evilpartner.example./cb']) {
      it(`an allow-list of partner.example is not passed by ${uri}`, () => {
        assert.throws(() => applyRegistrationPolicy(metadata({ redirect_uris: [uri] }), allow, { scopeRequested: false }), refusedWith('invalid_redirect_uri', /allow-list/));
      });
    }
  });

  it('refuses a hostless private-use redirect when an allow-list of hosts is set', () => {
    const policy: RegistrationPolicy = { allowRedirectHosts: ['app.example'] };
    assert.throws(() => applyRegistrationPolicy(metadata({ redirect_uris: ['com.example.app:/cb'] }), policy, { scopeRequested: false }), refusedWith('invalid_redirect_uri', /allow-list/));
  });

  it('drops the scopes the policy does not allow, keeping the rest', () => {
    const result = applyRegistrationPolicy(metadata({ scope: 'openid profile mcp email' }), partners, { scopeRequested: true });
    assert.equal(result.scope, 'openid mcp');
  });

  it('refuses a request that named only scopes outside the policy', () => {
    assert.throws(() => applyRegistrationPolicy(metadata({ scope: 'profile email' }), partners, { scopeRequested: true }), refusedWith('invalid_client_metadata', /none of the requested scopes/));
  });

  it("registers the policy's scopes when the default scope has none of them", () => {
    const result = applyRegistrationPolicy(metadata({ scope: 'profile email' }), partners, { scopeRequested: false });
    assert.equal(result.scope, 'mcp openid');
  });

  it('restricts nothing with an empty policy', () => {
    const input = metadata({ redirect_uris: ['cursor://x/cb', 'https://any.example/cb'], token_endpoint_auth_method: 'client_secret_post' });
    assert.deepEqual(applyRegistrationPolicy(input, {}, { scopeRequested: true }), input);
  });
});

describe('policyScopes', () => {
  it('keeps only the allowed scopes, or all without a policy', () => {
    assert.deepEqual(policyScopes(['openid', 'mcp', 'email'], { allowScopes: ['mcp'] }), ['mcp']);
    assert.deepEqual(policyScopes(['openid', 'mcp'], undefined), ['openid', 'mcp']);
  });
});
