import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import { errorCodes } from '../../src/errors/codes.js';
import { openapiDocument, pagePaths } from '../../src/http/openapi-document.js';
import { metadataFields } from '../../src/protocol/registration/metadata-fields.js';
import { digestSecret } from '../../src/protocol/secrets.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startTestServer, type TestServer } from '../support/server.js';

type Json = Record<string, unknown>;
type Schema = Json | boolean;
const schemaRef = (name: string): Json => ({ $ref: `#/components/schemas/${name}` });
const methods = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;

// --- A tiny JSON Schema checker: the subset the document uses, and nothing else (see `knownKeywords`). ---

/** The value a local `$ref` (`#/a/b`) points at, or undefined. */
function resolve(document: Json, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  return ref
    .slice(2)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce<unknown>((node, part) => (node !== null && typeof node === 'object' ? (node as Json)[part] : undefined), document);
}

function typeMatches(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    default:
      return typeof value === type;
  }
}

/** What is wrong with `value` against `schema`, as one line per problem; empty when it is valid. */
function validate(schema: Schema, value: unknown, document: Json, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: must be absent`];
  const problems: string[] = [];
  const fail = (why: string) => problems.push(`${at}: ${why}`);
  const s = schema;
  if (typeof s['$ref'] === 'string') problems.push(...validate(resolve(document, s['$ref']) as Schema, value, document, at));
  if (s['type'] !== undefined) {
    const types = Array.isArray(s['type']) ? (s['type'] as string[]) : [s['type'] as string];
    if (!types.some((type) => typeMatches(type, value))) fail(`must be ${types.join(' or ')}, is ${JSON.stringify(value)}`);
  }
  if (Array.isArray(s['enum']) && !s['enum'].some((option) => JSON.stringify(option) === JSON.stringify(value))) {
    fail(`must be one of ${JSON.stringify(s['enum'])}, is ${JSON.stringify(value)}`);
  }
  if ('const' in s && JSON.stringify(s['const']) !== JSON.stringify(value)) fail(`must be ${JSON.stringify(s['const'])}`);
  if (typeof value === 'string') {
    if (typeof s['maxLength'] === 'number' && value.length > s['maxLength']) fail(`longer than ${s['maxLength']}`);
    if (typeof s['pattern'] === 'string' && !new RegExp(s['pattern'], 'u').test(value)) fail(`does not match ${s['pattern']}`);
  }
  if (Array.isArray(value)) {
    if (typeof s['maxItems'] === 'number' && value.length > s['maxItems']) fail(`more than ${s['maxItems']} items`);
    if (typeof s['minItems'] === 'number' && value.length < s['minItems']) fail(`fewer than ${s['minItems']} items`);
    if (s['items'] !== undefined) value.forEach((item, i) => problems.push(...validate(s['items'] as Schema, item, document, `${at}[${i}]`)));
    if (s['contains'] !== undefined && !value.some((item) => validate(s['contains'] as Schema, item, document).length === 0)) fail('contains no matching item');
  }
  if (typeMatches('object', value)) {
    const object = value as Json;
    for (const name of (s['required'] as string[] | undefined) ?? []) if (!(name in object)) fail(`misses required ${name}`);
    for (const [name, property] of Object.entries((s['properties'] as Record<string, Schema> | undefined) ?? {})) {
      if (name in object) problems.push(...validate(property, object[name], document, `${at}.${name}`));
    }
  }
  for (const part of (s['allOf'] as Schema[] | undefined) ?? []) problems.push(...validate(part, value, document, at));
  const passing = (parts: unknown) => (parts as Schema[]).filter((part) => validate(part, value, document).length === 0).length;
  if (s['anyOf'] !== undefined && passing(s['anyOf']) === 0) fail('matches none of anyOf');
  if (s['oneOf'] !== undefined && passing(s['oneOf']) !== 1) fail(`matches ${passing(s['oneOf'])} of oneOf, not exactly one`);
  if (s['not'] !== undefined && validate(s['not'] as Schema, value, document).length === 0) fail('matches what it must not');
  if (s['if'] !== undefined) {
    const branch = validate(s['if'] as Schema, value, document).length === 0 ? s['then'] : s['else'];
    if (branch !== undefined) problems.push(...validate(branch as Schema, value, document, at));
  }
  return problems;
}

/** Keywords the checker above applies, and annotations that need no checking. Anything else would be silently ignored. */
const knownKeywords = new Set([
  '$ref', 'type', 'enum', 'const', 'maxLength', 'pattern', 'items', 'maxItems', 'minItems', 'contains', 'required', 'properties',
  'allOf', 'anyOf', 'oneOf', 'not', 'if', 'then', 'else',
  'description', 'default', 'examples', 'format', 'discriminator',
]);

/** Every schema in the document: components, parameters, headers and media types, with their subschemas. */
function everySchema(document: Json): [string, Schema][] {
  const found: [string, Schema][] = [];
  const visit = (schema: Schema, at: string) => {
    found.push([at, schema]);
    if (typeof schema === 'boolean') return;
    for (const key of ['items', 'contains', 'not', 'if', 'then', 'else'] as const) if (schema[key] !== undefined) visit(schema[key] as Schema, `${at}/${key}`);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) ((schema[key] as Schema[] | undefined) ?? []).forEach((part, i) => visit(part, `${at}/${key}/${i}`));
    for (const [name, property] of Object.entries((schema['properties'] as Record<string, Schema> | undefined) ?? {})) visit(property, `${at}/properties/${name}`);
  };
  const walk = (node: unknown, at: string) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === 'schema') visit(child as Schema, `${at}/schema`);
      else if (key !== 'examples') walk(child, `${at}/${key}`);
    }
  };
  for (const [name, schema] of Object.entries((document['components'] as { schemas: Record<string, Schema> }).schemas)) visit(schema, `#/components/schemas/${name}`);
  walk(document['paths'], '#/paths');
  return found;
}

