// The end-to-end proof of the resource side: the MCP TypeScript SDK's own client, with an OAuthClientProvider,
// against examples/mcp-server protected by Latchkey, both on real ports.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { decodeJwt } from 'jose';
import { startMcpServer, type RunningMcpServer } from '../../examples/mcp-server/server.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { AgentProvider, whoami } from '../support/mcp-agent.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { freePort } from '../support/real-port.js';

describe('MCP TypeScript SDK client against examples/mcp-server and Latchkey', () => {
  let latchkey: TestServer;
  let issuer: string;
  let mcp: RunningMcpServer;
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  /** Every request the SDK made, as `METHOD path status`. */
  const requests: string[] = [];
  const provider = new AgentProvider({
    clientName: 'SDK e2e agent',
    redirectUrl: 'http://127.0.0.1:33418/callback',
    // Latchkey's login and consent pages, walked through inject().
    userAgent: async (authorizationUrl) => {
      assert.equal(authorizationUrl.origin, issuer);
      assert.equal(authorizationUrl.searchParams.get('resource'), mcp.resource, 'RFC 8707: the resource from the RFC 9728 metadata');
      const browser = new TestBrowser(latchkey.app);
      const login = await browser.get(`${authorizationUrl.pathname}${authorizationUrl.search}`);
      assert.equal(login.statusCode, 200, login.body);
      const consent = await browser.follow(await browser.submit(login, { username: 'alice', password: 'correct horse battery' }));
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /data-testid="client-name">SDK e2e agent</);
      const done = await browser.submit(consent, { decision: 'allow' });
      assert.equal(done.statusCode, 303, done.body);
      const back = new URL(String(done.headers.location));
      assert.equal(back.searchParams.get('iss'), issuer, 'RFC 9207');
      return back;
    },
  });

  const recordingFetch = async (url: string | URL, init?: RequestInit): Promise<Response> => {
    const response = await fetch(url, init);
    requests.push(`${init?.method ?? 'GET'} ${new URL(String(url)).pathname} ${response.status}`);
    return response;
  };
  let client: Client;
  async function connect(): Promise<Client> {
    const next = new Client({ name: 'latchkey-e2e', version: '1.0.0' });
    await next.connect(new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider, fetch: recordingFetch }));
    return next;
  }

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    latchkey = await startTestServer({ overrides: { issuer }, clock });
    await latchkey.app.listen({ host: '127.0.0.1', port });
    await createUser(latchkey.storage.users, { username: 'alice', password: 'correct horse battery' }, { now: Date.now(), newId: () => 'user-alice' });
    // The MCP server's own confidential client, created by the operator, to ask Latchkey whether a token was
    // revoked (RFC 7662): introspection is for resource servers an operator vouched for.
    const { client_id: clientId, client_secret: clientSecret } = await createOperatorClient(latchkey, { client_name: 'Example MCP server' });
    mcp = await startMcpServer({ issuer, clock, introspection: { endpoint: `${issuer}/introspect`, clientId, clientSecret } });
  });
  after(async () => {
    await client?.close();
    await mcp?.close();
    await latchkey?.close();
  });

  it('discovers Latchkey through RFC 9728, registers, and sends the user through login and consent', async () => {
    const transport = new StreamableHTTPClientTransport(new URL(mcp.url), { authProvider: provider, fetch: recordingFetch });
    await assert.rejects(new Client({ name: 'latchkey-e2e', version: '1.0.0' }).connect(transport), UnauthorizedError);
    assert.deepEqual(requests.slice(0, 4), [
      'POST /mcp 401',
      'GET /.well-known/oauth-protected-resource/mcp 200',
      'GET /.well-known/oauth-authorization-server 200',
      'POST /register 201',
    ]);
    assert.equal(typeof provider.client?.client_id, 'string');
    assert.equal(provider.redirects, 1);
    assert.ok(provider.code, 'the login and consent pages redirected back with a code');

    await transport.finishAuth(provider.code);
    assert.equal(requests.at(-1), 'POST /token 200');
    const access = decodeJwt(provider.saved!.access_token);
    assert.deepEqual([access.aud, access.sub, access['scope']], [mcp.resource, 'user-alice', 'mcp:tools']);
    assert.ok(provider.saved!.refresh_token);
  });

  it('calls a tool with the access token', async () => {
    client = await connect();
    assert.deepEqual(await whoami(client), { sub: 'user-alice', client_id: provider.client!.client_id, scope: 'mcp:tools' });
  });

  it('refreshes an expired access token when the MCP server answers 401, then retries the call', async () => {
    const before = { ...provider.saved! };
    offset += (latchkey.config.tokens.accessTokenTtlSeconds + 1) * 1000;
    const unauthorized = await fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${before.access_token}` } });
    assert.equal(unauthorized.status, 401);
    assert.match(unauthorized.headers.get('www-authenticate')!, /error="invalid_token", error_description="The access token expired\."/);

    assert.equal((await whoami(client)).sub, 'user-alice');
    assert.notEqual(provider.saved!.access_token, before.access_token);
    assert.notEqual(provider.saved!.refresh_token, before.refresh_token, 'the refresh token rotated');
    assert.ok(requests.includes('POST /token 200'));
    assert.equal(provider.redirects, 1, 'no new login was needed');
  });

  it('refuses the next tool call once the grant is revoked (RFC 7009, seen through RFC 7662)', async () => {
    // Revoking the refresh token revokes its grant, and with it the access token issued from it.
    const revoked = await fetch(`${issuer}/revoke`, {
      method: 'POST',
      body: new URLSearchParams({ token: provider.saved!.refresh_token!, token_type_hint: 'refresh_token', client_id: provider.client!.client_id }),
    });
    assert.equal(revoked.status, 200);
    offset += 31_000; // past the example server's introspection cache (30 s by default)

    const refused = await fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${provider.saved!.access_token}` } });
    assert.equal(refused.status, 401);
    assert.match(refused.headers.get('www-authenticate')!, /error="invalid_token", error_description="The access token was revoked\."/);

    provider.interactive = false;
    await assert.rejects(whoami(client), UnauthorizedError, 'the SDK cannot refresh either, and needs the user again');
    assert.equal(provider.redirects, 2);
  });

  it('answers 403 insufficient_scope to a token without mcp:tools', async () => {
    // Nobody gets a token without a user through open registration (there is no machine resource here at all).
    const robot = await latchkey.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Robot', grant_types: ['client_credentials'], token_endpoint_auth_method: 'client_secret_post', scope: 'mcp:resources' },
    });
    assert.equal(robot.statusCode, 400, robot.body);
    // A user's token for the MCP server, with a scope other than the one its tools need.
    const reader = await latchkey.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Reader', redirect_uris: ['https://reader.example/cb'], token_endpoint_auth_method: 'none', scope: 'mcp:resources' },
    });
    const { client_id } = reader.json() as { client_id: string };
    const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const browser = new TestBrowser(latchkey.app);
    const query = new URLSearchParams({ response_type: 'code', client_id, redirect_uri: 'https://reader.example/cb', code_challenge: challenge, code_challenge_method: 'S256', scope: 'mcp:resources', resource: mcp.resource });
    const login = await browser.get(`/authorize?${query}`);
    const consent = await browser.follow(await browser.submit(login, { username: 'alice', password: 'correct horse battery' }));
    const done = await browser.submit(consent, { decision: 'allow' });
    const code = new URL(String(done.headers.location)).searchParams.get('code')!;
    const issued = await fetch(`${issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id, redirect_uri: 'https://reader.example/cb', resource: mcp.resource }),
    });
    const { access_token: token, scope } = (await issued.json()) as { access_token: string; scope: string };
    assert.equal(scope, 'mcp:resources');
    const response = await fetch(mcp.url, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    assert.equal(response.status, 403);
    assert.equal(
      response.headers.get('www-authenticate'),
      `Bearer resource_metadata="${new URL(mcp.url).origin}/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="The access token lacks the scope mcp:tools.", scope="mcp:tools"`,
    );
  });
});
