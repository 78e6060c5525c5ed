import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { bodyLimit } from '../../src/http/app.js';
import { metadataFields } from '../../src/protocol/registration/metadata-fields.js';
import { atAddress } from '../support/process.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Property-based fuzzing of the registration endpoint (RFC 7591 §3) over a real TCP port: mutated
 * registration requests, arbitrary JSON, raw strings and bytes, duplicate member names, deep nesting,
 * oversized and chunked bodies, under random Content-Types. Whatever arrives, the server answers with a
 * status from a short list and a JSON error body of RFC 7591 §3.2.2's shape, never a 500 or a stack trace,
 * and a client registered before the storm is unchanged after it.
 *
 * FUZZ_RUNS sets the number of requests (default 10,000); FUZZ_SEED replays a failing run.
 */
const totalRequests = Number(process.env['FUZZ_RUNS'] ?? 10_000);
/** Requests sent concurrently by one property run: registrations then meet in group-commit batches. */
const requestsPerRun = 4;
const seed = process.env['FUZZ_SEED'] === undefined ? undefined : Number(process.env['FUZZ_SEED']);

const registrationStatuses = new Set([201, 400, 413, 415, 429]);
/** RFC 7591 §3.2.2 and RFC 6749 §5.2 error codes a 400 may carry. */
const registrationErrors = new Set([
  'invalid_request',
  'invalid_redirect_uri',
  'invalid_client_metadata',
  'invalid_software_statement',
  'unapproved_software_statement',
]);
/** RFC 6749 §5.2: `error_description` is limited to %x20-21 / %x23-5B / %x5D-7E. */
const descriptionCharacters = /^[\x20-\x21\x23-\x5b\x5d-\x7e]*$/;
/** What a stack trace or an error's `toString()` looks like in a body. */
const stackTrace = /^ {4}at |\n\s+at |Error:/m;

// --- Generators -----------------------------------------------------------------------------------------

/** Characters that validation has opinions about: C0/C1 controls, bidi overrides, zero-width, lone surrogates, … */
const trickyCharacter = fc.constantFrom(
  '\u0000', '\u0007', '\t', '\n', '\r', '\u001b', '\u007f', '\u0085', '\u00a0', '\u200b', '\u200e', '\u202e', '\u2066',
  '\u2028', '\u2029', '\ufeff', '\ue000', '\ud800', '\udfff', '\ufffd', '"', '\\', '/', '<', '>', '%', '%zz', '%2F', '*',
  '#', '@', ' ', 'é', 'e\u0301', '𝔘', '👩‍💻', 'a', 'Z', '0', '-', '.', ':', '?', '&', '=', '[', ']', '{', '}',
);
const trickyString = fc.string({ unit: trickyCharacter, maxLength: 30 });

/** Strings that mean something to registration, or to JavaScript. */
const meaningfulString = fc.constantFrom(
  '', ' ', 'native', 'web', 'Native', 'none', 'None', 'client_secret_basic', 'client_secret_post', 'private_key_jwt',
  'client_secret_jwt', 'tls_client_auth', 'code', 'token', 'id_token', 'code id_token', 'authorization_code',
  'refresh_token', 'client_credentials', 'implicit', 'password', 'urn:ietf:params:oauth:grant-type:device_code',
  'urn:ietf:params:oauth:grant-type:jwt-bearer', 'openid profile email', 'offline_access', 'a  b', ' a', 'a "b"',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'NaN', 'true', '0',
  'eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4In0.', 'eyJhbGciOiJIUzI1NiJ9.e30.ZRrHA1JJJW8opsbCGfG_HACGpVUMN_a9IV7pAx_Zmeo',
);

