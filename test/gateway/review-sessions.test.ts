// Hostile review of stdio-bridge.ts: one self-registered user can take every stdio session. Fails at e7405d4.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createUser } from '../../src/users/users.js';
import { userToken } from '../support/gateway-token.js';
import { bundleStdioServer } from '../support/mcp-upstream/bundle.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

const password = 'correct horse battery';
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } } });

describe('review: stdio sessions are shared by all users', () => {
  let bundle: Awaited<ReturnType<typeof bundleStdioServer>>;
  let latchkey: ListeningTestServer;
  let url: string;

  before(async () => {
    bundle = await bundleStdioServer();
    process.env['NODE_COMPILE_CACHE'] = bundle.env['NODE_COMPILE_CACHE'];
    latchkey = await startListeningTestServer({
      overrides: { 'gateway.command': [process.execPath, bundle.file], 'gateway.childEnv': ['NODE_COMPILE_CACHE'], 'gateway.maxSessions': 3, 'gateway.maxSessionsPerUser': 2 },
    });
    url = `${latchkey.issuer}/mcp`;
    for (const name of ['mallory', 'alice']) await createUser(latchkey.storage.users, { username: name, password }, { now: Date.now(), newId: () => `user-${name}` });
  });
  after(async () => {
    await latchkey?.close();
    delete process.env['NODE_COMPILE_CACHE'];
    await bundle?.cleanup();
  });

  it('refuses a user more than maxSessionsPerUser sessions (429), so another user still gets one of maxSessions', async () => {
    const mallory = await userToken(latchkey, { resource: url, scope: 'mcp', username: 'mallory', password });
    const alice = await userToken(latchkey, { resource: url, scope: 'mcp', username: 'alice', password });
    const open = (token: string) => fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${token}` }, body: initialize });
    for (let i = 0; i < 2; i++) {
      const taken = await open(mallory.accessToken);
      assert.equal(taken.status, 200);
      await taken.text();
    }
    const third = await open(mallory.accessToken);
    assert.equal(third.status, 429);
    assert.match(third.headers.get('retry-after') ?? '', /^\d+$/);
    assert.equal(((await third.json()) as { error: { code: number } }).error.code, -32029);
    const other = await open(alice.accessToken);
    await other.text();
    assert.equal(other.status, 200, 'alice gets a session');
  });
});
