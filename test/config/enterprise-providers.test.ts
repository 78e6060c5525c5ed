import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseEnterpriseProviders } from '../../src/config/enterprise-providers.js';
import { ConfigError, loadConfig } from '../../src/config/load.js';

const publicJwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
const acme = { id: 'acme-idp', issuer: 'https://idp.acme.example', jwksUri: 'https://idp.acme.example/jwks' };

describe('identity.enterpriseProviders', () => {
  it('reads a provider with jwksUri and one with inline public keys', () => {
    const parsed = parseEnterpriseProviders([acme, { id: 'beta', issuer: 'http://127.0.0.1:9000/', jwks: { keys: [publicJwk] } }]);
    assert.deepEqual(parsed[0], { ...acme, jwks: null });
    assert.deepEqual(parsed[1], { id: 'beta', issuer: 'http://127.0.0.1:9000/', jwks: { keys: [publicJwk] }, jwksUri: null });
  });

  const refused: [string, unknown, RegExp][] = [
    ['a non-list', { id: 'x' }, /must be a list/],
    ['the reserved id host', [{ ...acme, id: 'host' }], /reserved/],
    ['the reserved id local', [{ ...acme, id: 'local' }], /reserved/],
    ['an id with capitals', [{ ...acme, id: 'Acme' }], /lower-case/],
    ['an http issuer elsewhere than loopback', [{ ...acme, issuer: 'http://idp.acme.example' }], /https/],
    ['an http jwksUri elsewhere than loopback', [{ ...acme, jwksUri: 'http://idp.acme.example/jwks' }], /https/],
    ['both jwks and jwksUri', [{ ...acme, jwks: { keys: [publicJwk] } }], /exactly one/],
    ['neither jwks nor jwksUri', [{ id: 'acme-idp', issuer: 'https://idp.acme.example' }], /exactly one/],
    ['a private key', [{ id: 'a', issuer: 'https://idp.acme.example', jwks: { keys: [{ ...publicJwk, d: 'secret' }] } }], /private key material/],
    ['a symmetric key', [{ id: 'a', issuer: 'https://idp.acme.example', jwks: { keys: [{ kty: 'oct', k: 'c2VjcmV0' }] } }], /RSA, EC or OKP/],
    ['an unknown member', [{ ...acme, audience: 'x' }], /unknown/],
    ['two providers of one id', [acme, { ...acme, issuer: 'https://idp2.acme.example' }], /used by another/],
    ['two providers of one issuer', [acme, { ...acme, id: 'other' }], /configured twice/],
  ];
  for (const [what, value, message] of refused) {
    it(`refuses ${what}`, () => {
      assert.throws(() => parseEnterpriseProviders(value), message);
    });
  }

  const load = (overrides: Record<string, unknown>) => () => loadConfig({ env: {}, overrides: { 'identity.enterpriseProviders': [acme], ...overrides } });

  it('refuses to start without identity.allow, which decides who the first assertion may create', () => {
    assert.throws(load({}), (error: unknown) => error instanceof ConfigError && /identity.allow names nobody/.test(error.message));
  });

  it('refuses an id shared with one of identity.providers', () => {
    const provider = { id: 'acme-idp', issuer: 'https://sso.acme.example', clientId: 'c', clientSecret: 's' };
    assert.throws(load({ 'identity.providers': [provider], 'identity.allow': { anyone: true } }), (error: unknown) => error instanceof ConfigError && /also the id/.test(error.message));
  });

  it('lets a claim rule name an enterprise provider', () => {
    const config = load({ 'identity.allow': { claim: { name: 'groups', values: ['mcp'], provider: 'acme-idp' } } })();
    assert.equal(config.identity.enterpriseProviders[0]?.id, 'acme-idp');
  });
});
