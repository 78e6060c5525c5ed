// Hostile review of http-upstream.ts with a raw upstream that records what it receives and answers what the test
// chooses. These assert the behaviour the gateway promises, and fail at e7405d4.
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/users/users.js';
import { userToken } from '../support/gateway-token.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

const password = 'correct horse battery';
const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } };

describe('review: headers through the HTTP gateway', () => {
  let upstream: Server;
  let latchkey: ListeningTestServer;
  let url: string;
  let token: string;
  const received: IncomingHttpHeaders[] = [];
  let answerHeaders: string[] = [];
  let answerStatus = 200;

  before(async () => {
    upstream = createServer((request, response) => {
      received.push(request.headers);
      request.resume();
      request.on('end', () => {
        response.writeHead(answerStatus, ['content-type', 'application/json', ...answerHeaders]);
        response.end(JSON.stringify({ jsonrpc: '2.0', id: 1, result: {} }));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/mcp`;
    latchkey = await startListeningTestServer({ overrides: { 'gateway.upstream': upstreamUrl, 'gateway.rateLimit.enabled': false } });
    url = `${latchkey.issuer}/mcp`;
    await createUser(latchkey.storage.users, { username: 'mallory', password }, { now: Date.now(), newId: () => 'user-mallory' });
    token = (await userToken(latchkey, { resource: url, scope: 'mcp', username: 'mallory', password })).accessToken;
  });
  after(async () => {
    await latchkey?.close();
    upstream?.closeAllConnections();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  async function post(headers: Record<string, string>): Promise<Response> {
    received.length = 0;
    return fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers }, body: JSON.stringify(initialize) });
  }

  it('forwards no underscore twin of an identity or session header (CGI/WSGI/Rack upstreams read X_Latchkey_User as X-Latchkey-User)', async () => {
    const response = await post({ x_latchkey_user: 'user-alice', mcp_session_id: 'alices-upstream-session', x_forwarded_for: '10.0.0.1' });
    assert.equal(response.status, 200);
    const forwarded = Object.keys(received[0]!).filter((name) => /^(x_latchkey_|mcp_session_id|x_forwarded_)/.test(name));
    assert.deepEqual(forwarded, []);
  });

  it('forwards only the charset the gateway decoded the body with', async () => {
    await post({ 'content-type': 'application/json; charset=utf-7' });
    assert.doesNotMatch(String(received[0]!['content-type']), /utf-7/);
  });

  it('never relays an upstream Mcp-Session-Id unbound, even when the upstream repeats the header', async () => {
    answerHeaders = ['mcp-session-id', 'raw-one', 'mcp-session-id', 'raw-two'];
    const response = await post({});
    answerHeaders = [];
    assert.doesNotMatch(response.headers.get('mcp-session-id') ?? '', /raw-one|raw-two/);
  });

  it('relays no upstream challenge that would send the agent to another authorization server', async () => {
    answerHeaders = ['www-authenticate', 'Bearer resource_metadata="https://evil.example/.well-known/oauth-protected-resource"'];
    const response = await post({});
    answerHeaders = [];
    assert.doesNotMatch(response.headers.get('www-authenticate') ?? '', /evil\.example/);
  });

  it('answers 502 in its own words when the upstream answers with a redirect or a challenge of its own', async () => {
    for (const [status, headers] of [[302, ['location', 'https://evil.example/login']], [401, ['www-authenticate', 'Bearer realm="upstream"']]] as const) {
      answerStatus = status;
      answerHeaders = [...headers];
      const response = await post({});
      answerStatus = 200;
      answerHeaders = [];
      assert.equal(response.status, 502, String(status));
      assert.equal(response.headers.get('location'), null);
      assert.equal(response.headers.get('www-authenticate'), null);
      assert.deepEqual(await response.json(), { jsonrpc: '2.0', id: 1, error: { code: -32000, message: "The MCP server refused the gateway's request." } });
    }
  });

  it('forwards only what Streamable HTTP needs: no Accept-Encoding, no token, no cookie, the identity headers it sets', async () => {
    await post({ 'accept-encoding': 'gzip', cookie: 'a=b', 'x-latchkey-user': 'user-alice', 'mcp-protocol-version': '2025-06-18' });
    const seen = received[0]!;
    assert.equal(seen['accept-encoding'], undefined);
    assert.equal(seen['authorization'], undefined);
    assert.equal(seen['cookie'], undefined);
    assert.equal(seen['x-latchkey-user'], 'user-mallory');
    assert.equal(seen['mcp-protocol-version'], '2025-06-18');
    assert.equal(seen['content-type'], 'application/json');
    assert.equal(seen['x-forwarded-host'], new URL(latchkey.issuer).host);
  });
});