const text = fc.oneof(
  { weight: 3, arbitrary: fc.string({ maxLength: 40 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
  { weight: 3, arbitrary: trickyString },
  { weight: 3, arbitrary: meaningfulString },
  // Around the configured length limits (64, 200, 320, 1000, 2000, 16 KiB).
  {
    weight: 1,
    arbitrary: fc
      .tuple(fc.constantFrom(16, 64, 65, 200, 201, 320, 321, 1000, 1001, 2000, 2001, 16_384, 16_385), fc.integer({ min: -2, max: 2 }))
      .map(([n, d]) => 'x'.repeat(Math.max(0, n + d))),
  },
);

const scheme = fc.constantFrom(
  'https', 'https', 'https', 'http', 'http', 'HTTPS', 'HtTp', 'javascript', 'JavaScript', 'vbscript', 'data', 'file',
  'blob', 'about', 'view-source', 'ws', 'wss', 'ftp', 'mailto', 'tel', 'urn', 'intent', 'cursor', 'vscode',
  'com.example.app', 'a+b.c-d', '1abc', '', 'ht tp', 'https\t', 'http\u0000', 'ﬀ',
);
const separator = fc.constantFrom('://', '://', '://', ':/', ':', ':///', ':\\\\', '//', ':////', ':/\\');
const userinfo = fc.constantFrom('', '', '', '', 'user@', 'user:pass@', '@', 'evil.example@', '%40@', 'a:b:c@');
const host = fc.oneof(
  fc.constantFrom(
    '127.0.0.1', 'localhost', 'LOCALHOST', '[::1]', '[0:0:0:0:0:0:0:1]', '[::ffff:127.0.0.1]', '0.0.0.0', '127.1',
    '2130706433', '0x7f000001', '127.0.0.1.nip.io', 'localhost.', 'localhost.evil.example', 'app.example', 'example.com',
    '*.example.com', 'exa mple.com', 'exa\u0000mple.com', 'exa%00mple.com', '例え.jp', 'xn--r8jz45g.jp', '',
    '[', '[::1', '::1', '%2e%2e', 'a..b', '.', 'evil.example\\@good.example', 'good.example%2f@evil.example',
  ),
  fc.domain(),
);
const port = fc.oneof(
  { weight: 3, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.integer({ min: 0, max: 99_999 }).map((p) => `:${p}`) },
  { weight: 1, arbitrary: fc.constantFrom(':', ':abc', ':-1', ':80:80', ':0x50', ':８０') },
);
const path = fc.oneof(
  fc.constantFrom('', '/', '/cb', '/callback', '/oauth/callback', '/a/../b', '/%2e%2e/', '/%zz', '/%', '/*', '/a b',
    '/a\\b', '/\u202e', '/é', '/a#frag', '/a?x=1', '/a?x=1#', '/?redirect=https://evil.example', '//evil.example'),
  fc.webPath(),
  trickyString.map((s) => `/${s}`),
);
const queryOrFragment = fc.constantFrom('', '', '', '?', '?a=b', '?a=b&a=c', '#', '#x', '?#', '?a=%', '?a=<b>');

/** URIs, mostly of the shape of redirect URIs, assembled from odd parts so that every validation rule is hit. */
const uri = fc.oneof(
  { weight: 6, arbitrary: fc.tuple(scheme, separator, userinfo, host, port, path, queryOrFragment).map((parts) => parts.join('')) },
  { weight: 2, arbitrary: fc.webUrl({ withQueryParameters: true, withFragments: true }) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'https://app.example/cb', 'https://claude.ai/api/mcp/auth_callback', 'http://127.0.0.1:33418/', 'http://127.0.0.1/',
      'http://localhost:8787/callback', 'http://[::1]:6274/oauth/callback', 'cursor://anysphere.cursor-mcp/oauth/callback',
      'com.example.app:/cb', 'vscode://vscode.github-authentication/did-authenticate', 'https://vscode.dev/redirect',
      'javascript:alert(1)', 'data:text/html,<script>alert(1)</script>', 'file:///etc/passwd', 'http://evil.example/cb',
      `https://app.example/${'a'.repeat(1990)}`, `https://app.example/${'a'.repeat(2000)}`,
    ),
  },
);

const number = fc.oneof(fc.integer(), fc.double(), fc.constantFrom(0, -0, 1e308, Number.MAX_SAFE_INTEGER + 2));
const leaf = fc.oneof(text, uri, number, fc.boolean(), fc.constant(null));

/** A JSON Web Key Set, more or less. */
const jwksLike = fc.record(
  {
    keys: fc.oneof(
      fc.array(fc.record({ kty: fc.oneof(fc.constantFrom('EC', 'RSA', 'OKP', 'oct'), leaf), crv: text, x: text, kid: text }, { requiredKeys: [] }), {
        maxLength: 3,
      }),
      leaf,
    ),
  },
  { requiredKeys: [] },
);

/** Any value at all, for any field. */
const anyValue = fc.oneof(
  { weight: 4, arbitrary: leaf },
  { weight: 3, arbitrary: fc.array(fc.oneof(uri, text), { maxLength: 12 }) },
  { weight: 1, arbitrary: fc.array(leaf, { maxLength: 5 }) },
  { weight: 1, arbitrary: fc.dictionary(text, leaf, { maxKeys: 5 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
  { weight: 1, arbitrary: jwksLike },
);

const grantType = fc.constantFrom('authorization_code', 'refresh_token', 'client_credentials', 'implicit', 'password',
  'urn:ietf:params:oauth:grant-type:device_code', 'urn:ietf:params:oauth:grant-type:token-exchange', 'Authorization_Code', '');

/** A registration request that the server accepts: each field valid and the fields coherent (RFC 7591 §2, §2.1). */
const validRegistration = fc
  .record(
    {
      redirect_uris: fc.array(
        fc.oneof(
          fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }),
          fc.tuple(fc.constantFrom('127.0.0.1', 'localhost', '[::1]'), fc.option(fc.integer({ min: 1, max: 65_535 })), fc.webPath()).map(
            ([h, p, path]) => `http://${h}${p === null ? '' : `:${p}`}${path}`,
          ),
          fc.constantFrom('https://app.example/cb', 'https://claude.ai/api/mcp/auth_callback', 'cursor://anysphere.cursor-mcp/oauth/callback', 'com.example.app:/cb'),
        ),
        { minLength: 1, maxLength: 4 },
      ),
      client_name: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 })),
      token_endpoint_auth_method: fc.constantFrom('none', 'client_secret_basic', 'client_secret_post'),
      grant_types: fc.subarray(['authorization_code', 'refresh_token', 'client_credentials', 'urn:ietf:params:oauth:grant-type:device_code']),
      response_types: fc.constant(['code']),
      scope: fc.array(fc.constantFrom('openid', 'profile', 'email', 'offline_access', 'mcp:tools', 'read', 'write'), { minLength: 1, maxLength: 4 }).map((t) => t.join(' ')),
      application_type: fc.constantFrom('native', 'web'),
      contacts: fc.array(fc.emailAddress(), { maxLength: 3 }),
      client_uri: fc.webUrl({ validSchemes: ['https'] }),
      logo_uri: fc.webUrl({ validSchemes: ['https'] }),
      tos_uri: fc.constant('https://app.example/tos'),
      policy_uri: fc.constant('https://app.example/privacy'),
      jwks_uri: fc.constant('https://app.example/jwks.json'),
      software_id: fc.uuid(),
      software_version: fc.constantFrom('1.0.0', '2025.11.25', 'v3'),
    },
    { requiredKeys: ['redirect_uris'] },
  )
  .map((r) => {
    const request: Record<string, unknown> = { ...r };
    const redirects = r.redirect_uris.filter((u) => /^https?:/.test(u));
    // Private-use schemes are for public clients only; client_credentials for confidential ones only.
    const publicClient = r.token_endpoint_auth_method === 'none' || (r.token_endpoint_auth_method === undefined && redirects.length < r.redirect_uris.length);
    if (publicClient) request['token_endpoint_auth_method'] = 'none';
    if (r.grant_types !== undefined) {
      const grants = r.grant_types.filter((g) => !publicClient || g !== 'client_credentials');
      if (!grants.includes('authorization_code')) grants.unshift('authorization_code');
      request['grant_types'] = grants;
    }
    return request;
  });