// --- The document against the routes. ---

interface Route {
  method: string;
  /** From the server root, with parameters as `:param`. */
  path: string;
}

/** The app's routes, from `printRoutes({ commonPrefix: false })`: one node a line, children indented under their parent. */
function routesOf(app: FastifyInstance): Route[] {
  const routes: Route[] = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^((?:│ {3}| {4})*)(?:├── |└── )(.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = match[1]!.length / 4;
    stack[depth] = `${stack[depth - 1] ?? ''}${match[2]!}`;
    stack.length = depth + 1;
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, path: stack[depth]! });
  }
  return routes;
}

/** Every documented operation, at the path it has from the server root (its server's path, then its own). */
function documentedRoutes(document: Json): Route[] {
  const serverOf = (item: Json) => ((item['servers'] ?? document['servers']) as { url: string }[])[0]!.url;
  return Object.entries(document['paths'] as Record<string, Json>).flatMap(([path, item]) => {
    const prefix = new URL(serverOf(item)).pathname.replace(/\/+$/, '');
    return methods
      .filter((method) => item[method] !== undefined)
      .map((method) => ({ method: method.toUpperCase(), path: `${prefix}${path}`.replace(/\{([^}]+)\}/g, ':$1') }));
  });
}

// A wildcard at the end (`/register/*`, listed as `/register*`) serves a documented last parameter.
const sameShape = (path: string) => path.replace(/:[^/]+/g, ':').replace(/\/?\*$/, '/:');
const asWildcard = (route: Route): Route => ({ ...route, path: route.path.replace(/\/:[^/]+$/, '/*') });

/**
 * The route check: every documented operation is a route (`hasRoute`), and every route but the HTML pages, HEAD
 * and OPTIONS is documented.
 */
