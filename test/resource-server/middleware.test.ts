// The resource-server helper's middleware, mounted for real: Express 5 (requireBearerToken) and Hono through
// @hono/node-server (requireBearerTokenFetch), each on its own port, with an MCP server behind the guard and
// tokens from a running Latchkey. Every case runs against both hosts.
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { serve } from '@hono/node-server';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import express from 'express';
import { Hono } from 'hono';
import {
  createResourceServer,
  guardRequest,
  protectedResourceMetadataFetchHandler,
  protectedResourceMetadataHandler,
  requireBearerToken,
  requireBearerTokenFetch,
  type AuthInfo,
  type ResourceServer,
} from '../../src/resource-server.js';
import { createOperatorClient } from '../support/operator-client.js';
import { freePort } from '../support/real-port.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { dpopAlgorithms } from '../../src/resource-server/dpop.js';

const scopes = ['mcp:tools', 'mcp:resources'];

/** An MCP server whose `whoami` tool answers with the AuthInfo the transport handed it. */
function buildMcpServer(): McpServer {
  const server = new McpServer({ name: 'guarded', version: '1.0.0' });
  server.registerTool('whoami', { description: 'The AuthInfo of the request.' }, (extra) => ({
    content: [{ type: 'text', text: JSON.stringify({ ...extra.authInfo, resource: extra.authInfo?.resource?.href }) }],
  }));
  return server;
}

interface Host {
  name: string;
  port: number;
  /** Mounts the metadata, the guarded MCP endpoint at /mcp and /scoped (needs every scope); resolves once listening. */
  start(rs: ResourceServer): Promise<Server>;
}

const hosts: Host[] = [
  {
    name: 'Express 5',
    port: 0,
    async start(rs) {
      const app = express();
      app.get(rs.metadataPath, protectedResourceMetadataHandler(rs));
      app.post('/mcp', express.json(), requireBearerToken(rs), async (req, res) => {
        const server = buildMcpServer();
        const transport = new StreamableHTTPServerTransport({ enableJsonResponse: true });
        res.on('close', () => void server.close());
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      });
      app.get('/scoped', requireBearerToken(rs, { requiredScopes: scopes }), (req, res) => {
        res.json((req as { auth?: AuthInfo }).auth);
      });
      return await new Promise<Server>((resolve) => {
        const server = app.listen(this.port, '127.0.0.1', () => resolve(server));
      });
    },
  },
  {
    name: 'Hono',
    port: 0,
    async start(rs) {
      const app = new Hono<{ Variables: { auth: AuthInfo } }>();
      const metadata = protectedResourceMetadataFetchHandler(rs);
      app.get(rs.metadataPath, (c) => metadata(c.req.raw));
      app.post('/mcp', requireBearerTokenFetch(rs), async (c) => {
        const server = buildMcpServer();
        const transport = new WebStandardStreamableHTTPServerTransport({ enableJsonResponse: true });
        await server.connect(transport);
        return transport.handleRequest(c.req.raw, { authInfo: c.get('auth') });
      });
      app.get('/scoped', requireBearerTokenFetch(rs, { requiredScopes: scopes }), (c) => c.json(c.get('auth')));
      // A route guarded by hand with guardRequest, as a Next.js route handler or a worker would do it.
      app.get('/by-hand', async (c) => {
        const guarded = await guardRequest(rs, c.req.raw);
        return guarded.response ?? c.json({ clientId: guarded.auth.clientId });
      });
      return await new Promise<Server>((resolve) => {
        const server = serve({ fetch: app.fetch, port: this.port, hostname: '127.0.0.1' }, () => resolve(server as Server));
      });
    },
  },
];

/** Sends a request as raw bytes, for what fetch cannot send (a header twice, Latin-1); resolves to the status line's code and the head. */
function rawRequest(port: number, head: string): Promise<{ status: number; head: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString('latin1');
      const end = received.indexOf('\r\n\r\n');
      if (end === -1) return;
      socket.destroy();
      resolve({ status: Number(received.slice(9, 12)), head: received.slice(0, end) });
    });
    socket.on('error', reject);
    socket.write(Buffer.from(`${head}\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`, 'latin1'));
  });
}

