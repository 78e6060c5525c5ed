import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseIdentityProviders, parseIdentityRule, type IdentityProvider } from '../../src/config/identity.js';

const secret = { clientId: 'app', clientSecret: 's3cret' };

/** The one provider parsed from `entry`. */
function one(entry: Record<string, unknown>): IdentityProvider {
  const [provider, ...rest] = parseIdentityProviders([entry]);
  assert.equal(rest.length, 0);
  return provider!;
}

/** Asserts that parsing `value` throws with a message containing every fragment. */
function refuses(value: unknown, ...fragments: string[]): void {
  assert.throws(
    () => parseIdentityProviders(value),
    (error) => {
      assert.ok(error instanceof Error);
      for (const fragment of fragments) assert.ok(error.message.includes(fragment), `${JSON.stringify(error.message)} should mention ${fragment}`);
      return true;
    },
  );
}

describe('parseIdentityProviders', () => {
  describe('presets', () => {
    it('google: the Google issuer, the OpenID Connect scopes and claim names by default', () => {
      assert.deepEqual(one({ preset: 'google', ...secret }), {
        id: 'google',
        name: 'Google',
        kind: 'oidc',
        issuer: 'https://accounts.google.com',
        clientId: 'app',
        clientSecret: 's3cret',
        clientSecretFile: null,
        privateKeyJwt: null,
        scopes: ['openid', 'email', 'profile'],
        claims: { email: 'email', name: 'name', username: 'preferred_username', groups: 'groups' },
        github: null,
        multiTenantIssuer: null,
      });
    });

    it('entra with a tenant id or domain: that tenant\'s v2.0 issuer, one tenant only', () => {
      const byId = one({ preset: 'entra', tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47', ...secret });
      assert.equal(byId.issuer, 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0');
      assert.equal(byId.multiTenantIssuer, null);
      assert.equal(byId.name, 'Microsoft');
      assert.equal(one({ preset: 'entra', tenant: 'Contoso.onmicrosoft.com', ...secret }).issuer, 'https://login.microsoftonline.com/contoso.onmicrosoft.com/v2.0');
    });

    for (const tenant of ['common', 'organizations', 'consumers']) {
      it(`entra with tenant ${tenant}: discovery at that endpoint, ID tokens checked against the per-tenant template`, () => {
        const provider = one({ preset: 'entra', tenant, ...secret });
        assert.equal(provider.issuer, `https://login.microsoftonline.com/${tenant}/v2.0`);
        assert.equal(provider.multiTenantIssuer, 'https://login.microsoftonline.com/{tenantid}/v2.0');
      });
    }

    it('entra without a tenant is refused, naming the member', () => {
      refuses([{ preset: 'entra', ...secret }], 'identity.providers[0].tenant', 'required');
      refuses([{ preset: 'entra', tenant: 'https://login.microsoftonline.com/x', ...secret }], 'identity.providers[0].tenant');
    });

    it('okta: the org authorization server, or a custom one by authorizationServerId', () => {
      assert.equal(one({ preset: 'okta', domain: 'dev-123456.okta.com', ...secret }).issuer, 'https://dev-123456.okta.com');
      assert.equal(one({ preset: 'okta', domain: 'dev-123456.okta.com', authorizationServerId: 'default', ...secret }).issuer, 'https://dev-123456.okta.com/oauth2/default');
      refuses([{ preset: 'okta', domain: 'https://dev-123456.okta.com', ...secret }], '.domain', 'host name');
    });

    it('auth0: the tenant domain with the trailing slash Auth0 puts in its issuer', () => {
      const provider = one({ preset: 'auth0', domain: 'example.eu.auth0.com', ...secret });
      assert.equal(provider.issuer, 'https://example.eu.auth0.com/');
      assert.equal(provider.name, 'Auth0');
    });

    it('keycloak: {baseUrl}/realms/{realm}, a trailing slash on baseUrl ignored', () => {
      assert.equal(one({ preset: 'keycloak', baseUrl: 'https://sso.example.com/', realm: 'staff', ...secret }).issuer, 'https://sso.example.com/realms/staff');
      assert.equal(one({ preset: 'keycloak', baseUrl: 'https://example.com/auth', realm: 'my realm', ...secret }).issuer, 'https://example.com/auth/realms/my%20realm');
      refuses([{ preset: 'keycloak', baseUrl: 'https://sso.example.com', ...secret }], '.realm', 'required');
    });

    it('gitlab: gitlab.com by default, a self-managed instance by baseUrl', () => {
      assert.equal(one({ preset: 'gitlab', ...secret }).issuer, 'https://gitlab.com');
      assert.equal(one({ preset: 'gitlab', baseUrl: 'https://git.example.com', ...secret }).issuer, 'https://git.example.com');
      assert.equal(one({ preset: 'gitlab', ...secret }).name, 'GitLab');
    });

    it('github: github.com with api.github.com; GitHub Enterprise Server with its API under /api/v3', () => {
      const github = one({ preset: 'github', ...secret });
      assert.equal(github.kind, 'github');
      assert.equal(github.issuer, null);
      assert.deepEqual(github.github, { baseUrl: 'https://github.com', apiUrl: 'https://api.github.com' });
      assert.deepEqual(github.scopes, ['read:user', 'user:email']);
      assert.equal(github.name, 'GitHub');
      assert.deepEqual(one({ preset: 'github', baseUrl: 'https://github.example.com/', ...secret }).github, {
        baseUrl: 'https://github.example.com',
        apiUrl: 'https://github.example.com/api/v3',
      });
    });

    it('an unknown preset is refused with the list of known ones', () => {
      refuses([{ preset: 'facebook', ...secret }], 'identity.providers[0].preset', 'google', 'github');
    });
  });

  describe('any OpenID Connect provider by its issuer', () => {
    it('keeps the issuer exactly as written and takes the id as the button label by default', () => {
      const provider = one({ id: 'corp', issuer: 'https://idp.example.com/tenant/', ...secret, scopes: ['openid', 'email'], claims: { username: 'upn' } });
      assert.equal(provider.issuer, 'https://idp.example.com/tenant/');
      assert.equal(provider.name, 'corp');
      assert.deepEqual(provider.scopes, ['openid', 'email']);
      assert.deepEqual(provider.claims, { email: 'email', name: 'name', username: 'upn', groups: 'groups' });
    });

    it('requires an id, and refuses a preset together with an issuer', () => {
      refuses([{ issuer: 'https://idp.example.com', ...secret }], 'identity.providers[0].id', 'required');
      refuses([{ preset: 'google', issuer: 'https://idp.example.com', ...secret }], 'either "preset" or "issuer"');
      refuses([{ ...secret }], 'needs "preset"', '"issuer"');
    });

    it('allows http only for loopback hosts', () => {
      for (const issuer of ['http://localhost:9000', 'http://127.0.0.1:9000/x', 'http://127.8.9.10', 'http://[::1]:9000']) {
        assert.equal(one({ id: 'dev', issuer, ...secret }).issuer, issuer);
      }
      for (const issuer of ['http://idp.example.com', 'http://10.0.0.1', 'http://localhost.example.com', 'http://[::2]']) {
        refuses([{ id: 'dev', issuer, ...secret }], 'identity.providers[0].issuer', 'https');
      }
      refuses([{ preset: 'keycloak', baseUrl: 'http://sso.example.com', realm: 'r', ...secret }], '.baseUrl', 'https');
      refuses([{ preset: 'github', baseUrl: 'http://github.example.com', ...secret }], '.baseUrl', 'https');
    });

    it('refuses an issuer that is not a URL or carries a query or fragment', () => {
      refuses([{ id: 'x', issuer: 'idp.example.com', ...secret }], '.issuer', 'absolute URL');
      refuses([{ id: 'x', issuer: 'https://idp.example.com/?tenant=1', ...secret }], '.issuer', 'query');
    });
  });

  describe('credentials', () => {
    it('requires a clientId', () => {
      refuses([{ preset: 'google', clientSecret: 'x' }], 'identity.providers[0].clientId', 'required');
    });

    it('takes exactly one of clientSecret, clientSecretFile and privateKeyJwt', () => {
      refuses([{ preset: 'google', clientId: 'app' }], 'exactly one of clientSecret, clientSecretFile or privateKeyJwt', 'got 0');
      refuses([{ preset: 'google', clientId: 'app', clientSecret: 'a', clientSecretFile: '/run/secret' }], 'exactly one', 'got 2');
      const keyed = one({ preset: 'google', clientId: 'app', privateKeyJwt: { keyFile: '/run/key.pem', alg: 'ES256' } });
      assert.deepEqual(keyed.privateKeyJwt, { keyFile: '/run/key.pem', kid: null, alg: 'ES256' });
      assert.equal(keyed.clientSecret, null);
      assert.equal(one({ preset: 'google', clientId: 'app', clientSecretFile: '/run/secret' }).clientSecretFile, '/run/secret');
    });

    it('refuses private_key_jwt for GitHub, and unknown algorithms', () => {
      refuses([{ preset: 'github', clientId: 'app', privateKeyJwt: { keyFile: '/k' } }], 'privateKeyJwt is not supported by GitHub');
      refuses([{ preset: 'google', clientId: 'app', privateKeyJwt: { keyFile: '/k', alg: 'HS256' } }], 'privateKeyJwt.alg');
      refuses([{ preset: 'google', clientId: 'app', privateKeyJwt: {} }], 'privateKeyJwt.keyFile', 'required');
    });
  });

  describe('ids, names and members', () => {
    it('refuses ids that do not fit a URL path segment, and duplicate ids', () => {
      refuses([{ id: 'Corp IdP', issuer: 'https://idp.example.com', ...secret }], '.id', 'lower-case');
      refuses([{ id: 'x'.repeat(33), issuer: 'https://idp.example.com', ...secret }], '.id');
      refuses([{ preset: 'google', ...secret }, { preset: 'google', ...secret }], 'identity.providers[1].id "google" is used by another provider');
      assert.deepEqual(
        parseIdentityProviders([{ preset: 'google', ...secret }, { id: 'google-2', preset: 'google', name: 'Google (staff)', ...secret }]).map((p) => [p.id, p.name]),
        [['google', 'Google'], ['google-2', 'Google (staff)']],
      );
    });

    it('refuses unknown members, naming them (a typo stops the server)', () => {
      refuses([{ preset: 'google', clientID: 'app', clientSecret: 'x' }], 'identity.providers[0].clientID is unknown');
      refuses([{ preset: 'google', tenant: 'common', ...secret }], '.tenant is unknown for preset google');
      refuses([{ preset: 'google', ...secret, claims: { mail: 'email' } }], '.claims.mail is unknown');
    });

    it('requires the openid scope of an OpenID Connect provider', () => {
      refuses([{ preset: 'google', ...secret, scopes: ['email'] }], '.scopes must include openid');
    });

    it('refuses what is not a list of objects', () => {
      refuses({ google: {} }, 'identity.providers must be a list');
      refuses(['google'], 'identity.providers[0] must be an object');
      assert.deepEqual(parseIdentityProviders([]), []);
    });
  });
});

describe('parseIdentityRule', () => {
  it('reads domains and emails in lower case, and a claim', () => {
    assert.deepEqual(parseIdentityRule({ emailDomains: ['Example.COM', '@corp.example'], emails: ['Boss@Example.com'], claim: { name: 'groups', values: ['admins'] } }), {
      emailDomains: ['example.com', 'corp.example'],
      emails: ['boss@example.com'],
      claim: { name: 'groups', values: ['admins'] },
    });
    assert.deepEqual(parseIdentityRule({ anyone: true }), { anyone: true });
  });

  it('refuses bad members with a message naming them', () => {
    assert.throws(() => parseIdentityRule({ emailDomains: ['*.example.com'] }, 'identity.allow'), /identity\.allow\.emailDomains must hold domain names/);
    assert.throws(() => parseIdentityRule({ emails: ['not-an-email'] }, 'identity.admins'), /identity\.admins\.emails must hold email addresses/);
    assert.throws(() => parseIdentityRule({ claim: { name: 'groups' } }, 'identity.allow'), /identity\.allow\.claim\.values must be a list/);
    assert.throws(() => parseIdentityRule({ domains: ['example.com'] }, 'identity.allow'), /identity\.allow\.domains is unknown/);
    assert.throws(() => parseIdentityRule(['example.com'], 'identity.allow'), /identity\.allow must be an object/);
  });

  it('refuses anyone where it is not allowed (administrators)', () => {
    assert.throws(() => parseIdentityRule({ anyone: true }, 'identity.admins', { allowAnyone: false }), /identity\.admins\.anyone is not allowed here/);
  });
});