function assertMatchesRoutes(document: Json, issuer: string, routes: Route[], hasRoute: (route: Route) => boolean) {
  const base = new URL(issuer).pathname.replace(/\/+$/, '');
  const documented = documentedRoutes(document);
  for (const route of documented) assert.ok(hasRoute(route) || hasRoute(asWildcard(route)), `${route.method} ${route.path} is documented but no such route exists`);
  const isPage = (path: string) => pagePaths.some((page) => path === `${base}${page}` || path === `${base}${page}*` || path.startsWith(`${base}${page}/`));
  const known = new Set(documented.map(({ method, path }) => `${method} ${sameShape(path)}`));
  for (const { method, path } of routes) {
    if (method === 'HEAD' || method === 'OPTIONS' || isPage(path)) continue;
    assert.ok(known.has(`${method} ${sameShape(path)}`), `${method} ${path} is a public route that /openapi.json does not document`);
  }
}

const checkServer = (server: TestServer) =>
  assertMatchesRoutes(openapiDocument(server.config), server.config.issuer, routesOf(server.app), ({ method, path }) =>
    server.app.hasRoute({ method: method as 'GET', url: path }),
  );

function assertValidOpenApi(document: Json) {
  assert.equal(document['openapi'], '3.1.0');
  const info = document['info'] as Json;
  assert.equal(typeof info['title'], 'string');
  assert.equal(typeof info['version'], 'string');
  const servers = document['servers'] as { url: string }[];
  assert.ok(servers.length > 0 && servers.every((server) => URL.canParse(server.url)));
  const components = document['components'] as { securitySchemes: Json };
  const tags = new Set((document['tags'] as { name: string }[]).map((tag) => tag.name));
  const operationIds = new Set<string>();
  for (const [path, item] of Object.entries(document['paths'] as Record<string, Json>)) {
    assert.match(path, /^\//);
    const pathParameters = new Set(Array.from(path.matchAll(/\{([^}]+)\}/g), (m) => m[1]));
    for (const method of methods.filter((m) => item[m] !== undefined)) {
      const operation = item[method] as Json;
      const where = `${method.toUpperCase()} ${path}`;
      assert.equal(typeof operation['operationId'], 'string', `${where} has an operationId`);
      assert.ok(!operationIds.has(operation['operationId'] as string), `${where}: operationId ${String(operation['operationId'])} is unique`);
      operationIds.add(operation['operationId'] as string);
      for (const tag of (operation['tags'] as string[] | undefined) ?? []) assert.ok(tags.has(tag), `${where}: tag ${tag} is declared`);
      const responses = Object.entries(operation['responses'] as Record<string, Json>);
      assert.ok(responses.length > 0, `${where} has responses`);
      for (const [status, response] of responses) {
        assert.match(status, /^[1-5]\d\d$/);
        assert.equal(typeof response['description'], 'string', `${where} ${status} has a description`);
      }
      const parameters = [...((item['parameters'] as Json[] | undefined) ?? []), ...((operation['parameters'] as Json[] | undefined) ?? [])];
      for (const name of pathParameters) {
        assert.ok(parameters.some((p) => p['in'] === 'path' && p['name'] === name && p['required'] === true), `${where} declares the path parameter ${name}`);
      }
      for (const requirement of (operation['security'] as Json[] | undefined) ?? []) {
        for (const scheme of Object.keys(requirement)) assert.ok(components.securitySchemes[scheme], `${where}: security scheme ${scheme} is defined`);
      }
    }
  }
  const refs: string[] = [];
  const collect = (node: unknown) => {
    if (node === null || typeof node !== 'object') return;
    for (const [key, child] of Object.entries(node)) {
      if (key === '$ref' || (key === 'mapping' && typeof child === 'object')) refs.push(...(key === '$ref' ? [child as string] : Object.values(child as Json).map(String)));
      else collect(child);
    }
  };
  collect(document);
  assert.ok(refs.length > 10);
  for (const ref of refs) assert.notEqual(resolve(document, ref), undefined, `${ref} resolves`);
  for (const [at, schema] of everySchema(document)) {
    if (typeof schema === 'boolean') continue;
    for (const keyword of Object.keys(schema)) assert.ok(knownKeywords.has(keyword), `${at} uses ${keyword}, which the checker does not know`);
  }
}