/** Values that are often valid for their field. */
const plausible: Record<string, fc.Arbitrary<unknown>> = {
  redirect_uris: fc.oneof(fc.array(uri, { minLength: 1, maxLength: 4 }), fc.array(uri, { maxLength: 12 })),
  client_name: fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), trickyString),
  grant_types: fc.oneof(fc.subarray(['authorization_code', 'refresh_token', 'client_credentials']), fc.array(grantType, { maxLength: 5 })),
  response_types: fc.oneof(fc.constant(['code']), fc.constant([]), fc.array(fc.constantFrom('code', 'token', 'id_token', 'code id_token'), { maxLength: 3 })),
  token_endpoint_auth_method: fc.constantFrom('none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt', 'None', ''),
  scope: fc.oneof(fc.constantFrom('openid', 'openid profile email', 'mcp:tools offline_access', 'a  b ', 'read write read'), text),
  application_type: fc.constantFrom('native', 'web', 'Native', 'service'),
  contacts: fc.array(fc.oneof(fc.emailAddress(), text), { maxLength: 12 }),
  jwks: fc.oneof(jwksLike, fc.constant({ keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] })),
  software_statement: fc.oneof(meaningfulString, text),
};
for (const name of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'jwks_uri']) {
  plausible[name] = fc.oneof(fc.constant('https://app.example/about'), fc.webUrl(), uri);
}
for (const name of ['software_id', 'software_version']) plausible[name] = fc.oneof(fc.uuid(), text);

