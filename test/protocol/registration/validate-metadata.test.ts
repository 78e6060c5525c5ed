import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { Config, RegistrationProfile } from '../../../src/config/defaults.js';
import { loadConfig } from '../../../src/config/load.js';
import type { ErrorCode } from '../../../src/errors/codes.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import {
  checkDisplayText,
  checkHttpsUrl,
  checkJsonText,
  checkScope,
  metadataFields,
  type MetadataField,
} from '../../../src/protocol/registration/metadata-fields.js';
import { authMethodsFor, validateClientMetadata, validateJwks } from '../../../src/protocol/registration/validate-metadata.js';

type RegistrationConfig = Config['registration'];

function configFor(profile: RegistrationProfile = 'default', overrides: Record<string, unknown> = {}): RegistrationConfig {
  return loadConfig({ env: {}, overrides: { 'registration.profile': profile, ...overrides } }).registration;
}

const defaultConfig = configFor('default');
const profiles: RegistrationProfile[] = ['default', 'confidential', 'public-only'];

/** A request the default and confidential profiles accept; public-only accepts it too, as it defaults to `none`. */
const base = { client_name: 'Example Client', redirect_uris: ['https://client.example.com/callback'] };
/** {@link base} for a public client. */
const publicBase = { ...base, token_endpoint_auth_method: 'none' };

/** RFC 6749 §5.2: `error_description` is `1*( %x20-21 / %x23-5B / %x5D-7E )`. */
const errorDescriptionSyntax = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

/** Asserts the request is refused with `code` and an RFC 6749 §5.2 description. */
function assertRefused(request: Record<string, unknown>, code: ErrorCode, config: RegistrationConfig = defaultConfig): void {
  assert.throws(
    () => validateClientMetadata(request, config),
    (e) => e instanceof OAuthError && e.code === code && errorDescriptionSyntax.test(e.description),
  );
}