/** Checks a real response against what the document says `method path` answers with that status. */
function assertDocumented(document: Json, method: string, path: string, response: LightMyRequestResponse): void {
  const operation = ((document['paths'] as Record<string, Json>)[path]?.[method.toLowerCase()]) as Json | undefined;
  assert.ok(operation, `${method} ${path} is documented`);
  const documented = (operation['responses'] as Record<string, Json>)[String(response.statusCode)];
  assert.ok(documented, `${method} ${path} answered ${response.statusCode} (${response.body.slice(0, 200)}), which is not documented`);
  for (const [name, header] of Object.entries((documented['headers'] as Record<string, { schema: Json }> | undefined) ?? {})) {
    if (header.schema['const'] !== undefined) assert.equal(response.headers[name.toLowerCase()], header.schema['const'], `${method} ${path} ${name}`);
  }
  const content = documented['content'] as Record<string, { schema: Schema }> | undefined;
  if (content === undefined) {
    assert.equal(response.body, '', `${method} ${path} ${response.statusCode} has no body`);
    return;
  }
  const type = String(response.headers['content-type']).split(';')[0]!;
  assert.ok(content[type], `${method} ${path} ${response.statusCode} is documented as ${Object.keys(content).join(', ')}, not ${type}`);
  if (type === 'application/json') {
    assert.deepEqual(validate(content[type].schema, response.json(), document), [], `${method} ${path} ${response.statusCode}: ${response.body}`);
  }
}

/** Checks a request body against the documented request schema, so the examples the tests send are documented ones. */
function assertDocumentedRequest(document: Json, method: string, path: string, mediaType: string, body: unknown): void {
  const operation = (document['paths'] as Record<string, Json>)[path]![method.toLowerCase()] as Json;
  const schema = ((operation['requestBody'] as Json)['content'] as Record<string, { schema: Schema }>)[mediaType]!.schema;
  assert.deepEqual(validate(schema, body, document), [], `${method} ${path} request ${JSON.stringify(body)}`);
}

// --- The tests. ---