const knownFields = Object.keys(metadataFields);
/** `undefined` removes the field (JSON.stringify drops it), so that required fields go missing too. */
const fieldValue = (name: string) =>
  fc.oneof(
    { weight: 4, arbitrary: plausible[name] ?? anyValue },
    { weight: 2, arbitrary: anyValue },
    { weight: 1, arbitrary: fc.constant(undefined) },
  );
/** Fields the server sets or ignores, and fields it does not know. */
const otherField = fc.oneof(
  fc.constantFrom('client_id', 'client_secret', 'client_secret_expires_at', 'client_id_issued_at', 'registration_access_token',
    'registration_client_uri', 'id_token_signed_response_alg', 'post_logout_redirect_uris', 'redirect_uri', 'REDIRECT_URIS',
    'client_name#fr', 'constructor', 'toString', ''),
  text,
);

/** One change to a registration: a known field set to something else (or removed), or another field added. */
const mutation = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...knownFields).chain((name) => fieldValue(name).map((value) => [name, value] as const)) },
  { weight: 1, arbitrary: fc.tuple(otherField, anyValue) },
);

/** A valid registration with none, a few or many fields mutated, removed or added. */
const mutatedRegistration = fc
  .tuple(
    validRegistration,
    fc.oneof(
      { weight: 3, arbitrary: fc.constant([]) },
      { weight: 5, arbitrary: fc.array(mutation, { minLength: 1, maxLength: 3 }) },
      { weight: 2, arbitrary: fc.array(mutation, { minLength: 4, maxLength: 20 }) },
    ),
  )
  .map(([valid, mutations]) => {
    const request = { ...valid };
    for (const [name, value] of mutations) request[name] = value;
    return request;
  });

/** JSON text with a member name repeated, at the top or inside `jwks`, possibly spelled with escapes. */
const duplicateKeysText = fc
  .tuple(
    fc.oneof(fc.constantFrom(...knownFields), otherField),
    fc.jsonValue({ maxDepth: 1 }),
    fc.jsonValue({ maxDepth: 1 }),
    fc.constantFrom('plain', 'escaped', 'nested'),
    fc.constantFrom('', ' ', '\n\t'),
  )
  .map(([name, first, second, style, space]) => {
    const base = `"client_name":"Fuzz client",${space}"redirect_uris":["https://app.example/cb"]`;
    const key = JSON.stringify(name);
    // The same name with its first character as a \u escape: equal once parsed.
    const escapedKey =
      name === '' ? key : `"\\u${name.charCodeAt(0).toString(16).padStart(4, '0')}${JSON.stringify(name.slice(1)).slice(1)}`;
    if (style === 'nested') {
      return `{${base},"jwks":{"keys":[{"kty":"EC",${space}"kty":"RSA"}]},${key}:${JSON.stringify(first)}}`;
    }
    return `{${base},${space}${key}:${JSON.stringify(first)},${space}${style === 'escaped' ? escapedKey : key}:${space}${JSON.stringify(second)}}`;
  });

