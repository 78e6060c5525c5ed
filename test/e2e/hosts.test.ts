// Latchkey mounted for real in Fastify, Express and Hono (examples/hosts, the code the README shows), each on its
// own port with an MCP server it protects, on SQLite and PostgreSQL. The MCP TypeScript SDK's own client, with an
// OAuthClientProvider, goes from nothing to a tool call and a refresh: discovery (RFC 9728, RFC 8414),
// registration (RFC 7591), sign-in and consent pages over HTTP, code exchange, the `whoami` tool, and a refresh
// when the MCP server refuses the access token.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import * as express from '../../examples/hosts/express.js';
import * as fastify from '../../examples/hosts/fastify.js';
import * as hono from '../../examples/hosts/hono.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { createUser } from '../../src/users/users.js';
import { forEachDatabase, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { HttpBrowser } from '../support/http-browser.js';
import { AgentProvider, whoami } from '../support/mcp-agent.js';
import { freePort } from '../support/real-port.js';

// The examples read LATCHKEY_* variables (createLatchkey's `env: process.env`); the tests' output stays readable.
process.env['LATCHKEY_LOG_LEVEL'] = 'silent';

interface Host {
  name: string;
  start(options: { port: number; database: string }): Promise<{ url: string; close(): Promise<void> }>;
}
const hosts: Host[] = [
  { name: 'Fastify (latchkey.plugin)', start: fastify.start },
  { name: 'Express (latchkey.middleware)', start: express.start },
  { name: 'Hono on @hono/node-server (latchkey.fetch)', start: hono.start },
];
const password = 'correct horse battery';

/** A database with the user alice (id `user-alice`), as `latchkey users add alice` makes her. */
async function databaseWithAlice(kind: DatabaseKind): Promise<TestDatabase> {
  const database = await kind.create({ migrated: true });
  const storage = await openStorage({ url: database.url, sqliteSynchronous: 'full', poolSize: 2 });
  try {
    await storage.migrate();
    await createUser(storage.users, { username: 'alice', password }, { now: Date.now(), newId: () => 'user-alice' });
  } finally {
    await storage.close();
  }
  return database;
}

/** The whole flow against one host: its `describe` shares the host, the agent and the client between steps. */
function hostSuite(kind: DatabaseKind, host: Host): void {
  describe(host.name, { concurrency: 1 }, () => {
    let database: TestDatabase;
    let running: { url: string; close(): Promise<void> };
    let origin: string;
    let client: Client | undefined;
    /** Every request the SDK made, as `METHOD path status`. */
    const requests: string[] = [];
    const recordingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
      const response = await fetch(url, init);
      requests.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname} ${response.status}`);
      return response;
    };
    const provider = new AgentProvider({
      clientName: `Agent of ${host.name}`,
      redirectUrl: 'http://127.0.0.1:33418/callback',
      // Latchkey's sign-in and consent pages, over HTTP through the host.
      userAgent: async (authorizationUrl) => {
        assert.equal(`${authorizationUrl.origin}${authorizationUrl.pathname}`, `${origin}/auth/authorize`);
        assert.equal(authorizationUrl.searchParams.get('resource'), running.url, 'RFC 8707: the resource from the RFC 9728 metadata');
        const browser = new HttpBrowser(origin);
        const signIn = await browser.follow(await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`));
        assert.equal(signIn.status, 200, signIn.body);
        const consent = await browser.follow(await browser.submit(signIn, { username: 'alice', password }));
        assert.equal(consent.status, 200, consent.body);
        assert.match(consent.body, new RegExp(`data-testid="client-name">Agent of ${host.name.replace(/[()]/g, '\\$&')}<`));
        const done = await browser.submit(consent, { decision: 'allow' });
        assert.equal(done.status, 303, done.body);
        const back = new URL(done.location!);
        assert.equal(back.searchParams.get('iss'), `${origin}/auth`, 'RFC 9207');
        return back;
      },
    });
    const transport = () => new StreamableHTTPClientTransport(new URL(running.url), { authProvider: provider, fetch: recordingFetch });

    before(async () => {
      database = await databaseWithAlice(kind);
      running = await host.start({ port: await freePort(), database: database.url });
      origin = new URL(running.url).origin;
    });
    after(async () => {
      await client?.close();
      await running?.close();
      await database?.cleanup();
    });

    it('discovers Latchkey through RFC 9728 and RFC 8414, registers, and sends the user through sign-in and consent', async () => {
      const first = transport();
      await assert.rejects(new Client({ name: 'hosts-e2e', version: '1.0.0' }).connect(first), UnauthorizedError);
      assert.deepEqual(requests, [
        'POST /mcp 401',
        'GET /.well-known/oauth-protected-resource/mcp 200',
        'GET /.well-known/oauth-authorization-server/auth 200',
        'POST /auth/register 201',
      ]);
      assert.equal(provider.redirects, 1);
      assert.ok(provider.code, 'the consent page redirected back with a code');

      await first.finishAuth(provider.code);
      assert.equal(requests.at(-1), 'POST /auth/token 200');
      const access = decodeJwt(provider.saved!.access_token);
      assert.deepEqual([access.iss, access.aud, access.sub, access['client_id']], [`${origin}/auth`, running.url, 'user-alice', provider.client!.client_id]);
      assert.ok(provider.saved!.refresh_token, 'a refresh token came with it');
    });

    it('calls the whoami tool with the access token: the user and the client', async () => {
      client = new Client({ name: 'hosts-e2e', version: '1.0.0' });
      await client.connect(transport());
      assert.deepEqual(await whoami(client), { sub: 'user-alice', client_id: provider.client!.client_id, scope: 'mcp:tools' });
    });

    it('refreshes when the MCP server refuses the access token, and calls the tool again', async () => {
      const earlier = { ...provider.saved! };
      // As an expired token would be: a bad signature is refused with 401 invalid_token too.
      provider.saveTokens({ ...earlier, access_token: `${earlier.access_token.slice(0, -4)}AAAA` });
      const start = requests.length;

      assert.deepEqual(await whoami(client!), { sub: 'user-alice', client_id: provider.client!.client_id, scope: 'mcp:tools' });
      const seen = requests.slice(start);
      assert.equal(seen[0], 'POST /mcp 401');
      assert.ok(seen.includes('POST /auth/token 200'), seen.join('\n'));
      assert.equal(seen.at(-1), 'POST /mcp 200');
      assert.notEqual(provider.saved!.access_token, earlier.access_token);
      assert.notEqual(provider.saved!.refresh_token, earlier.refresh_token, 'the refresh token rotated');
      assert.equal(decodeJwt(provider.saved!.access_token).sub, 'user-alice');
      assert.equal(provider.redirects, 1, 'no new sign-in was needed');
    });
  });
}

// The hosts run side by side (each has its own port and database); each host's steps run in order.
forEachDatabase(
  (name, options, fn) => describe(name, { ...options, concurrency: true }, fn),
  (kind) => {
    for (const host of hosts) hostSuite(kind, host);
  },
);
