import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { ErrorCode } from '../../../src/errors/codes.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import { checkMetadataDocument, isMetadataDocumentClientId, metadataDocumentRefusal, validateMetadataDocument } from '../../../src/protocol/cimd/validate-document.js';
import { serverMetadata } from '../../../src/protocol/server-metadata.js';

const config = loadConfig({ env: {}, overrides: {} });
const url = 'https://client.example.com/oauth/client.json';
const good = {
  client_id: url,
  client_name: 'Example MCP Client',
  client_uri: 'https://client.example.com',
  redirect_uris: ['https://client.example.com/callback', 'http://127.0.0.1/callback'],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'none',
  scope: 'mcp:tools',
};

/** RFC 6749 §5.2: `error_description` is `1*( %x20-21 / %x23-5B / %x5D-7E )`; it reaches the token endpoint. */
const errorDescriptionSyntax = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

function assertRefused(documentUrl: string, document: unknown, code: ErrorCode, description: RegExp): void {
  assert.throws(
    () => validateMetadataDocument(documentUrl, document, config),
    (e) => e instanceof OAuthError && e.code === code && description.test(e.description) && errorDescriptionSyntax.test(e.description),
  );
}

describe('Client ID Metadata Document validation', () => {
  it('recognises https client_ids as metadata document URLs and nothing else', () => {
    assert.equal(isMetadataDocumentClientId(url), true);
    for (const id of ['b2b3e1c0-5a4f-4e56-9d3c-0b9b1f0c2a11', 'Zx8k1Qp0aW', 'http://client.example.com/c', 'HTTPS://x.example/c']) {
      assert.equal(isMetadataDocumentClientId(id), false, id);
    }
  });

  it('accepts a good document as the metadata of a public client', () => {
    const metadata = validateMetadataDocument(url, good, config);
    assert.equal(metadata.token_endpoint_auth_method, 'none');
    assert.deepEqual(metadata.redirect_uris, good.redirect_uris);
    assert.deepEqual(metadata.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(metadata.client_name, 'Example MCP Client');
    assert.equal(metadata.scope, 'mcp:tools');
    assert.equal(metadata.application_type, 'native', 'a loopback redirect makes the client native');
    assert.equal('client_id' in metadata, false, 'the client_id is the record key, not metadata');
  });

  it('defaults token_endpoint_auth_method to none, not client_secret_basic, and ignores unknown fields', () => {
    const { token_endpoint_auth_method: _m, ...rest } = good;
    const metadata = validateMetadataDocument(url, { ...rest, unknown_field: 1, software_statement: 'a.b.c' }, config);
    assert.equal(metadata.token_endpoint_auth_method, 'none');
    assert.equal('unknown_field' in metadata, false);
    assert.equal('software_statement' in metadata, false);
  });

  it('accepts a port, a query and a root path in the client_id URL', () => {
    for (const id of ['https://client.example.com:8443/c.json', 'https://client.example.com/c?v=1', 'https://client.example.com/']) {
      assert.equal(validateMetadataDocument(id, { ...good, client_id: id }, config).client_name, 'Example MCP Client', id);
    }
  });

  it('accepts a document under the confidential profile: metadata document clients are public whatever the profile', () => {
    const confidential = loadConfig({ env: {}, overrides: { 'registration.profile': 'confidential' } });
    assert.equal(validateMetadataDocument(url, good, confidential).token_endpoint_auth_method, 'none');
  });

  const badUrls: [string, string, RegExp][] = [
    ['http scheme', 'http://client.example.com/c.json', /https scheme/],
    ['no path', 'https://client.example.com', /must contain a path/],
    ['no path, only a query', 'https://client.example.com?x=1', /must contain a path/],
    ['a fragment', 'https://client.example.com/c.json#frag', /fragment/],
    ['an empty fragment', 'https://client.example.com/c.json#', /fragment/],
    ['user information', 'https://user:pw@client.example.com/c.json', /user information/],
    ['a user name only', 'https://user@client.example.com/c.json', /user information/],
    ['a single-dot segment', 'https://client.example.com/./c.json', /\. or \.\. path segments/],
    ['a double-dot segment', 'https://client.example.com/a/../c.json', /\. or \.\. path segments/],
    ['a trailing double-dot segment', 'https://client.example.com/a/..', /\. or \.\. path segments/],
    ['a percent-encoded dot segment', 'https://client.example.com/a/%2e%2E/c.json', /\. or \.\. path segments/],
    ['a space', 'https://client.example.com/c .json', /characters/],
    ['a backslash', 'https://client.example.com\\c.json', /characters/],
    ['a malformed percent-encoding', 'https://client.example.com/c%zz', /characters/],
    ['no host', 'https:///c.json', /no host/],
    ['a bad port', 'https://client.example.com:99999/c.json', /well-formed/],
    ['too long', `https://client.example.com/${'a'.repeat(2100)}`, /longer than/],
  ];
  for (const [name, badUrl, description] of badUrls) {
    it(`refuses a client_id URL with ${name} (invalid_client)`, () => {
      assertRefused(badUrl, { ...good, client_id: badUrl }, 'invalid_client', description);
    });
  }

  it('accepts private_key_jwt with jwks_uri (draft section 4.1), and issues no secret for it', () => {
    const metadata = validateMetadataDocument(url, { ...good, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.com/jwks.json' }, config);
    assert.equal(metadata.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(metadata.jwks_uri, 'https://client.example.com/jwks.json');
  });

  it('refuses private_key_jwt in the public-only profile, which takes public clients only', () => {
    const publicOnly = loadConfig({ env: {}, overrides: { 'registration.profile': 'public-only' } });
    assert.throws(
      () => validateMetadataDocument(url, { ...good, token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://client.example.com/jwks.json' }, publicOnly),
      (e) => e instanceof OAuthError && e.code === 'invalid_client_metadata' && /public clients only/.test(e.description),
    );
  });

  const badDocuments: [string, unknown, ErrorCode, RegExp][] = [
    ['that is an array', [good], 'invalid_client_metadata', /JSON object/],
    ['that is null', null, 'invalid_client_metadata', /JSON object/],
    ['that is a string', JSON.stringify(good), 'invalid_client_metadata', /JSON object/],
    ['without client_id', { ...good, client_id: undefined }, 'invalid_client_metadata', /client_id .* does not equal/],
    ['whose client_id is another URL', { ...good, client_id: 'https://evil.example/c.json' }, 'invalid_client_metadata', /does not equal/],
    ['whose client_id only differs by the default port', { ...good, client_id: 'https://client.example.com:443/oauth/client.json' }, 'invalid_client_metadata', /does not equal/],
    ['whose client_id differs in case', { ...good, client_id: url.toUpperCase() }, 'invalid_client_metadata', /does not equal/],
    ['with a client_secret', { ...good, client_secret: 's3cret' }, 'invalid_client_metadata', /client_secret/],
    ['with client_secret_expires_at', { ...good, client_secret_expires_at: 0 }, 'invalid_client_metadata', /client_secret_expires_at/],
    ['with client_secret_basic', { ...good, token_endpoint_auth_method: 'client_secret_basic' }, 'invalid_client_metadata', /shared-secret/],
    ['with client_secret_post', { ...good, token_endpoint_auth_method: 'client_secret_post' }, 'invalid_client_metadata', /shared-secret/],
    ['with client_secret_jwt', { ...good, token_endpoint_auth_method: 'client_secret_jwt' }, 'invalid_client_metadata', /shared-secret/],
    ['with private_key_jwt but no keys', { ...good, token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', /private_key_jwt needs .* jwks or jwks_uri/],
    ['with an unknown auth method', { ...good, token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_client_metadata', /not supported/],
    ['with a non-string auth method', { ...good, token_endpoint_auth_method: 7 }, 'invalid_client_metadata', /must be a string/],
    ['without redirect_uris', { ...good, redirect_uris: undefined }, 'invalid_redirect_uri', /redirect_uris/],
    ['with empty redirect_uris', { ...good, redirect_uris: [] }, 'invalid_redirect_uri', /redirect_uris/],
    ['with a javascript: redirect URI', { ...good, redirect_uris: ['javascript:alert(1)'] }, 'invalid_redirect_uri', /forbidden scheme/],
    ['with an http redirect URI on a public host', { ...good, redirect_uris: ['http://client.example.com/cb'] }, 'invalid_redirect_uri', /loopback/],
    ['with a redirect URI with a fragment', { ...good, redirect_uris: ['https://client.example.com/cb#x'] }, 'invalid_redirect_uri', /fragment/],
    ['with the client_credentials grant only', { ...good, grant_types: ['client_credentials'] }, 'invalid_client_metadata', /confidential client/],
    ['with the implicit grant', { ...good, grant_types: ['implicit'] }, 'invalid_client_metadata', /insecure/],
    ['with a non-https client_uri', { ...good, client_uri: 'http://client.example.com' }, 'invalid_client_metadata', /client_uri/],
    ['with a control character in client_name', { ...good, client_name: 'Evil\u202Egnp.exe' }, 'invalid_client_metadata', /client_name/],
    ['with private key material in jwks', { ...good, jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'a', y: 'b', d: 'secret' }] } }, 'invalid_client_metadata', /private/],
  ];
  for (const [name, document, code, description] of badDocuments) {
    it(`refuses a document ${name} (${code})`, () => assertRefused(url, document, code, description));
  }
});

describe('a metadata-document client obeys what a registered one does (issue 10, finding 2)', () => {
  const governed = loadConfig({
    env: {},
    overrides: {
      'registration.policy': 'open',
      'registration.policies': { open: { denyRedirectHosts: ['evil.example', '*.evil.example'], allowScopes: ['mcp', 'mcp:tools'] } },
    },
  });

  async function refusedWith(promise: Promise<unknown>, code: ErrorCode, description: RegExp): Promise<void> {
    await assert.rejects(promise, (e) => e instanceof OAuthError && e.code === code && description.test(e.description) && errorDescriptionSyntax.test(e.description));
  }

  it("takes the server's default policy, by name, and drops the scopes it does not allow", async () => {
    const ruled = await checkMetadataDocument(url, { ...good, scope: 'openid mcp:tools profile' }, governed);
    assert.equal(ruled.policyName, 'open');
    assert.equal(ruled.metadata.scope, 'mcp:tools');
  });

  it('refuses a document that asks only for scopes the policy does not allow', async () => {
    await refusedWith(checkMetadataDocument(url, { ...good, scope: 'admin' }, governed), 'invalid_client_metadata', /none of the requested scopes/);
  });

  for (const redirect of ['https://evil.example/cb', 'https://login.evil.example./cb', 'https://EVIL.example/cb']) {
    it(`refuses a redirect to a denied host: ${redirect} (invalid_redirect_uri)`, async () => {
      await refusedWith(checkMetadataDocument(url, { ...good, redirect_uris: [...good.redirect_uris, redirect] }, governed), 'invalid_redirect_uri', /redirect_uris\[2\] redirects to a host that is not allowed/);
    });
  }

  it('refuses a redirect off an allow-list, loopback included', async () => {
    const strict = loadConfig({ env: {}, overrides: { 'registration.policy': 'p', 'registration.policies': { p: { allowRedirectHosts: ['client.example.com'] } } } });
    await refusedWith(checkMetadataDocument(url, good, strict), 'invalid_redirect_uri', /redirect_uris\[1\] .*allow-list/);
  });

  it('refuses a document whose jwks holds a key without its members', async () => {
    await refusedWith(checkMetadataDocument(url, { ...good, jwks: { keys: [{ kty: 'RSA', e: 'AQAB' }] } }, config), 'invalid_client_metadata', /jwks\.keys\[0\] is not a valid RSA public key/);
  });

  const loopbackOnly = { redirect_uris: ['http://127.0.0.1/callback', 'http://localhost:33418/callback'] };
  for (const [documentUrl, name, flagged] of [
    ['https://evil.example/claude.json', 'Claude', 'Claude'],
    ['https://evil.example/claude-code.json', 'Claude Code', 'Claude Code'],
    ['https://evil.example/cursor.json', 'Cursor', 'Cursor'],
    ['https://claude.ai/oauth/claude-code.json', 'Claude Code', null],
    ['https://www.cursor.com/mcp/client.json', 'Cursor', null],
    ['https://client.example.com/app.json', 'Example MCP Client', null],
  ] as const) {
    it(`flags ${name} published at ${documentUrl} with loopback redirects only as ${flagged ?? 'nothing'}`, async () => {
      const ruled = await checkMetadataDocument(documentUrl, { ...good, ...loopbackOnly, client_id: documentUrl, client_name: name }, config);
      assert.equal(ruled.lookAlikeOf, flagged);
    });
  }

  for (const [what, overrides, description] of [
    ['registration is protected', { 'registration.mode': 'protected' }, /only with an initial access token/],
    ['software statements are required', { 'registration.softwareStatement.required': true }, /only with a software statement/],
    ['metadata documents are disabled', { 'cimd.enabled': false }, /not accepted/],
  ] as const) {
    it(`refuses every document when ${what} (invalid_client), and the server does not advertise them`, async () => {
      const refusing = loadConfig({ env: {}, overrides });
      assert.match(metadataDocumentRefusal(refusing) ?? '', description);
      await refusedWith(checkMetadataDocument(url, good, refusing), 'invalid_client', description);
      assert.equal('client_id_metadata_document_supported' in serverMetadata(refusing), false);
    });
  }

  it('accepts documents and advertises them with open registration', () => {
    assert.equal(metadataDocumentRefusal(config), undefined);
    assert.equal(serverMetadata(config)['client_id_metadata_document_supported'], true);
  });
});