/** JSON nested well past any sane depth, as a field value or as the whole body. */
const deeplyNestedText = fc
  .tuple(fc.integer({ min: 1, max: 8_000 }), fc.constantFrom('array', 'object', 'mixed'), fc.boolean())
  .map(([depth, shape, inField]) => {
    let open: string;
    let close: string;
    if (shape === 'array') [open, close] = ['[', ']'];
    else if (shape === 'object') [open, close] = ['{"a":', '}'];
    else [open, close] = ['[{"keys":', '}]'];
    const nested = `${open.repeat(depth)}${shape === 'array' ? '' : '1'}${close.repeat(depth)}`;
    return { text: inField ? `{"client_name":"Deep","redirect_uris":["https://app.example/cb"],"jwks":${nested}}` : nested, depth: depth + (inField ? 1 : 0) };
  });

/** Bodies just over and well over the limit: valid JSON with a huge field, or filler. */
const oversizedText = fc
  .tuple(fc.integer({ min: bodyLimit + 1, max: 4 * bodyLimit }), fc.boolean())
  .map(([size, json]) => {
    if (!json) return 'x'.repeat(size);
    const head = '{"redirect_uris":["https://app.example/cb"],"client_name":"';
    return `${head}${'a'.repeat(Math.max(0, size - head.length - 2))}"}`;
  });

const contentType = fc.oneof(
  { weight: 12, arbitrary: fc.constant('application/json') },
  {
    weight: 4,
    arbitrary: fc.constantFrom(
      'application/json; charset=utf-8', 'application/json;charset=UTF-8', 'Application/JSON', 'application/json ; charset="utf-8"',
      'application/json; charset=utf-16', 'application/json; charset=latin1', 'application/json; charset=', 'application/json;',
      'application/json; boundary=x; q=1',
    ),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      'text/plain', 'text/plain;charset=UTF-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x',
      'application/jwt', 'application/jsonx', 'application/json-patch+json', 'application/vnd.api+json', 'application/*', '*/*',
      'json', 'application', 'application/', '/json', '', ';', ';;;', 'garbage', '\u00e9/json',
    ),
  },
  // Printable ASCII only: fetch refuses header values with control characters, before anything is sent.
  { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 40 }).map((s) => s.replace(/[\x00-\x1f\x7f]/g, '').trim()) },
);

type Body =
  | { kind: 'registration'; text: string }
  | { kind: 'json'; text: string }
  | { kind: 'string'; text: string }
  | { kind: 'bytes'; bytes: Uint8Array }
  | { kind: 'duplicate-keys'; text: string }
  | { kind: 'deep'; text: string; depth: number }
  | { kind: 'oversized'; text: string };

const body: fc.Arbitrary<Body> = fc.oneof(
  { weight: 40, arbitrary: mutatedRegistration.map((value) => ({ kind: 'registration' as const, text: JSON.stringify(value) })) },
  {
    weight: 8,
    arbitrary: fc
      .oneof(fc.json(), fc.jsonValue().map((v) => JSON.stringify(v)), fc.dictionary(fc.oneof(otherField, fc.constantFrom(...knownFields)), fc.jsonValue({ maxDepth: 2 })).map((v) => JSON.stringify(v)))
      .map((text) => ({ kind: 'json' as const, text })),
  },
  {
    weight: 6,
    arbitrary: fc
      .oneof(fc.string({ unit: 'binary', maxLength: 200 }), trickyString, fc.constantFrom('', ' ', 'null', '[]', '{}', '"x"', '1', '{', '{"a":', 'NaN', '{"a":1,}', '\ufeff{}', "{'a':1}"))
      .map((text) => ({ kind: 'string' as const, text })),
  },
  { weight: 4, arbitrary: fc.uint8Array({ maxLength: 300 }).map((bytes) => ({ kind: 'bytes' as const, bytes })) },
  { weight: 5, arbitrary: duplicateKeysText.map((text) => ({ kind: 'duplicate-keys' as const, text })) },
  { weight: 4, arbitrary: deeplyNestedText.map(({ text, depth }) => ({ kind: 'deep' as const, text, depth })) },
  { weight: 1, arbitrary: oversizedText.map((text) => ({ kind: 'oversized' as const, text })) },
);