describe('OpenAPI document (GET /openapi.json)', () => {
  const setups: [string, Record<string, unknown>][] = [
    ['the default configuration', {}],
    ['registration aliases', { 'registration.aliases': ['/v1/provider-mcp/oauth/register', '/api/v2/oauth2/register'] }],
    ['an issuer with a path', { issuer: 'http://localhost:8080/tenant' }],
    ['protected, public-only registration and guarded metrics', { 'registration.mode': 'protected', 'registration.profile': 'public-only', 'metrics.bearerToken': 'scrape-secret-0123456789' }],
  ];
  for (const [name, overrides] of setups) {
    describe(`with ${name}`, () => {
      let server: TestServer;
      before(async () => (server = await startTestServer({ overrides })));
      after(() => server.close());

      it('documents every public route and only routes that exist (all but the HTML pages, HEAD and OPTIONS)', () => {
        assert.ok(routesOf(server.app).length > 15, 'the route listing was parsed');
        checkServer(server);
      });

      it('is a structurally valid OpenAPI 3.1 document whose every $ref resolves', () => assertValidOpenApi(openapiDocument(server.config)));

      it('is served below the issuer, the same document each time, cacheable and readable from any origin', async () => {
        const base = new URL(server.config.issuer).pathname.replace(/\/+$/, '');
        const get = () => server.app.inject({ method: 'GET', url: `${base}/openapi.json`, headers: { origin: 'http://localhost:6274' } });
        const [first, second] = [await get(), await get()];
        assert.equal(first.statusCode, 200);
        assert.match(String(first.headers['content-type']), /^application\/json/);
        assert.equal(first.headers['cache-control'], 'public, max-age=300');
        assert.equal(first.headers['access-control-allow-origin'], '*');
        assert.equal(second.body, first.body);
        assert.deepEqual(first.json(), openapiDocument(server.config));
        assert.equal(first.json().servers[0].url, server.config.issuer);
      });
    });
  }

  it('fails the route check for an undocumented route, a page that is not listed, or a documented route that is gone', async () => {
    const server = await startTestServer();
    try {
      const document = openapiDocument(server.config);
      const routes = routesOf(server.app);
      const exists = ({ method, path }: Route) => server.app.hasRoute({ method: method as 'GET', url: path });
      assert.doesNotThrow(() => assertMatchesRoutes(document, server.config.issuer, routes, exists));
      for (const extra of [{ method: 'POST', path: '/device_authorization' }, { method: 'GET', path: '/register/:id/secret' }, { method: 'GET', path: '/help' }]) {
        assert.throws(() => assertMatchesRoutes(document, server.config.issuer, [...routes, extra], exists), /does not document/);
      }
      assert.doesNotThrow(() => assertMatchesRoutes(document, server.config.issuer, [...routes, { method: 'POST', path: '/admin/clients/:id/delete' }], exists));
      assert.throws(() => assertMatchesRoutes(document, server.config.issuer, routes, ({ path }) => path !== '/revoke'), /no such route/);
    } finally {
      await server.close();
    }
  });

  it('reads nested routes and their methods off printRoutes', async () => {
    const { default: Fastify } = await import('fastify');
    const app = Fastify();
    app.get('/a', async () => ({}));
    app.put('/a/:id', async () => ({}));
    app.post('/a/:id/b', async () => ({}));
    await app.ready();
    const routes = routesOf(app).map(({ method, path }) => `${method} ${path}`);
    await app.close();
    assert.deepEqual(routes.filter((route) => !route.startsWith('HEAD')).sort(), ['GET /a', 'POST /a/:id/b', 'PUT /a/:id']);
  });

  it('puts the metadata forms and operational endpoints outside the issuer path on the origin', () => {
    const document = openapiDocument(loadConfig({ env: {}, overrides: { issuer: 'https://as.example.com/tenant' } }));
    const paths = document['paths'] as Record<string, Json>;
    assert.deepEqual(document['servers'], [{ url: 'https://as.example.com/tenant', description: 'The issuer.' }]);
    for (const path of ['/.well-known/oauth-authorization-server/tenant', '/.well-known/openid-configuration/tenant', '/healthz', '/readyz', '/metrics']) {
      assert.equal((paths[path]!['servers'] as { url: string }[])[0]!.url, 'https://as.example.com', path);
    }
    for (const path of ['/.well-known/openid-configuration', '/register', '/token', '/openapi.json']) assert.equal(paths[path]!['servers'], undefined, path);
    assert.match(String((document['info'] as Json)['description']), /`\/tenant\/admin`/);
  });

  it('derives the registration fields and their limits from the metadata table', () => {
    const config = loadConfig({ env: {}, overrides: { 'registration.maxRedirectUris': 3, 'registration.maxClientNameLength': 42 } });
    const schemas = (openapiDocument(config)['components'] as { schemas: Record<string, Json> }).schemas;
    for (const name of ['ClientRegistrationRequest', 'ClientInformation']) {
      const properties = schemas[name]!['properties'] as Record<string, Json>;
      for (const field of Object.keys(metadataFields)) assert.ok(properties[field], `${name} documents ${field}`);
    }
    const request = schemas['ClientRegistrationRequest']!['properties'] as Record<string, Json>;
    assert.equal(request['redirect_uris']!['maxItems'], 3);
    assert.equal(request['client_name']!['maxLength'], 42);
    assert.equal(request['client_uri']!['pattern'], '^https://');
    assert.deepEqual(request['token_endpoint_auth_method']!['enum'], ['client_secret_basic', 'client_secret_post', 'none', 'private_key_jwt']);
  });

  it('follows the profile and mode: public-only offers none and no client credentials, protected registration needs a token', () => {
    const config = loadConfig({ env: {}, overrides: { 'registration.profile': 'public-only', 'registration.mode': 'protected' } });
    const document = openapiDocument(config);
    const schemas = (document['components'] as { schemas: Record<string, Json> }).schemas;
    assert.deepEqual((schemas['ClientRegistrationRequest']!['properties'] as Record<string, Json>)['token_endpoint_auth_method']!['enum'], ['none']);
    assert.equal(schemas['TokenRequestClientCredentials'], undefined);
    assert.equal(validate(schemaRef('ClientRegistrationRequest'), { redirect_uris: ['https://a.example/cb'] }, document).length, 1, 'client_name is required');
    const register = ((document['paths'] as Record<string, Json>)['/register']!['post']) as Json;
    assert.deepEqual(register['security'], [{ initialAccessToken: [] }]);
  });

  it('has a checker that refuses what it should', () => {
    const document = openapiDocument(loadConfig({ env: {} }));
    const information = schemaRef('ClientInformation');
    assert.ok(validate(information, {}, document).some((problem) => problem.includes('misses required client_id')));
    const valid = {
      client_id: 'c', client_id_issued_at: 1, redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code'], response_types: ['code'], scope: 'mcp', application_type: 'web',
      registration_access_token: 't', registration_client_uri: 'https://as.example/register/c',
    };
    assert.deepEqual(validate(information, valid, document), []);
    assert.equal(validate(information, { ...valid, client_id_issued_at: '1' }, document).length, 1);
    assert.equal(validate(information, { ...valid, grant_types: ['implicit'] }, document).length, 1);
    assert.equal(validate(information, { ...valid, token_endpoint_auth_method: 'client_secret_basic' }, document).length, 2, 'a confidential client shows its secret');
    assert.equal(validate(schemaRef('Error'), { error: 'invalid_request' }, document).length, 1);
  });
});