/** A printable name for a test title: control and non-ASCII characters as `\uXXXX`. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  const shown = text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return shown.length > 70 ? `${shown.slice(0, 50)}... (${text.length} characters)` : shown;
}

describe('validateClientMetadata (RFC 7591 §2, §3.2.2)', () => {
  describe('JSON types, from the metadataFields table', () => {
    const wrongValues: Record<(typeof metadataFields)[MetadataField]['type'], [string, unknown][]> = {
      string: [
        ['a number', 42],
        ['an object', { a: 'b' }],
        ['an array of numbers', [1, 2]],
        ['an array of strings', ['x']],
        ['a boolean', true],
      ],
      'string[]': [
        ['a number', 42],
        ['an object', { a: 'b' }],
        ['an array of numbers', [1, 2]],
        ['an array holding null', [null]],
        ['an array holding an object', [{}]],
        ['a boolean', false],
        ['a single string', 'https://client.example.com/callback'],
      ],
      object: [
        ['a number', 42],
        ['an array', [{ kty: 'EC' }]],
        ['an array of numbers', [1, 2]],
        ['a boolean', true],
        ['a string', '{"keys":[]}'],
      ],
      boolean: [
        ['a string', 'true'],
        ['a number', 1],
        ['an array', [true]],
      ],
    };
    for (const [name, rule] of Object.entries(metadataFields) as [MetadataField, (typeof metadataFields)[MetadataField]][]) {
      for (const [what, value] of wrongValues[rule.type]) {
        it(`rejects ${name} as ${what} (${rule.error})`, () => {
          assertRefused({ ...base, [name]: value }, rule.error);
        });
      }
    }

    for (const name of Object.keys(metadataFields) as MetadataField[]) {
      if (name === 'redirect_uris') continue;
      it(`treats ${name}: null as absent`, () => {
        const without: Record<string, unknown> = { ...base };
        delete without[name];
        assert.deepEqual(validateClientMetadata({ ...without, [name]: null }, defaultConfig), validateClientMetadata(without, defaultConfig));
      });
    }

    it('treats redirect_uris: null as missing (invalid_redirect_uri)', () => {
      assertRefused({ ...base, redirect_uris: null }, 'invalid_redirect_uri');
    });

    it('drops unknown fields from the result, including ones that look like server-issued values', () => {
      const request = JSON.parse(
        '{"client_name":"Example Client","redirect_uris":["https://client.example.com/callback"],' +
          '"client_id":"chosen","client_secret":"chosen","client_id_issued_at":1,"registration_access_token":"x",' +
          '"foo":"bar","require_pkce":false,"__proto__":{"admin":true},"software_statement":"a.b.c"}',
      ) as Record<string, unknown>;
      const metadata = validateClientMetadata(request, defaultConfig);
      assert.deepEqual(Object.keys(metadata).sort(), [
        'application_type',
        'client_name',
        'grant_types',
        'redirect_uris',
        'response_types',
        'scope',
        'token_endpoint_auth_method',
      ]);
      assert.equal(Object.getPrototypeOf(metadata), Object.prototype);
      assert.equal((metadata as unknown as Record<string, unknown>)['admin'], undefined);
    });

    it('keeps every optional field it understands', () => {
      const request = {
        ...base,
        client_uri: 'https://client.example.com',
        logo_uri: 'https://client.example.com/logo.png',
        tos_uri: 'https://client.example.com/tos',
        policy_uri: 'https://client.example.com/privacy?lang=en',
        jwks_uri: 'https://client.example.com/jwks.json',
        contacts: ['ops@client.example.com', 'Security Team <security@client.example.com>'],
        software_id: '4NRB1-0XZABZI9E6-5SM3R',
        software_version: '2.1.0',
      };
      assert.deepEqual(validateClientMetadata(request, defaultConfig), {
        ...request,
        token_endpoint_auth_method: 'client_secret_basic',
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        scope: 'openid profile email',
        application_type: 'web',
      });
    });
  });

  describe('client_name', () => {
    const refused: [string, string][] = [
      ['a NUL character', 'Evil\u0000Client'],
      ['a BEL character', 'Evil\u0007Client'],
      ['DEL', 'Evil\u007fClient'],
      ['NEL (C1 control)', 'Evil\u0085Client'],
      ['a line feed', 'Evil\nClient'],
      ['a tab', 'Evil\tClient'],
      ['an escape sequence', '\u001b[31mEvil'],
      ['a right-to-left override', 'Good\u202eesU'],
      ['a left-to-right override', 'Good\u202dClient'],
      ['a first-strong isolate', 'Good\u2068Client'],
      ['a left-to-right isolate', 'Good\u2066Client\u2069'],
      ['a right-to-left mark', 'Good\u200fClient'],
      ['a zero-width space', 'Goo\u200bgle'],
      ['a zero-width joiner between emoji', '\u{1F468}\u200d\u{1F469}\u200d\u{1F467} Family'],
      ['a zero-width non-joiner', 'Goo\u200cgle'],
      ['a byte-order mark', '\ufeffClient'],
      ['a soft hyphen', 'Goo\u00adgle'],
      ['a line separator', 'Good\u2028Client'],
      ['a paragraph separator', 'Good\u2029Client'],
      ['a private-use character', 'Client \ue000'],
      ['a lone high surrogate', 'Client \ud83d'],
      ['a lone low surrogate', 'Client \ude00'],
      ['surrogates in the wrong order', 'Client \ude00\ud83d'],
      ['only spaces', '   '],
      ['nothing', ''],
    ];
    for (const [what, name] of refused) {
      it(`rejects a client_name with ${what}: ${show(name)} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, client_name: name }, 'invalid_client_metadata');
      });
    }

    const accepted: [string, string][] = [
      ['accents', 'Café Société Ünïcödé'],
      ['CJK', '日本語のクライアント 客户端'],
      ['Korean', '클라이언트'],
      ['a right-to-left script without overrides', 'تطبيق العميل'],
      ['an emoji', '\u{1F680} Rocket'],
      ['an emoji with a skin-tone modifier', 'Thumbs \u{1F44D}\u{1F3FD}'],
      ['an emoji with a variation selector', 'I \u2764\ufe0f MCP'],
      ['a flag', 'Client \u{1F1EB}\u{1F1F7}'],
      ['punctuation and quotes', 'O\'Brien\'s "Client" <beta> & co.'],
      ['inner spaces', 'Claude Code'],
    ];
    for (const [what, name] of accepted) {
      it(`accepts a client_name with ${what}: ${show(name)}`, () => {
        assert.equal(validateClientMetadata({ ...base, client_name: name }, defaultConfig).client_name, name);
      });
    }

    it('is required in the confidential and public-only profiles (invalid_client_metadata)', () => {
      assertRefused({ redirect_uris: base.redirect_uris }, 'invalid_client_metadata', configFor('confidential'));
      assertRefused({ redirect_uris: base.redirect_uris, token_endpoint_auth_method: 'none' }, 'invalid_client_metadata', configFor('public-only'));
      assertRefused({ redirect_uris: base.redirect_uris, client_name: null }, 'invalid_client_metadata', configFor('confidential'));
    });

    it('is optional in the default profile', () => {
      const metadata = validateClientMetadata({ redirect_uris: base.redirect_uris }, defaultConfig);
      assert.equal(metadata.client_name, undefined);
      assert.equal('client_name' in metadata, false);
    });
  });

  describe('lengths and counts', () => {
    const limits = defaultConfig;
    const longUri = (length: number): string => `https://client.example.com/${'a'.repeat(length - 'https://client.example.com/'.length)}`;
    const tooLong: [string, Record<string, unknown>, ErrorCode][] = [
      ['client_name', { client_name: 'n'.repeat(limits.maxClientNameLength + 1) }, 'invalid_client_metadata'],
      ['client_uri', { client_uri: longUri(limits.maxUriLength + 1) }, 'invalid_client_metadata'],
      ['logo_uri', { logo_uri: longUri(limits.maxUriLength + 1) }, 'invalid_client_metadata'],
      ['tos_uri', { tos_uri: longUri(limits.maxUriLength + 1) }, 'invalid_client_metadata'],
      ['policy_uri', { policy_uri: longUri(limits.maxUriLength + 1) }, 'invalid_client_metadata'],
      ['jwks_uri', { jwks_uri: longUri(limits.maxUriLength + 1) }, 'invalid_client_metadata'],
      ['scope', { scope: 's'.repeat(limits.maxStringLength + 1) }, 'invalid_client_metadata'],
      ['software_id', { software_id: 'i'.repeat(limits.maxStringLength + 1) }, 'invalid_client_metadata'],
      ['software_version', { software_version: 'v'.repeat(limits.maxStringLength + 1) }, 'invalid_client_metadata'],
      ['software_statement', { software_statement: 'j'.repeat(16_385) }, 'invalid_software_statement'],
      ['token_endpoint_auth_method', { token_endpoint_auth_method: 'm'.repeat(65) }, 'invalid_client_metadata'],
      ['application_type', { application_type: 'native'.repeat(3) }, 'invalid_client_metadata'],
      ['a contacts entry', { contacts: [`${'c'.repeat(310)}@example.com`] }, 'invalid_client_metadata'],
      ['a grant_types entry', { grant_types: ['authorization_code', 'g'.repeat(limits.maxStringLength + 1)] }, 'invalid_client_metadata'],
      ['a response_types entry', { response_types: ['r'.repeat(limits.maxStringLength + 1)] }, 'invalid_client_metadata'],
      ['a redirect_uris entry', { redirect_uris: [longUri(limits.maxUriLength + 1)] }, 'invalid_redirect_uri'],
      [
        'jwks',
        { jwks: { keys: [{ kty: 'RSA', n: 'n'.repeat(limits.maxStringLength * 16), e: 'AQAB' }] } },
        'invalid_client_metadata',
      ],
    ];
    for (const [what, fields, code] of tooLong) {
      it(`rejects an over-long ${what} (${code})`, () => {
        assertRefused({ ...base, ...fields }, code);
      });
    }

    const tooMany: [string, Record<string, unknown>, ErrorCode][] = [
      [
        'redirect_uris',
        { redirect_uris: Array.from({ length: limits.maxRedirectUris + 1 }, (_, i) => `https://client.example.com/cb/${i}`) },
        'invalid_redirect_uri',
      ],
      ['contacts', { contacts: Array.from({ length: limits.maxContacts + 1 }, (_, i) => `ops${i}@client.example.com`) }, 'invalid_client_metadata'],
      ['grant_types', { grant_types: Array.from({ length: 21 }, () => 'authorization_code') }, 'invalid_client_metadata'],
      ['response_types', { response_types: Array.from({ length: 21 }, () => 'code') }, 'invalid_client_metadata'],
    ];
    for (const [what, fields, code] of tooMany) {
      it(`rejects too many ${what} (${code})`, () => {
        assertRefused({ ...base, ...fields }, code);
      });
    }

    it('accepts strings and lists exactly at the limits', () => {
      const request = {
        ...base,
        client_name: 'n'.repeat(limits.maxClientNameLength),
        client_uri: longUri(limits.maxUriLength),
        software_id: 'i'.repeat(limits.maxStringLength),
        redirect_uris: Array.from({ length: limits.maxRedirectUris }, (_, i) => `https://client.example.com/cb/${i}`),
        contacts: Array.from({ length: limits.maxContacts }, (_, i) => `ops${i}@client.example.com`),
      };
      const metadata = validateClientMetadata(request, defaultConfig);
      assert.equal(metadata.client_name, request.client_name);
      assert.equal(metadata.client_uri, request.client_uri);
      assert.deepEqual(metadata.redirect_uris, request.redirect_uris);
      assert.deepEqual(metadata.contacts, request.contacts);
    });

    it('follows the configured limits', () => {
      const config = configFor('default', {
        'registration.maxClientNameLength': 8,
        'registration.maxRedirectUris': 1,
        'registration.maxContacts': 0,
      });
      assert.equal(validateClientMetadata({ ...base, client_name: 'eight ch' }, config).client_name, 'eight ch');
      assertRefused({ ...base, client_name: 'nine char' }, 'invalid_client_metadata', config);
      assertRefused({ ...base, redirect_uris: ['https://a.example/cb', 'https://b.example/cb'] }, 'invalid_redirect_uri', config);
      assertRefused({ ...base, contacts: ['ops@client.example.com'] }, 'invalid_client_metadata', config);
    });
  });

  describe('redirect_uris', () => {
    it('rejects a missing redirect_uris (invalid_redirect_uri)', () => {
      assertRefused({ client_name: 'Example Client' }, 'invalid_redirect_uri');
    });

    it('rejects an empty redirect_uris (invalid_redirect_uri)', () => {
      assertRefused({ ...base, redirect_uris: [] }, 'invalid_redirect_uri');
    });

    it('rejects a missing redirect_uris when authorization_code is asked for explicitly (invalid_redirect_uri)', () => {
      assertRefused({ client_name: 'X', grant_types: ['authorization_code', 'client_credentials'] }, 'invalid_redirect_uri');
    });

    it('lets a client_credentials-only client leave redirect_uris out (RFC 7591 §2: only redirect-based flows need them)', () => {
      const metadata = validateClientMetadata({ client_name: 'MCP server', grant_types: ['client_credentials'] }, defaultConfig);
      assert.deepEqual(metadata.redirect_uris, []);
      assert.deepEqual(metadata.response_types, []);
      assert.equal(metadata.token_endpoint_auth_method, 'client_secret_basic');
    });

    it('rejects a list with one bad URI among good ones, naming its index (invalid_redirect_uri)', () => {
      assert.throws(
        () => validateClientMetadata({ ...base, redirect_uris: ['https://client.example.com/cb', 'http://client.example.com/cb'] }, defaultConfig),
        (e) => e instanceof OAuthError && e.code === 'invalid_redirect_uri' && e.description.startsWith('redirect_uris[1] '),
      );
    });

    it('rejects a redirect_uri with a fragment in any profile (invalid_redirect_uri)', () => {
      for (const profile of profiles) {
        assertRefused({ ...base, ...(profile === 'public-only' ? publicBase : {}), redirect_uris: ['https://client.example.com/cb#x'] }, 'invalid_redirect_uri', configFor(profile));
      }
    });

    it('drops duplicate redirect URIs and keeps their order', () => {
      const metadata = validateClientMetadata(
        { ...base, redirect_uris: ['https://b.example/cb', 'https://a.example/cb', 'https://b.example/cb'] },
        defaultConfig,
      );
      assert.deepEqual(metadata.redirect_uris, ['https://b.example/cb', 'https://a.example/cb']);
    });
  });

  describe('defaults (RFC 7591 §2)', () => {
    const expectedAuthMethod: Record<RegistrationProfile, string> = {
      default: 'client_secret_basic',
      confidential: 'client_secret_basic',
      'public-only': 'none',
    };
    for (const profile of profiles) {
      it(`fills in grant_types, response_types, token_endpoint_auth_method (${expectedAuthMethod[profile]}), scope and application_type in the ${profile} profile`, () => {
        const metadata = validateClientMetadata(base, configFor(profile));
        assert.deepEqual(metadata, {
          redirect_uris: base.redirect_uris,
          client_name: base.client_name,
          token_endpoint_auth_method: expectedAuthMethod[profile],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          scope: 'openid profile email',
          application_type: 'web',
        });
      });
    }

    it('uses registration.defaultScope when the request names no scope', () => {
      const config = configFor('default', { 'registration.defaultScope': 'mcp:tools offline_access' });
      assert.equal(validateClientMetadata(base, config).scope, 'mcp:tools offline_access');
      assert.equal(validateClientMetadata({ ...base, scope: 'mcp' }, config).scope, 'mcp');
    });

    it('lists the default auth method of each profile first', () => {
      assert.deepEqual(authMethodsFor('default'), ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
      assert.deepEqual(authMethodsFor('confidential'), ['client_secret_basic', 'client_secret_post', 'private_key_jwt']);
      assert.deepEqual(authMethodsFor('public-only'), ['none']);
    });
  });

  describe('token_endpoint_auth_method', () => {
    const refused: [RegistrationProfile, string][] = [
      ['default', 'client_secret_jwt'],
      ['default', 'tls_client_auth'],
      ['default', 'self_signed_tls_client_auth'],
      ['default', 'CLIENT_SECRET_BASIC'],
      ['default', ''],
      ['default', 'none"\\\u0000\u00e9'],
      ['confidential', 'none'],
      ['public-only', 'client_secret_basic'],
      ['public-only', 'client_secret_post'],
      ['public-only', 'private_key_jwt'],
    ];
    for (const [profile, method] of refused) {
      it(`rejects token_endpoint_auth_method ${show(method)} in the ${profile} profile (invalid_client_metadata)`, () => {
        assertRefused({ ...base, token_endpoint_auth_method: method }, 'invalid_client_metadata', configFor(profile));
      });
    }

    const accepted: [RegistrationProfile, string][] = [
      ['default', 'client_secret_basic'],
      ['default', 'client_secret_post'],
      ['default', 'none'],
      ['confidential', 'client_secret_basic'],
      ['confidential', 'client_secret_post'],
      ['public-only', 'none'],
    ];
    for (const [profile, method] of accepted) {
      it(`accepts token_endpoint_auth_method ${method} in the ${profile} profile`, () => {
        assert.equal(validateClientMetadata({ ...base, token_endpoint_auth_method: method }, configFor(profile)).token_endpoint_auth_method, method);
      });
    }
  });

  describe('grant_types and response_types', () => {
    const refusedGrants: [string, string[]][] = [
      ['the implicit grant', ['implicit']],
      ['the implicit grant beside authorization_code', ['authorization_code', 'implicit']],
      ['the password grant', ['password']],
      ['the password grant beside authorization_code', ['authorization_code', 'refresh_token', 'password']],
      ['only refresh_token', ['refresh_token']],
      ['only the device code grant', ['urn:ietf:params:oauth:grant-type:device_code']],
      ['only unknown grants', ['urn:ietf:params:oauth:grant-type:token-exchange', 'urn:ietf:params:oauth:grant-type:device_code']],
      ['refresh_token and the device code grant', ['refresh_token', 'urn:ietf:params:oauth:grant-type:device_code']],
      ['an empty list', []],
      ['a differently cased authorization_code', ['Authorization_Code']],
    ];
    for (const [what, grantTypes] of refusedGrants) {
      it(`rejects grant_types with ${what} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, grant_types: grantTypes }, 'invalid_client_metadata');
      });
    }

    const keptGrants: [string, string[], string[]][] = [
      [
        'drops the device code grant',
        ['authorization_code', 'refresh_token', 'urn:ietf:params:oauth:grant-type:device_code'],
        ['authorization_code', 'refresh_token'],
      ],
      [
        'drops the token exchange grant',
        ['urn:ietf:params:oauth:grant-type:token-exchange', 'authorization_code'],
        ['authorization_code'],
      ],
      [
        'keeps the JWT bearer grant (identity assertion grants) of a confidential client',
        ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
        ['authorization_code', 'urn:ietf:params:oauth:grant-type:jwt-bearer'],
      ],
      [
        'keeps the JWT bearer grant alone, without redirect URIs',
        ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
        ['urn:ietf:params:oauth:grant-type:jwt-bearer'],
      ],
      ['drops repeated grants', ['refresh_token', 'authorization_code', 'authorization_code'], ['authorization_code', 'refresh_token']],
      ['keeps authorization_code alone', ['authorization_code'], ['authorization_code']],
      [
        'keeps client_credentials beside authorization_code',
        ['authorization_code', 'client_credentials'],
        ['authorization_code', 'client_credentials'],
      ],
    ];
    for (const [what, requested, registered] of keptGrants) {
      it(`${what}: ${JSON.stringify(requested)} registers ${JSON.stringify(registered)}`, () => {
        assert.deepEqual(validateClientMetadata({ ...base, grant_types: requested }, defaultConfig).grant_types, registered);
      });
    }

    const refusedResponses: [string, unknown[]][] = [
      ['token', ['token']],
      ['"code id_token"', ['code id_token']],
      ['"code token"', ['code token']],
      ['id_token', ['id_token']],
      ['none', ['none']],
      ['code and token', ['code', 'token']],
      ['CODE in upper case', ['CODE']],
    ];
    for (const [what, responseTypes] of refusedResponses) {
      for (const profile of profiles) {
        it(`rejects response_types ${what} in the ${profile} profile (invalid_client_metadata)`, () => {
          const request = profile === 'public-only' ? publicBase : base;
          assertRefused({ ...request, response_types: responseTypes }, 'invalid_client_metadata', configFor(profile));
        });
      }
    }

    it('rejects response_types code without the authorization_code grant (RFC 7591 §2.1, invalid_client_metadata)', () => {
      assertRefused({ ...base, grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata');
    });

    it('rejects the authorization_code grant with empty response_types (RFC 7591 §2.1, invalid_client_metadata)', () => {
      assertRefused({ ...base, grant_types: ['authorization_code'], response_types: [] }, 'invalid_client_metadata');
    });

    it('rejects empty response_types with the default grant types (invalid_client_metadata)', () => {
      assertRefused({ ...base, response_types: [] }, 'invalid_client_metadata');
    });

    it('accepts client_credentials alone for a confidential client, with no response types', () => {
      const metadata = validateClientMetadata({ ...base, grant_types: ['client_credentials'] }, defaultConfig);
      assert.deepEqual(metadata.grant_types, ['client_credentials']);
      assert.deepEqual(metadata.response_types, []);
      const explicit = validateClientMetadata({ ...base, grant_types: ['client_credentials'], response_types: [] }, configFor('confidential'));
      assert.deepEqual(explicit.response_types, []);
    });

    it('rejects client_credentials for a public client (invalid_client_metadata)', () => {
      assertRefused({ ...publicBase, grant_types: ['client_credentials'] }, 'invalid_client_metadata');
      assertRefused({ ...publicBase, grant_types: ['authorization_code', 'client_credentials'] }, 'invalid_client_metadata');
      assertRefused({ ...publicBase, grant_types: ['authorization_code', 'client_credentials'] }, 'invalid_client_metadata', configFor('public-only'));
    });

    it('rejects the JWT bearer grant (identity assertion grants) for a public client (invalid_client_metadata)', () => {
      const jwtBearer = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
      assertRefused({ ...publicBase, grant_types: [jwtBearer] }, 'invalid_client_metadata');
      assertRefused({ ...publicBase, grant_types: ['authorization_code', jwtBearer] }, 'invalid_client_metadata');
    });

    it('registers response_types code once when it is repeated', () => {
      assert.deepEqual(validateClientMetadata({ ...base, response_types: ['code', 'code'] }, defaultConfig).response_types, ['code']);
    });
  });

  describe('jwks and jwks_uri (RFC 7591 §2)', () => {
    const jwk = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };

    it('rejects jwks together with jwks_uri (invalid_client_metadata)', () => {
      assertRefused({ ...base, jwks: { keys: [jwk] }, jwks_uri: 'https://client.example.com/jwks.json' }, 'invalid_client_metadata');
    });

    const notJwkSets: [string, Record<string, unknown>][] = [
      ['an empty object', {}],
      ['keys as a string', { keys: 'x' }],
      ['keys as an object', { keys: { a: jwk } }],
      ['keys holding a number', { keys: [1] }],
      ['keys holding null', { keys: [null] }],
      ['keys holding an array', { keys: [[jwk]] }],
      ['a key without kty', { keys: [{ crv: 'P-256' }] }],
      ['a key with a numeric kty', { keys: [{ kty: 1 }] }],
      ['a bare JWK instead of a set', jwk],
    ];
    for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) {
      it(`rejects jwks holding private or symmetric key material (${member}) (invalid_client_metadata)`, () => {
        assertRefused({ ...base, jwks: { keys: [{ ...jwk, [member]: 'c2VjcmV0' }] } }, 'invalid_client_metadata');
      });
    }

    for (const [what, jwks] of notJwkSets) {
      it(`rejects jwks that is not a JWK Set: ${what} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, jwks }, 'invalid_client_metadata');
      });
    }

    const unstorable: [string, Record<string, unknown>][] = [
      ['a NUL character in a value', { keys: [{ ...jwk, kid: 'a\u0000b' }] }],
      ['a lone surrogate in a value', { keys: [{ ...jwk, kid: '\ud800' }] }],
      ['a control character in a member name', { keys: [{ ...jwk, ['x\u0007']: 'y' }] }],
      ['a lone surrogate in a member name', { keys: [jwk], ['\udc00']: true }],
    ];
    for (const [what, jwks] of unstorable) {
      it(`rejects jwks with ${what} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, jwks }, 'invalid_client_metadata');
      });
    }

    it('accepts and keeps a JWK Set', () => {
      assert.deepEqual(validateClientMetadata({ ...base, jwks: { keys: [jwk] } }, defaultConfig).jwks, { keys: [jwk] });
    });

    describe('each key checked with jose (RFC 7517 §4, RFC 7518 §6)', () => {
      const rsa = { kty: 'RSA', n: 'sXchDaQebHnPiGvyDOAT4saGEUetSyo9MKLOoWFsueri23bOdgWp4Dy1WlUzewbgBHod5pcM9H95GQRV3JDXboIRROSBigeC5yjU1hGzHHyXss8UDprecbAYxknTcQkhslANGRUZmdTOQ5qTRsLAt6BTYuyvVRdhS8exSZEy_c4gs_7svlJJQ4H9_NxsiIoLwAEk7-Q3UXERGYw_75IDrGA84-lA_-Ct4eTlXHBIY2EaV7t7LjJaynVJCpkv4LKjTTAumiGUIuQhrNhZLuF_RJLqHpM2kgWFLU7-VTdL1VbC2tejvcI2BlMkEpk1BzBZI0KQB0GaDWFLN-aEAw3vRw', e: 'AQAB' };
      const ed = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
      const refused: [string, Record<string, unknown>, RegExp][] = [
        ['an RSA key without n', { kty: 'RSA', e: 'AQAB' }, /jwks\.keys\[1\] is not a valid RSA public key: n and e/],
        ['an RSA key without e', { kty: 'RSA', n: rsa.n }, /jwks\.keys\[1\] is not a valid RSA public key/],
        ['an RSA key whose n is not base64url', { ...rsa, n: 'not base64url!' }, /not a valid RSA public key/],
        ['an RSA key shorter than 2048 bits', { ...rsa, n: rsa.n.slice(0, 171) }, /at least 2048 bits/],
        ['an EC key without y', { kty: 'EC', crv: 'P-256', x: jwk.x }, /not a valid EC public key: crv, x and y/],
        ['an EC key on an unknown curve', { ...jwk, crv: 'P-192' }, /unsupported/],
        ['an EC key whose alg does not fit its curve', { ...jwk, alg: 'ES384' }, /not a valid EC public key/],
        ['an OKP key with a malformed x', { ...ed, x: 'abc' }, /not a valid OKP public key: crv and x/],
        ['a key of an unknown kty', { kty: 'PQC', pub: 'x' }, /jwks\.keys\[1\] has an unsupported kty, crv or alg/],
        ['a key with an unknown alg', { ...rsa, alg: 'RS1' }, /unsupported kty, crv or alg/],
        ['a symmetric key (kty oct)', { kty: 'oct', k: 'c2VjcmV0' }, /jwks\.keys\[1\] is a symmetric key \(kty oct\)/],
        ['a symmetric key without k', { kty: 'oct' }, /symmetric key/],
        ['a private RSA key (d)', { ...rsa, d: 'c2VjcmV0' }, /jwks\.keys\[1\] is a private key \(it has a d member\)/],
        ['a private EC key (d)', { ...jwk, d: 'c2VjcmV0' }, /is a private key \(it has a d member\)/],
      ];
      for (const [what, key, description] of refused) {
        it(`rejects ${what} (invalid_client_metadata, naming the problem)`, async () => {
          const request = { ...base, jwks: { keys: [jwk, key] } };
          await assert.rejects(
            async () => validateJwks(validateClientMetadata(request, defaultConfig).jwks),
            (e) => e instanceof OAuthError && e.code === 'invalid_client_metadata' && description.test(e.description) && errorDescriptionSyntax.test(e.description),
          );
        });
      }

      it('accepts RSA, EC and OKP public keys, for signing or encryption, with or without alg', async () => {
        const keys = [rsa, { ...rsa, alg: 'PS256' }, { ...rsa, use: 'enc' }, jwk, { ...jwk, alg: 'ES256', use: 'sig', kid: 'k1' }, ed, { kty: 'OKP', crv: 'X25519', x: 'hSDwCYkwp1R0i33ctD73Wg2_Og0mOBr066SpjqqbTmo' }];
        await validateJwks({ keys });
        await validateJwks(undefined);
      });
    });

    describe('private_key_jwt (RFC 7523 section 2.2)', () => {
      for (const profile of ['default', 'confidential'] as const) {
        it(`accepts private_key_jwt with jwks or jwks_uri in the ${profile} profile`, () => {
          const withJwks = validateClientMetadata({ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } }, configFor(profile));
          assert.equal(withJwks.token_endpoint_auth_method, 'private_key_jwt');
          const withUri = validateClientMetadata({ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.com/jwks.json' }, configFor(profile));
          assert.equal(withUri.jwks_uri, 'https://client.example.com/jwks.json');
        });
        it(`rejects private_key_jwt without jwks or jwks_uri in the ${profile} profile (invalid_client_metadata)`, () => {
          assertRefused({ ...base, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', configFor(profile));
        });
      }
      it('rejects private_key_jwt with an empty jwks (invalid_client_metadata)', () => {
        assertRefused({ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [] } }, 'invalid_client_metadata');
      });
      it('rejects private_key_jwt in the public-only profile (invalid_client_metadata)', () => {
        assertRefused({ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] } }, 'invalid_client_metadata', configFor('public-only'));
      });
      it('keeps token_endpoint_auth_signing_alg for private_key_jwt and drops it for other methods', () => {
        const keyed = { ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, token_endpoint_auth_signing_alg: 'ES256' };
        assert.equal(validateClientMetadata(keyed, defaultConfig).token_endpoint_auth_signing_alg, 'ES256');
        const secret = { ...base, token_endpoint_auth_method: 'client_secret_basic', token_endpoint_auth_signing_alg: 'ES256' };
        assert.equal(validateClientMetadata(secret, defaultConfig).token_endpoint_auth_signing_alg, undefined);
      });
      for (const alg of ['none', 'HS256', 'ES256K', 'es256']) {
        it(`rejects token_endpoint_auth_signing_alg ${alg} (invalid_client_metadata)`, () => {
          assertRefused({ ...base, token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [jwk] }, token_endpoint_auth_signing_alg: alg }, 'invalid_client_metadata');
        });
      }
    });

    it('accepts jwks_uri alone', () => {
      const metadata = validateClientMetadata({ ...base, jwks_uri: 'https://client.example.com/jwks.json' }, defaultConfig);
      assert.equal(metadata.jwks_uri, 'https://client.example.com/jwks.json');
      assert.equal(metadata.jwks, undefined);
    });
  });

  describe('*_uri fields', () => {
    const uriFields = ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'jwks_uri'] as const;
    const refused: [string, string][] = [
      ['http', 'http://client.example.com/'],
      ['http on localhost', 'http://localhost:8080/'],
      ['javascript:', 'javascript:alert(1)'],
      ['data:', 'data:image/png;base64,iVBORw0KGgo='],
      ['ftp:', 'ftp://client.example.com/logo.png'],
      ['a relative reference', '/logo.png'],
      ['a network-path reference', '//client.example.com/logo.png'],
      ['no scheme', 'client.example.com'],
      ['https with no host', 'https://'],
      ['https:/host', 'https:/client.example.com/'],
      ['https:///host', 'https:///client.example.com/'],
      ['userinfo', 'https://user@client.example.com/'],
      ['userinfo that looks like the host', 'https://client.example.com@evil.example/'],
      ['userinfo with a password', 'https://user:pass@client.example.com/'],
      ['a space', 'https://client.example.com/a b'],
      ['a trailing newline', 'https://client.example.com/\n'],
      ['a tab', 'https://client.example.com/\tx'],
      ['a NUL character', 'https://client.example.com/\u0000'],
      ['a backslash', 'https://client.example.com\\@evil.example/'],
      ['a double quote', 'https://client.example.com/"onmouseover="x'],
      ['angle brackets', 'https://client.example.com/<script>'],
      ['a right-to-left override', 'https://client.example.com/\u202egnp.exe'],
      ['a zero-width space', 'https://client.exa\u200bmple.com/'],
      ['a lone surrogate', 'https://client.example.com/\ud800'],
    ];
    for (const field of uriFields) {
      for (const [what, value] of refused) {
        it(`rejects ${field} with ${what}: ${show(value)} (invalid_client_metadata)`, () => {
          assertRefused({ ...base, [field]: value }, 'invalid_client_metadata');
        });
      }
    }

    for (const value of ['https://client.example.com', 'https://client.example.com/tos?lang=en', 'HTTPS://client.example.com:8443/a%20b']) {
      it(`accepts the https URL ${value} in every *_uri field`, () => {
        for (const field of uriFields) assert.equal(validateClientMetadata({ ...base, [field]: value }, defaultConfig)[field], value);
      });
    }
  });

  describe('scope (RFC 6749 §3.3)', () => {
    const refused: [string, string][] = [
      ['a double quote', 'openid "profile"'],
      ['a backslash', 'openid pro\\file'],
      ['a BEL character', 'openid\u0007'],
      ['a NUL character', 'openid\u0000profile'],
      ['a tab between tokens', 'openid\tprofile'],
      ['a newline between tokens', 'openid\nprofile'],
      ['a non-ASCII character', 'caf\u00e9'],
      ['a DEL character', 'openid\u007f'],
      ['a non-breaking space between tokens', 'openid\u00a0profile'],
    ];
    for (const [what, scope] of refused) {
      it(`rejects a scope with ${what}: ${show(scope)} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, scope }, 'invalid_client_metadata');
      });
    }

    const normalised: [string, string, string][] = [
      ['keeps a single token', 'mcp', 'mcp'],
      ['keeps tokens with punctuation', 'mcp:tools https://api.example.com/read', 'mcp:tools https://api.example.com/read'],
      ['drops duplicate tokens, keeping the first position', 'mcp offline_access mcp mcp', 'mcp offline_access'],
      ['collapses repeated spaces', 'openid   profile  email', 'openid profile email'],
      ['drops leading and trailing spaces', '  mcp offline_access  ', 'mcp offline_access'],
      ['takes an empty scope as none asked for', '', 'openid profile email'],
      ['takes a blank scope as none asked for', '   ', 'openid profile email'],
    ];
    for (const [what, scope, registered] of normalised) {
      it(`${what}: ${JSON.stringify(scope)} registers ${JSON.stringify(registered)}`, () => {
        assert.equal(validateClientMetadata({ ...base, scope }, defaultConfig).scope, registered);
      });
    }
  });

  describe('application_type (OIDC Registration §2) and redirect kinds (RFC 8252)', () => {
    const cases: [string, Record<string, unknown>, RegistrationProfile, 'native' | 'web'][] = [
      ['https redirects with no application_type are web', base, 'default', 'web'],
      ['application_type web with https redirects stays web', { ...base, application_type: 'web' }, 'default', 'web'],
      ['application_type native with https redirects stays native', { ...base, application_type: 'native' }, 'default', 'native'],
      ['a loopback redirect implies native', { ...base, redirect_uris: ['http://127.0.0.1:33418/'] }, 'default', 'native'],
      ['a loopback redirect overrides application_type web', { ...base, application_type: 'web', redirect_uris: ['http://localhost:3000/callback'] }, 'default', 'native'],
      ['one loopback redirect among https ones implies native', { ...base, redirect_uris: ['https://client.example.com/cb', 'http://[::1]/cb'] }, 'default', 'native'],
      ['a private-use redirect implies native', { ...publicBase, redirect_uris: ['com.example.app:/cb'] }, 'default', 'native'],
      ['a private-use redirect implies native in the public-only profile', { ...publicBase, redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'] }, 'public-only', 'native'],
    ];
    for (const [what, request, profile, type] of cases) {
      it(`${what} (${profile} profile)`, () => {
        assert.equal(validateClientMetadata(request, configFor(profile)).application_type, type);
      });
    }

    for (const value of ['desktop', 'NATIVE', 'Web', '', 'browser']) {
      it(`rejects application_type ${JSON.stringify(value)} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, application_type: value }, 'invalid_client_metadata');
      });
    }

    const confidentialPrivateUse: [string, Record<string, unknown>, RegistrationProfile][] = [
      ['client_secret_basic', { ...base, redirect_uris: ['com.example.app:/cb'], token_endpoint_auth_method: 'client_secret_basic' }, 'default'],
      ['client_secret_post', { ...base, redirect_uris: ['vscode://x/y'], token_endpoint_auth_method: 'client_secret_post' }, 'default'],
      ['the default auth method', { ...base, redirect_uris: ['cursor://anysphere.cursor-mcp/oauth/callback'] }, 'default'],
      ['the confidential profile default', { ...base, redirect_uris: ['https://client.example.com/cb', 'com.example.app:/cb'] }, 'confidential'],
    ];
    for (const [what, request, profile] of confidentialPrivateUse) {
      it(`rejects a private-use redirect for a confidential client (${what}, ${profile} profile) (invalid_redirect_uri)`, () => {
        assertRefused(request, 'invalid_redirect_uri', configFor(profile));
      });
    }
  });

  describe('contacts, software_id and software_version', () => {
    const refused: [string, Record<string, unknown>][] = [
      ['an empty contact', { contacts: [''] }],
      ['a contact with a line feed', { contacts: ['ops@client.example.com\nBcc: x@evil.example'] }],
      ['a contact with a right-to-left override', { contacts: ['ops@\u202eclient.example.com'] }],
      ['an empty software_id', { software_id: '' }],
      ['a software_id with a NUL character', { software_id: 'id\u0000' }],
      ['a software_version with a lone surrogate', { software_version: '1.0\ud800' }],
      ['a blank software_version', { software_version: '  ' }],
    ];
    for (const [what, fields] of refused) {
      it(`rejects ${what} (invalid_client_metadata)`, () => {
        assertRefused({ ...base, ...fields }, 'invalid_client_metadata');
      });
    }
  });
});

describe('metadata-fields checks', () => {
  it('checkDisplayText accepts plain text and names the problem otherwise', () => {
    assert.equal(checkDisplayText('Visual Studio Code'), undefined);
    assert.equal(typeof checkDisplayText(''), 'string');
    assert.equal(typeof checkDisplayText('a\u202eb'), 'string');
    assert.equal(typeof checkDisplayText('\ud800'), 'string');
  });

  it('checkHttpsUrl accepts https URLs only', () => {
    assert.equal(checkHttpsUrl('https://client.example.com/a?b=c'), undefined);
    assert.equal(typeof checkHttpsUrl('http://client.example.com/'), 'string');
    assert.equal(typeof checkHttpsUrl('https://user@client.example.com/'), 'string');
    assert.equal(typeof checkHttpsUrl('https://client.example.com/\u2066'), 'string');
  });

  it('checkScope accepts RFC 6749 scope tokens only', () => {
    assert.equal(checkScope('openid profile'), undefined);
    assert.equal(checkScope('  a  b  '), undefined);
    assert.equal(typeof checkScope('a "b"'), 'string');
    assert.equal(typeof checkScope('a\\b'), 'string');
  });

  it('checkJsonText looks at nested values and member names', () => {
    assert.equal(checkJsonText({ keys: [{ kty: 'OKP', x: 'abc', n: 1, ok: true, none: null }] }), undefined);
    assert.equal(typeof checkJsonText({ keys: [{ kty: 'OKP', x5c: ['a', 'b\u0000'] }] }), 'string');
    assert.equal(typeof checkJsonText({ keys: [], ['\ud800']: 1 }), 'string');
  });

  it('every field rule names a registration error code and a positive length limit', () => {
    const config = configFor('default');
    for (const [name, rule] of Object.entries(metadataFields)) {
      assert.ok(['invalid_client_metadata', 'invalid_redirect_uri', 'invalid_software_statement'].includes(rule.error), name);
      assert.ok(rule.maxLength(config) > 0, name);
    }
  });
});

describe('registration requests of real MCP clients (test/fixtures/mcp-client-registrations.json)', () => {
  const fixture = JSON.parse(readFileSync(new URL('../../fixtures/mcp-client-registrations.json', import.meta.url), 'utf8')) as {
    clients: { name: string; request: Record<string, unknown> }[];
  };
  assert.ok(fixture.clients.length >= 7);

  for (const client of fixture.clients) {
    it(`validates the ${client.name} request in the default profile, keeping its redirect URIs and auth method`, () => {
      const metadata = validateClientMetadata(client.request, defaultConfig);
      assert.deepEqual(metadata.redirect_uris, client.request['redirect_uris']);
      assert.equal(metadata.token_endpoint_auth_method, client.request['token_endpoint_auth_method']);
      assert.deepEqual(metadata.response_types, ['code']);
      assert.equal(metadata.client_name, client.request['client_name']);
      assert.equal(metadata.scope, client.request['scope'] ?? 'openid profile email');
    });
  }

  it('drops the device_code grant of VS Code and makes it native', () => {
    const vscode = fixture.clients.find((c) => c.name === 'VS Code');
    assert.ok(vscode);
    const metadata = validateClientMetadata(vscode.request, defaultConfig);
    assert.deepEqual(metadata.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(metadata.application_type, 'native');
  });

  it('makes Cursor native for its private-use and loopback redirects', () => {
    const cursor = fixture.clients.find((c) => c.name === 'Cursor');
    assert.ok(cursor);
    assert.equal(validateClientMetadata(cursor.request, defaultConfig).application_type, 'native');
  });

  it('keeps Claude (https only, client_secret_post) a web client', () => {
    const claude = fixture.clients.find((c) => c.name.startsWith('Claude (claude.ai'));
    assert.ok(claude);
    const metadata = validateClientMetadata(claude.request, defaultConfig);
    assert.equal(metadata.application_type, 'web');
    assert.equal(metadata.token_endpoint_auth_method, 'client_secret_post');
  });
});