describe('resource-server middleware, mounted in Express and Hono, against a running Latchkey', () => {
  let latchkey: TestServer;
  let issuer: string;
  let client: { client_id: string; client_secret: string };
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  const servers: Server[] = [];

  before(async () => {
    for (const host of hosts) host.port = await freePort();
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    const resources = [...hosts.map((host) => `http://127.0.0.1:${host.port}/mcp`), 'http://other.example.test/mcp'].map((uri) => ({
      uri,
      name: uri,
      scopes,
      machineClients: true,
    }));
    latchkey = await startTestServer({ overrides: { issuer, resources }, clock });
    await latchkey.app.listen({ host: '127.0.0.1', port });
    client = await createOperatorClient(latchkey, { client_name: 'Robot', scope: scopes.join(' ') });
    for (const host of hosts) {
      // The harness's tokens are a machine client's (client_credentials), hence acceptMachineTokens.
      const rs = createResourceServer({ issuer, resource: `http://127.0.0.1:${host.port}/mcp`, requiredScopes: ['mcp:tools'], acceptMachineTokens: true, clock });
      servers.push(await host.start(rs));
    }
  });
  after(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    await latchkey.close();
  });

  async function token(scope: string, resource: string): Promise<string> {
    const response = await latchkey.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
      payload: new URLSearchParams({ grant_type: 'client_credentials', scope, resource }).toString(),
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().access_token as string;
  }

  for (const host of hosts) {
    describe(host.name, () => {
      const base = () => `http://127.0.0.1:${host.port}`;
      const resource = () => `${base()}/mcp`;
      const metadataUrl = () => `${base()}/.well-known/oauth-protected-resource/mcp`;
      const get = (path: string, authorization?: string) => fetch(`${base()}${path}`, authorization === undefined ? {} : { headers: { authorization } });

      /** Asserts a 401 (or 403) refusal: status, the exact challenge, a JSON body, no-store. */
      async function assertRefused(response: Response, status: 401 | 403, error: string | undefined, scope = 'mcp:tools') {
        const body = await response.text();
        assert.equal(response.status, status, body);
        const challenge = response.headers.get('www-authenticate') ?? '';
        assert.ok(challenge.startsWith(`Bearer resource_metadata="${metadataUrl()}"`), challenge);
        if (error) assert.match(challenge, new RegExp(`, error="${error}", error_description="[^"]+"`));
        else assert.doesNotMatch(challenge, /error=/, 'RFC 6750 §3.1: no error code when no token was sent');
        assert.ok(challenge.endsWith(`, scope="${scope}"`), challenge);
        assert.equal(response.headers.get('cache-control'), 'no-store');
        assert.equal(JSON.parse(body).error, error ?? 'invalid_token');
      }

      it('lets a valid token through: an MCP tool handler sees the AuthInfo (token, client, scopes, expiry, resource, sub)', async () => {
        const access = await token('mcp:tools', resource());
        const mcp = new Client({ name: 'test', version: '1.0.0' });
        await mcp.connect(new StreamableHTTPClientTransport(new URL(resource()), { requestInit: { headers: { Authorization: `Bearer ${access}` } } }));
        try {
          const result = await mcp.callTool({ name: 'whoami' });
          const auth = JSON.parse((result.content as { text: string }[])[0]!.text) as Record<string, unknown> & { extra: { sub: string; claims: { jti: string } } };
          const claims = JSON.parse(Buffer.from(access.split('.')[1]!, 'base64url').toString()) as { exp: number; jti: string };
          assert.equal(auth['token'], access);
          assert.equal(auth['clientId'], client.client_id);
          assert.deepEqual(auth['scopes'], ['mcp:tools']);
          assert.equal(auth['expiresAt'], claims.exp);
          assert.equal(auth['resource'], resource());
          assert.equal(auth.extra.sub, client.client_id);
          assert.equal(auth.extra.claims.jti, claims.jti);
        } finally {
          await mcp.close();
        }
      });

      it('serves the RFC 9728 metadata at the URL the challenge names, readable from any origin', async () => {
        const challenge = (await get('/scoped')).headers.get('www-authenticate') ?? '';
        const url = /resource_metadata="([^"]+)"/.exec(challenge)?.[1];
        assert.equal(url, metadataUrl());
        const response = await fetch(url!);
        assert.equal(response.status, 200);
        assert.equal(response.headers.get('access-control-allow-origin'), '*');
        assert.deepEqual(await response.json(), { resource: resource(), authorization_servers: [issuer], scopes_supported: ['mcp:tools'], bearer_methods_supported: ['header'], dpop_signing_alg_values_supported: dpopAlgorithms });
      });

      it('answers a request without a token with 401 and a challenge without an error code', async () => {
        await assertRefused(await fetch(resource(), { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }), 401, undefined);
      });

      it('does not accept a token in the query string (RFC 6750 §2.3; bearer_methods_supported is header only)', async () => {
        const access = await token('mcp:tools', resource());
        await assertRefused(await get(`/scoped?access_token=${access}`), 401, undefined, scopes.join(' '));
        assert.equal((await get('/scoped', `Bearer ${access}`)).status, 403, 'the same token in the header is read (and lacks a scope)');
      });

      it('refuses a token for another resource with 401 invalid_token', async () => {
        await assertRefused(await get('/scoped', `Bearer ${await token('mcp:tools mcp:resources', 'http://other.example.test/mcp')}`), 401, 'invalid_token', scopes.join(' '));
      });

      it('refuses an expired token with 401 invalid_token', async () => {
        const access = await token('mcp:tools mcp:resources', resource());
        offset += (latchkey.config.tokens.accessTokenTtlSeconds + 1) * 1000;
        try {
          const response = await get('/scoped', `Bearer ${access}`);
          assert.match(response.headers.get('www-authenticate') ?? '', /error_description="The access token expired\."/);
          await assertRefused(response, 401, 'invalid_token', scopes.join(' '));
        } finally {
          offset = 0;
        }
      });

      it('refuses a token with a bad signature with 401 invalid_token', async () => {
        const [header, payload] = (await token('mcp:tools mcp:resources', resource())).split('.');
        const [, , otherSignature] = (await token('mcp:tools', resource())).split('.');
        await assertRefused(await get('/scoped', `Bearer ${header}.${payload}.${otherSignature}`), 401, 'invalid_token', scopes.join(' '));
      });

      it('refuses a token without a needed scope with 403 insufficient_scope naming every scope the route needs', async () => {
        const response = await get('/scoped', `Bearer ${await token('mcp:tools', resource())}`);
        await assertRefused(response, 403, 'insufficient_scope', 'mcp:tools mcp:resources');
        const passed = await get('/scoped', `Bearer ${await token('mcp:tools mcp:resources', resource())}`);
        assert.equal(passed.status, 200);
        assert.deepEqual(((await passed.json()) as AuthInfo).scopes, scopes);
      });

      for (const [what, authorization] of [
        ['"Bearer" alone', 'Bearer'],
        ['two tokens', 'Bearer abc def'],
        ['characters outside b64token', 'Bearer {"alg":"none"}'],
        ['a token of 10,000 characters', `Bearer ${'a'.repeat(10_000)}`],
        ['a JWT-shaped token of garbage', 'Bearer aaaa.bbbb.cccc'],
      ] as const) {
        it(`answers an Authorization header with ${what} with 401 invalid_token`, async () => {
          await assertRefused(await get('/scoped', authorization), 401, 'invalid_token', scopes.join(' '));
        });
      }

      it('answers a repeated Authorization header with 401 invalid_token, even when both carry a valid token', async () => {
        const access = await token('mcp:tools mcp:resources', resource());
        const twice = await rawRequest(host.port, `GET /scoped HTTP/1.1\r\nAuthorization: Bearer ${access}\r\nAuthorization: Bearer ${access}`);
        assert.equal(twice.status, 401, twice.head);
        assert.match(twice.head, /\r\nwww-authenticate: Bearer resource_metadata="[^"]+", error="invalid_token"/i);
        const once = await rawRequest(host.port, `GET /scoped HTTP/1.1\r\nAuthorization: Bearer ${access}`);
        assert.equal(once.status, 200, once.head);
      });

      it('answers Latin-1 bytes in the header with 401, and a header over 16 KiB with Node\'s 431, never 500', async () => {
        const latin1 = await rawRequest(host.port, 'GET /scoped HTTP/1.1\r\nAuthorization: Bearer caf\xe9');
        assert.equal(latin1.status, 401, latin1.head);
        const huge = await rawRequest(host.port, `GET /scoped HTTP/1.1\r\nAuthorization: Bearer ${'a'.repeat(20_000)}`);
        assert.equal(huge.status, 431, huge.head);
      });
    });
  }

  it('guards a bare fetch Request with guardRequest (Hono route without the middleware)', async () => {
    const hono = hosts[1]!;
    assert.equal((await fetch(`http://127.0.0.1:${hono.port}/by-hand`)).status, 401);
    const access = await token('mcp:tools', `http://127.0.0.1:${hono.port}/mcp`);
    const response = await fetch(`http://127.0.0.1:${hono.port}/by-hand`, { headers: { authorization: `Bearer ${access}` } });
    assert.deepEqual(await response.json(), { clientId: client.client_id });
  });
});
