import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { dumpDatabase } from '../support/dump.js';
import { startTestServer, type TestServer } from '../support/server.js';

interface Seed {
  path: string;
  profile: string;
  request: Record<string, unknown>;
  curlRequest?: Record<string, unknown>;
  response: Record<string, unknown>;
  errorExample?: Record<string, unknown>;
  generated: string[];
}
const seed = (name: string): Seed => JSON.parse(readFileSync(new URL(`../fixtures/seeds/${name}.json`, import.meta.url), 'utf8'));
const fixtures = JSON.parse(readFileSync(new URL('../fixtures/mcp-client-registrations.json', import.meta.url), 'utf8')) as {
  clients: { name: string; request: Record<string, unknown> }[];
};

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Checks a response against a seed's response example: generated values by type, the rest by value. */
function assertMatchesSeed(body: Record<string, unknown>, example: Record<string, unknown>, generated: string[]): void {
  for (const [field, expected] of Object.entries(example)) {
    assert.ok(field in body, `the response has ${field}`);
    if (generated.includes(field)) assert.equal(typeof body[field], typeof expected, `${field} is a ${typeof expected}`);
    else assert.deepEqual(body[field], expected, `${field} is as in the seed`);
  }
}

const post = (server: TestServer, url: string, payload: unknown, headers: Record<string, string> = {}) =>
  server.app.inject({ method: 'POST', url, payload: JSON.stringify(payload), headers: { 'content-type': 'application/json', ...headers } });

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('the Provider MCP seed (confidential profile)', () => {
    const provider = seed('provider-mcp');
    let server: TestServer;
    before(async () => {
      server = await startTestServer({
        database: kind,
        overrides: { issuer: 'https://api.example.com', 'registration.profile': 'confidential', 'registration.aliases': [provider.path] },
      });
    });
    after(() => server.close());

    it('answers the seed request as the seed response shows, field by field', async () => {
      const before = Math.floor(Date.now() / 1000);
      const response = await post(server, provider.path, provider.request);
      assert.equal(response.statusCode, 201);
      assert.match(String(response.headers['content-type']), /^application\/json/);
      assert.equal(response.headers['cache-control'], 'no-store');
      const body = response.json();
      assertMatchesSeed(body, provider.response, provider.generated);
      // A version 7 UUID: time-ordered, so that new clients are appended to the id index.
      assert.match(body.client_id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      assert.ok(body.client_secret.length >= 43, 'the secret carries 256 bits');
      assert.ok(body.client_id_issued_at >= before && body.client_id_issued_at <= Date.now() / 1000 + 1);
      assert.equal(body.registration_client_uri, `https://api.example.com${provider.path}/${body.client_id}`);
      for (const field of ['software_id', 'software_version', 'logo_uri', 'tos_uri', 'policy_uri', 'client_uri']) {
        assert.equal(body[field], provider.request[field], `${field} is echoed`);
      }
    });

    it('serves the same endpoint at the default path', async () => {
      const response = await post(server, '/register', provider.request);
      assert.equal(response.statusCode, 201);
      assert.equal(response.json().registration_client_uri.startsWith('https://api.example.com/register/'), true);
    });

    it('refuses a public client in the confidential profile (invalid_client_metadata)', async () => {
      const response = await post(server, provider.path, { ...provider.request, token_endpoint_auth_method: 'none' });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error, 'invalid_client_metadata');
    });

    it('requires client_name as the seed does (invalid_client_metadata)', async () => {
      const { client_name: _, ...request } = provider.request;
      const response = await post(server, provider.path, request);
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error, 'invalid_client_metadata');
    });
  });

  describe('the Datadog seed (public-only profile)', () => {
    const datadog = seed('datadog');
    let server: TestServer;
    before(async () => {
      server = await startTestServer({
        database: kind,
        overrides: { 'registration.profile': 'public-only', 'registration.aliases': [datadog.path] },
      });
    });
    after(() => server.close());

    for (const [name, request] of [['body example', datadog.request], ['curl example', datadog.curlRequest!]] as const) {
      it(`answers the seed ${name} as the seed response shows, with a UUID client_id and no secret`, async () => {
        const response = await post(server, datadog.path, request);
        assert.equal(response.statusCode, 201);
        const body = response.json();
        assertMatchesSeed(body, datadog.response, datadog.generated);
        assert.match(body.client_id, uuid);
        assert.equal(body.client_secret, undefined);
        assert.equal(body.client_secret_expires_at, undefined);
        assert.equal(body.token_endpoint_auth_method, 'none');
        assert.equal(typeof body.scope, 'string');
      });
    }

    it('registers the seed request without token_endpoint_auth_method as a public client', async () => {
      const { token_endpoint_auth_method: _, ...request } = datadog.request;
      const response = await post(server, datadog.path, request);
      assert.equal(response.statusCode, 201);
      assert.equal(response.json().token_endpoint_auth_method, 'none');
    });

    for (const [field, value] of [
      ['token_endpoint_auth_method', 'client_secret_basic'],
      ['response_types', ['token']],
    ] as const) {
      it(`refuses ${field} ${JSON.stringify(value)} as the seed says only none/code are supported`, async () => {
        const response = await post(server, datadog.path, { ...datadog.request, [field]: value });
        assert.equal(response.statusCode, 400);
        assert.equal(response.json().error, 'invalid_client_metadata');
      });
    }

    it('rejects control characters in client_name with the seed error body shape', async () => {
      const response = await post(server, datadog.path, { ...datadog.request, client_name: 'Evil\u0007Client' });
      assert.equal(response.statusCode, 400);
      assert.deepEqual(Object.keys(response.json()).sort(), Object.keys(datadog.errorExample!).sort());
      assert.equal(response.json().error, 'invalid_client_metadata');
    });
  });

  describe('real MCP clients (default profile)', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ database: kind })));
    after(() => server.close());

    for (const client of fixtures.clients) {
      it(`registers ${client.name} unchanged and echoes its redirect_uris`, async () => {
        const response = await post(server, '/register', client.request);
        assert.equal(response.statusCode, 201, response.body);
        const body = response.json();
        assert.deepEqual(body.redirect_uris, client.request['redirect_uris']);
        assert.equal(body.token_endpoint_auth_method, client.request['token_endpoint_auth_method']);
        assert.equal(body.client_name, client.request['client_name']);
        assert.equal(typeof body.scope, 'string');
        assert.deepEqual(body.grant_types, ['authorization_code', 'refresh_token']);
        assert.equal(body.client_secret === undefined, client.request['token_endpoint_auth_method'] === 'none');
        const read = await server.app.inject({
          method: 'GET',
          url: new URL(body.registration_client_uri).pathname,
          headers: { authorization: `Bearer ${body.registration_access_token}` },
        });
        assert.deepEqual(read.json().redirect_uris, client.request['redirect_uris']);
      });
    }
  });

  describe('bad input never changes what is stored', () => {
    let server: TestServer;
    let rowsBefore: number;
    before(async () => {
      server = await startTestServer({ database: kind });
      assert.equal((await post(server, '/register', { client_name: 'Kept', redirect_uris: ['https://kept.example/cb'] })).statusCode, 201);
      rowsBefore = (await dumpDatabase(server.databaseUrl)).clientRows;
    });
    after(async () => {
      assert.equal((await dumpDatabase(server.databaseUrl)).clientRows, rowsBefore);
      await server.close();
    });

    const cases: { name: string; body: string; type?: string; status: number; error: string }[] = [
      { name: 'a body that is not JSON', body: '{"client_name": ', status: 400, error: 'invalid_request' },
      { name: 'an empty body', body: '', status: 400, error: 'invalid_request' },
      { name: 'a JSON array', body: '[{"redirect_uris":["https://a.example/cb"]}]', status: 400, error: 'invalid_request' },
      { name: 'a JSON string', body: '"hello"', status: 400, error: 'invalid_request' },
      { name: 'JSON null', body: 'null', status: 400, error: 'invalid_request' },
      {
        name: 'duplicate keys',
        body: '{"redirect_uris":["https://a.example/cb"],"redirect_uris":["https://evil.example/cb"]}',
        status: 400,
        error: 'invalid_request',
      },
      { name: 'deep nesting', body: `{"jwks":${'['.repeat(5000)}${']'.repeat(5000)}}`, status: 400, error: 'invalid_request' },
      { name: 'text/plain', body: '{"redirect_uris":["https://a.example/cb"]}', type: 'text/plain', status: 415, error: 'invalid_request' },
      {
        name: 'form encoding',
        body: 'redirect_uris=https://a.example/cb',
        type: 'application/x-www-form-urlencoded',
        status: 415,
        error: 'invalid_request',
      },
      { name: 'a body over 64 KiB', body: JSON.stringify({ client_name: 'x'.repeat(70_000) }), status: 413, error: 'invalid_request' },
      { name: 'a redirect URI with CR/LF', body: JSON.stringify({ redirect_uris: ['https://a.example/cb\r\nX: y'] }), status: 400, error: 'invalid_redirect_uri' },
      { name: 'https:host without //', body: JSON.stringify({ redirect_uris: ['https:a.example/cb'] }), status: 400, error: 'invalid_redirect_uri' },
      { name: 'a backslash', body: JSON.stringify({ redirect_uris: ['https://a.example\\@evil.example/cb'] }), status: 400, error: 'invalid_redirect_uri' },
      { name: 'a bidi override in client_name', body: JSON.stringify({ client_name: 'abc\u202egnp.exe', redirect_uris: ['https://a.example/cb'] }), status: 400, error: 'invalid_client_metadata' },
      { name: 'a zero-width space in client_name', body: JSON.stringify({ client_name: 'Cla\u200bude', redirect_uris: ['https://a.example/cb'] }), status: 400, error: 'invalid_client_metadata' },
      { name: 'redirect_uris as a string', body: JSON.stringify({ redirect_uris: 'https://a.example/cb' }), status: 400, error: 'invalid_redirect_uri' },
      { name: 'an implicit grant', body: JSON.stringify({ redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] }), status: 400, error: 'invalid_client_metadata' },
      { name: 'a malformed software statement', body: JSON.stringify({ redirect_uris: ['https://a.example/cb'], software_statement: 'not-a-jwt' }), status: 400, error: 'invalid_software_statement' },
    ];
    for (const c of cases) {
      it(`answers ${c.name} with ${c.status} ${c.error}, in the RFC 7591 shape`, async () => {
        const response = await server.app.inject({
          method: 'POST',
          url: '/register',
          payload: c.body,
          headers: { 'content-type': c.type ?? 'application/json' },
        });
        assert.equal(response.statusCode, c.status, response.body);
        const body = response.json();
        assert.deepEqual(Object.keys(body).sort(), ['error', 'error_description']);
        assert.equal(body.error, c.error);
        assert.match(body.error_description, /^[\x20-\x21\x23-\x5b\x5d-\x7e]+$/);
        assert.equal(response.headers['cache-control'], 'no-store');
      });
    }

    it('answers a request without Content-Type and body with 400 invalid_request', async () => {
      const response = await server.app.inject({ method: 'POST', url: '/register' });
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error, 'invalid_request');
    });

    it('ignores unknown fields and does not store them', async () => {
      const response = await post(server, '/register', { client_name: 'U', redirect_uris: ['https://u.example/cb'], is_admin: true, secret_sauce: 'xyzzy-unknown-field' });
      assert.equal(response.statusCode, 201);
      assert.equal(response.json().is_admin, undefined);
      assert.doesNotMatch((await dumpDatabase(server.databaseUrl)).text, /xyzzy-unknown-field|is_admin/);
      rowsBefore++;
    });
  });

  describe('secrets at rest', () => {
    let server: TestServer;
    before(async () => (server = await startTestServer({ database: kind })));
    after(() => server.close());

    it('stores client secrets and registration access tokens only as digests', async () => {
      const secrets: string[] = [];
      for (let i = 0; i < 10; i++) {
        const body = (await post(server, '/register', { client_name: `C${i}`, redirect_uris: [`https://c${i}.example/cb`], token_endpoint_auth_method: 'client_secret_post' })).json();
        secrets.push(body.client_secret, body.registration_access_token);
      }
      const { text, clientRows } = await dumpDatabase(server.databaseUrl);
      assert.equal(clientRows, 10);
      for (const secret of secrets) {
        assert.equal(text.includes(secret), false, 'a secret appears in the database');
        assert.equal(text.includes(secret.slice(0, 16)), false, 'part of a secret appears in the database');
      }
    });
  });
});