/** Mostly POST /register; now and then an attempt to read, change or delete the sentinel client with a wrong token. */
const target = fc.oneof(
  { weight: 30, arbitrary: fc.constant({ method: 'POST', sentinel: false, authorization: undefined as string | undefined }) },
  {
    weight: 1,
    arbitrary: fc.record({
      method: fc.constantFrom('GET', 'PUT', 'DELETE'),
      sentinel: fc.constant(true),
      authorization: fc.option(fc.oneof(fc.constant('Bearer '), fc.string({ unit: 'binary-ascii', maxLength: 50 }).map((s) => `Bearer ${s.replace(/[\x00-\x1f\x7f]/g, '')}`)), { nil: undefined }),
    }),
  },
);

const request = fc.record({ body, contentType, chunked: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), target });
type FuzzRequest = typeof request extends fc.Arbitrary<infer T> ? T : never;

// --- Sending and checking -------------------------------------------------------------------------------

function bytesOf(b: Body): Uint8Array {
  return b.kind === 'bytes' ? b.bytes : Buffer.from(b.text, 'utf8');
}

/** The JSON object the server saw, when the body is one (duplicate member names aside). */
function sentObject(b: Body): Record<string, unknown> | undefined {
  if (b.kind === 'bytes') return undefined;
  try {
    const value = JSON.parse(b.text) as unknown;
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

const truncate = (s: string | undefined, n: number) => (s === undefined || s.length <= n ? String(s) : `${s.slice(0, n)}… (${s.length} characters)`);

const isJsonType = (type: string | undefined) => type !== undefined && /^application\/json\s*(;|$)/i.test(type);

interface Sentinel {
  clientId: string;
  token: string;
  uri: string;
  response: Record<string, unknown>;
}

describe('registration endpoint under fuzzing (RFC 7591 §3)', () => {
  let server: TestServer;
  let base: string;
  let sentinel: Sentinel;
  const statuses = new Map<string, number>();
  const errorCodes = new Map<string, number>();

  before(async () => {
    server = await startTestServer();
    base = await server.app.listen({ port: 0, host: '127.0.0.1' });
  });
  after(() => server?.close());

  it('registers a sentinel client before the storm', async () => {
    const response = await fetch(`${base}/register`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        client_name: 'Sentinel ✓',
        redirect_uris: ['https://sentinel.example/cb', 'https://sentinel.example/cb2'],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_post',
        scope: 'openid mcp:tools',
        client_uri: 'https://sentinel.example/',
        contacts: ['ops@sentinel.example'],
        software_id: 'sentinel',
        software_version: '1.0.0',
        // A real P-256 public key: a key jose cannot import is refused (issue 10, finding 16).
        jwks: { keys: [{ kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0', kid: 'k1' }] },
      }),
    });
    assert.equal(response.status, 201);
    const json = (await response.json()) as Record<string, unknown>;
    sentinel = {
      clientId: json['client_id'] as string,
      token: json['registration_access_token'] as string,
      uri: atAddress(json['registration_client_uri'] as string, base),
      response: json,
    };
  });

  it(`answers ${totalRequests} generated requests within the contract`, { timeout: 240_000 }, async (t) => {
    assert.ok(sentinel, 'the sentinel client was registered');
    let sent = 0;
    const started = Date.now();

    const send = async (r: FuzzRequest): Promise<void> => {
      sent++;
      const headers: Record<string, string> = {};
      if (r.contentType !== undefined) headers['content-type'] = r.contentType;
      if (r.target.authorization !== undefined) headers['authorization'] = r.target.authorization;
      const bytes = bytesOf(r.body);
      const withBody = r.target.method === 'POST' || r.target.method === 'PUT';
      const url = r.target.sentinel ? sentinel.uri : `${base}/register`;
      const init: RequestInit & { duplex?: 'half' } = { method: r.target.method, headers };
      if (withBody) {
        if (r.chunked) {
          // No Content-Length: Transfer-Encoding chunked, so the size limit is enforced while reading.
          init.body = new ReadableStream<Uint8Array>({
            start(controller) {
              for (let i = 0; i < bytes.length; i += 16_384) controller.enqueue(bytes.subarray(i, i + 16_384));
              controller.close();
            },
          });
          init.duplex = 'half';
        } else init.body = bytes;
      }
      const response = await fetch(url, init);
      const text = await response.text();
      const status = response.status;
      const label = `${r.target.method} ${r.target.sentinel ? 'sentinel' : '/register'} ${r.body.kind}`;
      statuses.set(`${label} ${status}`, (statuses.get(`${label} ${status}`) ?? 0) + 1);
      const context = () =>
        `${label} with Content-Type ${JSON.stringify(r.contentType)}${r.chunked ? ' (chunked)' : ''} → ${status}: ${text.slice(0, 500)}\nbody sent: ${
          r.body.kind === 'bytes' ? `bytes ${Buffer.from(r.body.bytes).toString('hex').slice(0, 400)}` : JSON.stringify(r.body.text.slice(0, 400))
        }`;

      assert.doesNotMatch(text, stackTrace, `a stack trace in the body: ${context()}`);
      if (r.target.sentinel) {
        // A wrong registration access token never reads, changes or deletes the client (RFC 7592 §2).
        assert.ok([400, 401, 413, 415].includes(status), `unexpected status: ${context()}`);
      } else {
        assert.ok(registrationStatuses.has(status), `unexpected status: ${context()}`);
      }
      assert.match(response.headers.get('content-type') ?? '', /^application\/json/, `not JSON: ${context()}`);
      const json = JSON.parse(text) as Record<string, unknown>;

      if (status === 201) {
        assert.equal(response.headers.get('cache-control'), 'no-store', context());
        assert.equal(typeof json['client_id'], 'string', context());
        assert.notEqual(json['client_id'], '', context());
        assert.equal(typeof json['registration_access_token'], 'string', context());
        assert.equal(typeof json['registration_client_uri'], 'string', context());
        assert.ok(isJsonType(r.contentType), `registered without an application/json Content-Type: ${context()}`);
        const request = sentObject(r.body);
        assert.ok(request, context());
        // RFC 7591 §2: only a client with a redirect-based grant must register redirect URIs.
        const redirectBased = !Array.isArray(request['grant_types']) || (request['grant_types'] as unknown[]).includes('authorization_code');
        const sentUris = Array.isArray(request['redirect_uris']) ? (request['redirect_uris'] as unknown[]) : [];
        assert.ok(!redirectBased || sentUris.length > 0, `registered without redirect_uris: ${context()}`);
        assert.deepEqual(json['redirect_uris'], [...new Set(sentUris)], `redirect_uris not echoed: ${context()}`);
        if (sentUris.length === 0) assert.equal((json['grant_types'] as string[]).includes('authorization_code'), false, context());
        return;
      }
      if (status === 429) {
        assert.ok(Array.isArray(json['errors']), context());
        return;
      }
      assert.deepEqual(Object.keys(json).sort(), ['error', 'error_description'], `not an RFC 7591 §3.2.2 error body: ${context()}`);
      assert.equal(typeof json['error_description'], 'string', context());
      assert.match(json['error_description'] as string, descriptionCharacters, `error_description outside RFC 6749 §5.2: ${context()}`);
      errorCodes.set(json['error'] as string, (errorCodes.get(json['error'] as string) ?? 0) + 1);
      if (status === 400) {
        assert.ok(registrationErrors.has(json['error'] as string), `not an RFC 7591/6749 error code: ${context()}`);
      } else if (status === 401) {
        assert.equal(json['error'], 'invalid_token', context());
      } else {
        assert.equal(json['error'], 'invalid_request', context());
      }

      // Stronger expectations for what is certainly malformed, when it is sent as JSON to /register.
      if (!r.target.sentinel && isJsonType(r.contentType)) {
        if (r.body.kind === 'duplicate-keys') {
          assert.equal(status, 400, `duplicate member names accepted: ${context()}`);
          assert.equal(json['error'], 'invalid_request', context());
        }
        if (r.body.kind === 'deep' && r.body.depth > 16) {
          if (bytes.length > bodyLimit) assert.equal(status, 413, `an oversized body: ${context()}`);
          else {
            assert.equal(status, 400, `nesting ${r.body.depth} deep accepted: ${context()}`);
            assert.equal(json['error'], 'invalid_request', context());
          }
        }
        if (r.body.kind === 'oversized') assert.equal(status, 413, `an oversized body: ${context()}`);
      }
    };

    const details = await fc.check(
      fc.asyncProperty(fc.array(request, { minLength: requestsPerRun, maxLength: requestsPerRun }), async (batch) => {
        await Promise.all(batch.map(send));
      }),
      { numRuns: Math.ceil(totalRequests / requestsPerRun), ...(seed === undefined ? {} : { seed }) },
    );
    if (details.failed) {
      // fast-check's own report prints whole counterexamples, which can be hundreds of kilobytes here.
      const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
      throw new Error(
        `Property failed after ${details.numRuns} runs and ${details.numShrinks} shrinks ` +
          `(replay with FUZZ_SEED=${details.seed}; path ${details.counterexamplePath}):\n${cause}\n` +
          `counterexample: ${truncate(JSON.stringify(details.counterexample, (_k, v: unknown) => (v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v)), 4000)}`,
      );
    }

    const seconds = (Date.now() - started) / 1000;
    t.diagnostic(`${sent} requests in ${seconds.toFixed(1)} s (${Math.round(sent / seconds)}/s)`);
    const byStatus = new Map<number, number>();
    for (const [key, count] of statuses) {
      const status = Number(key.slice(key.lastIndexOf(' ') + 1));
      byStatus.set(status, (byStatus.get(status) ?? 0) + count);
    }
    t.diagnostic(`by status: ${[...byStatus].sort().map(([s, n]) => `${s}: ${n}`).join(', ')}`);
    t.diagnostic(`error codes: ${[...errorCodes].sort().map(([c, n]) => `${c}: ${n}`).join(', ')}`);
    assert.ok(sent >= totalRequests, `only ${sent} requests were sent`);
    // The generators are worth something only if they reach every outcome.
    for (const status of [201, 400, 413, 415]) assert.ok((byStatus.get(status) ?? 0) > 0, `no request got ${status}`);
    assert.ok((byStatus.get(201) ?? 0) >= totalRequests / 50, `too few registrations succeeded (${byStatus.get(201) ?? 0})`);
  });

  it('still reads the sentinel client back unchanged (RFC 7592 §2.1)', async () => {
    assert.ok(sentinel, 'the sentinel client was registered');
    const response = await fetch(sentinel.uri, { headers: { authorization: `Bearer ${sentinel.token}` } });
    assert.equal(response.status, 200);
    const { client_secret: _secret, ...expected } = sentinel.response;
    assert.deepEqual(await response.json(), expected);
  });

  // Framing errors never reach the route's error renderer: Node's HTTP parser rejects them, and the app's
  // clientErrorHandler answers on the socket. fetch cannot send such requests, so they are written to a socket.
  it('answers malformed HTTP framing with an RFC 7591 error body', async () => {
    const { port } = new URL(base);
    const head = 'POST /register HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nConnection: close\r\n';
    for (const raw of [
      `${head}Content-Length: 100\r\n\r\n{"a":1}`, // the body ends early
      `${head}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, // conflicting lengths
      `${head}Content-Length: abc\r\n\r\n{}`,
      `${head}Transfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`, // a bad chunk size
    ]) {
      const answer = await new Promise<string>((resolve, reject) => {
        let data = '';
        const socket = connect(Number(port), '127.0.0.1', () => socket.end(raw));
        socket.setEncoding('utf8').on('data', (chunk: string) => (data += chunk));
        socket.on('close', () => resolve(data)).on('error', reject);
        socket.setTimeout(5000, () => socket.destroy(new Error('no answer')));
      });
      const [statusLine = ''] = answer.split('\r\n');
      assert.match(statusLine, /^HTTP\/1\.1 400 /, JSON.stringify(raw));
      const json = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as Record<string, unknown>;
      assert.deepEqual(Object.keys(json).sort(), ['error', 'error_description'], `${JSON.stringify(raw)} → ${JSON.stringify(json)}`);
      assert.equal(json['error'], 'invalid_request');
      assert.match(answer, /\r\ncache-control: no-store\r\n/i);
    }
  });

  it('is still healthy', async () => {
    const response = await fetch(`${base}/healthz`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });
});