describe('real responses match the documented schemas', () => {
  let server: TestServer;
  let document: Json;
  const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';
  const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
  const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded' };

  before(async () => {
    server = await startTestServer({ overrides: { issuer: 'https://as.example.com', resources: [{ uri: 'https://mcp.example.com/mcp', name: 'MCP', scopes: ['mcp', 'mcp:tools'], machineClients: true }] } });
    document = openapiDocument(server.config);
    await server.storage.users.createUser({ id: 'user-1', username: 'alice', passwordHash: 'x', name: 'Alice', email: 'alice@example.com', isAdmin: false, createdAt: 1 });
  });
  after(() => server.close());

  async function register(body: Json, status = 201) {
    assertDocumentedRequest(document, 'POST', '/register', 'application/json', body);
    const response = await server.app.inject({ method: 'POST', url: '/register', payload: body });
    assert.equal(response.statusCode, status, response.body);
    assertDocumented(document, 'POST', '/register', response);
    return response.json() as { client_id: string; client_secret: string; registration_access_token: string };
  }

  async function token(params: Record<string, string>, headers: Record<string, string> = {}) {
    assertDocumentedRequest(document, 'POST', '/token', 'application/x-www-form-urlencoded', params);
    const response = await server.app.inject({ method: 'POST', url: '/token', payload: form(params), headers: { ...formHeaders, ...headers } });
    assertDocumented(document, 'POST', '/token', response);
    return response;
  }

  /** Tokens of an authorization code grant for alice, the code stored as /authorize would store it. */
  async function codeGrant(scope: string) {
    const client = await register({ client_name: 'Agent', redirect_uris: ['http://127.0.0.1:33418/cb'], token_endpoint_auth_method: 'none' });
    const code = `code-${Math.random()}`;
    await server.storage.codes.insertCode({
      codeDigest: digestSecret(code),
      clientId: client.client_id,
      userId: 'user-1',
      redirectUri: 'http://127.0.0.1:33418/cb',
      codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
      scope,
      resource: 'https://mcp.example.com/mcp',
      nonce: null,
      authTime: Date.now(),
      expiresAt: Date.now() + 60_000,
    });
    const response = await token({ grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: 'http://127.0.0.1:33418/cb', client_id: client.client_id });
    assert.equal(response.statusCode, 200, response.body);
    return { client, tokens: response.json() as { access_token: string; refresh_token: string; id_token?: string } };
  }

  it('registration: a confidential and a public client (201)', async () => {
    const confidential = await register({ client_name: 'Provider', redirect_uris: ['https://client.example/cb'] });
    assert.equal(typeof confidential.client_secret, 'string');
    await register({ client_name: 'Public', redirect_uris: ['http://localhost:6274/oauth/callback'], token_endpoint_auth_method: 'none', scope: 'mcp' });
  });

  it('registration: every real MCP client request of the fixtures is a documented request with a documented answer', async () => {
    const fixtures = JSON.parse(readFileSync(new URL('../fixtures/mcp-client-registrations.json', import.meta.url), 'utf8')) as { clients: { request: Json }[] };
    assert.ok(fixtures.clients.length >= 5);
    for (const { request } of fixtures.clients) await register(request);
  });

  it('registration errors: 400 with {error, error_description}, 415 for another media type', async () => {
    await register({ client_name: 'Bad', redirect_uris: ['https://client.example/cb#fragment'] }, 400);
    const wrongType = await server.app.inject({ method: 'POST', url: '/register', payload: 'client_name=x', headers: formHeaders });
    assert.equal(wrongType.statusCode, 415);
    assertDocumented(document, 'POST', '/register', wrongType);
  });

  it('client configuration: read, update, delete (RFC 7592), and 401 without the token', async () => {
    const client = await register({ client_name: 'Managed', redirect_uris: ['https://client.example/cb'] });
    const auth = { authorization: `Bearer ${client.registration_access_token}` };
    const url = `/register/${client.client_id}`;
    const read = await server.app.inject({ method: 'GET', url, headers: auth });
    assertDocumented(document, 'GET', '/register/{client_id}', read);
    const update = { client_id: client.client_id, client_name: 'Managed 2', redirect_uris: ['https://client.example/cb'] };
    assertDocumentedRequest(document, 'PUT', '/register/{client_id}', 'application/json', update);
    const updated = await server.app.inject({ method: 'PUT', url, headers: auth, payload: update });
    assert.equal(updated.statusCode, 200, updated.body);
    assertDocumented(document, 'PUT', '/register/{client_id}', updated);
    const unauthorized = await server.app.inject({ method: 'GET', url });
    assert.equal(unauthorized.statusCode, 401);
    assertDocumented(document, 'GET', '/register/{client_id}', unauthorized);
    const deleted = await server.app.inject({ method: 'DELETE', url, headers: { authorization: `Bearer ${(updated.json() as Json)['registration_access_token'] as string}` } });
    assert.equal(deleted.statusCode, 204);
    assertDocumented(document, 'DELETE', '/register/{client_id}', deleted);
  });

  it('token endpoint: authorization code (with an ID token), refresh token and client credentials responses', async () => {
    const { client, tokens } = await codeGrant('openid profile email mcp');
    assert.equal(typeof tokens.id_token, 'string');
    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token, client_id: client.client_id });
    assert.equal(refreshed.statusCode, 200, refreshed.body);
    const service = await createOperatorClient(server, { client_name: 'Service', scope: 'mcp' });
    const credentials = await token({ grant_type: 'client_credentials' }, { authorization: basic(service.client_id, service.client_secret) });
    assert.equal(credentials.statusCode, 200, credentials.body);
  });

  it('token endpoint errors: 401 invalid_client for an unknown client, 400 for a missing grant_type', async () => {
    const unknown = await token({ grant_type: 'client_credentials' }, { authorization: basic('nobody', 'nothing') });
    assert.equal(unknown.statusCode, 401);
    const missing = await server.app.inject({ method: 'POST', url: '/token', payload: form({ code: 'x' }), headers: formHeaders });
    assert.equal(missing.statusCode, 400);
    assertDocumented(document, 'POST', '/token', missing);
  });

  it('introspection, revocation and userinfo responses', async () => {
    const { tokens } = await codeGrant('openid profile email');
    const service = await createOperatorClient(server, { client_name: 'Resource server', scope: 'mcp' });
    const asService = { ...formHeaders, authorization: basic(service.client_id, service.client_secret) };
    for (const params of [{ token: tokens.access_token }, { token: tokens.refresh_token, token_type_hint: 'refresh_token' }, { token: 'unknown' }]) {
      assertDocumentedRequest(document, 'POST', '/introspect', 'application/x-www-form-urlencoded', params);
      const introspected = await server.app.inject({ method: 'POST', url: '/introspect', payload: form(params), headers: asService });
      assert.equal(introspected.statusCode, 200, introspected.body);
      assertDocumented(document, 'POST', '/introspect', introspected);
    }
    const userinfo = await server.app.inject({ method: 'GET', url: '/userinfo', headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(userinfo.statusCode, 200, userinfo.body);
    assertDocumented(document, 'GET', '/userinfo', userinfo);
    const revoked = await server.app.inject({ method: 'POST', url: '/revoke', payload: form({ token: tokens.refresh_token }), headers: asService });
    assertDocumented(document, 'POST', '/revoke', revoked);
    const anonymous = await server.app.inject({ method: 'GET', url: '/userinfo' });
    assert.equal(anonymous.statusCode, 401);
    assertDocumented(document, 'GET', '/userinfo', anonymous);
  });

  it('authorization endpoint: the sign-in page (200), a redirect with prompt=none (302), an error page (400)', async () => {
    // A client an operator created: the errors of a self-registered one are shown on a page, not redirected.
    const client = await createOperatorClient(server, { client_name: 'Browser agent', redirect_uris: ['http://127.0.0.1:33418/cb'], grant_types: ['authorization_code'] });
    const operation = (document['paths'] as Record<string, Json>)['/authorize']!['get'] as { parameters: { name: string; schema: Schema }[] };
    const authorize = async (params: Record<string, string>, status: number) => {
      for (const [name, value] of Object.entries(params)) {
        const parameter = operation.parameters.find((p) => p.name === name);
        assert.ok(parameter, `${name} is a documented parameter`);
        assert.deepEqual(validate(parameter.schema, value, document), [], name);
      }
      const response = await server.app.inject({ method: 'GET', url: `/authorize?${new URLSearchParams(params)}` });
      assert.equal(response.statusCode, status, response.body.slice(0, 200));
      assertDocumented(document, 'GET', '/authorize', response);
      return response;
    };
    const request = {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: 'http://127.0.0.1:33418/cb',
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      scope: 'openid mcp',
      state: 'xyz',
    };
    await authorize(request, 200);
    const redirected = await authorize({ ...request, prompt: 'none' }, 302);
    assert.match(String(redirected.headers.location), /^http:\/\/127\.0\.0\.1:33418\/cb\?error=login_required/);
    await authorize({ ...request, client_id: 'not-registered' }, 400);
  });

  it('discovery and operational responses', async () => {
    for (const path of ['/.well-known/oauth-authorization-server', '/.well-known/openid-configuration', '/jwks.json', '/openapi.json', '/healthz', '/readyz', '/metrics']) {
      const response = await server.app.inject({ method: 'GET', url: path });
      assert.equal(response.statusCode, 200, `${path}: ${response.body}`);
      assertDocumented(document, 'GET', path, response);
    }
  });

  it('every error code in the error table is one the Error schema allows', () => {
    const errorSchema = (document['components'] as { schemas: Record<string, Json> }).schemas['Error']!;
    for (const [code, { wire }] of Object.entries(errorCodes)) {
      if (code === 'rate_limited') continue;
      assert.deepEqual(validate(errorSchema, { error: wire, error_description: 'x' }, document), [], code);
    }
  });
});

describe('the 429 of registration matches the documented {"errors": [...]} body', () => {
  let server: TestServer;
  before(async () => (server = await startTestServer({ overrides: { 'registration.rateLimit.enabled': true, 'registration.rateLimit.points': 1 } })));
  after(() => server.close());

  it('answers 429 with Retry-After and the documented body', async () => {
    const document = openapiDocument(server.config);
    const body = { client_name: 'Eager', redirect_uris: ['https://client.example/cb'] };
    assert.equal((await server.app.inject({ method: 'POST', url: '/register', payload: body })).statusCode, 201);
    const limited = await server.app.inject({ method: 'POST', url: '/register', payload: body });
    assert.equal(limited.statusCode, 429);
    assert.ok(Number(limited.headers['retry-after']) > 0);
    assertDocumented(document, 'POST', '/register', limited);
  });
});
