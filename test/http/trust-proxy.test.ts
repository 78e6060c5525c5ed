import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { capturingLogger } from '../support/log-capture.js';
import { startTestServer, type TestServer } from '../support/server.js';

const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** A server whose client addresses (as logged) and request ids are observed for requests from `remoteAddress`. */
async function serverTrusting(trustProxy: unknown, overrides: Record<string, unknown> = {}) {
  const log = capturingLogger('info');
  const server = await startTestServer({ logger: log.logger, overrides: { trustProxy, ...overrides } });
  after(() => server.close());
  /** The client address the server took for a request from `peer` with this X-Forwarded-For, and its request id. */
  const seen = async (peer: string, forwardedFor?: string, requestId?: string) => {
    const headers: Record<string, string> = {};
    if (forwardedFor !== undefined) headers['x-forwarded-for'] = forwardedFor;
    if (requestId !== undefined) headers['x-request-id'] = requestId;
    const response = await server.app.inject({ method: 'GET', url: '/jwks.json', remoteAddress: peer, headers });
    const id = String(response.headers['x-request-id']);
    const line = log.lines.find((entry) => entry['reqId'] === id && entry.msg === 'request completed') as { req?: { remoteAddress?: string } } | undefined;
    return { ip: line?.req?.remoteAddress, id };
  };
  return { server, seen };
}

const register = (server: TestServer, peer: string, forwardedFor: string) =>
  server.app.inject({
    method: 'POST',
    url: '/register',
    remoteAddress: peer,
    headers: { 'x-forwarded-for': forwardedFor },
    payload: { client_name: 'Behind a proxy', redirect_uris: ['https://proxy.example/cb'] },
  });

describe('trustProxy: a list of trusted proxies', () => {
  it('takes the right-most X-Forwarded-For address that is not a trusted proxy', async () => {
    const { seen } = await serverTrusting('127.0.0.1,10.0.0.0/8');
    assert.equal((await seen('10.0.0.5', '198.51.100.66, 203.0.113.7')).ip, '203.0.113.7', 'the address the proxy saw, not the one the client wrote');
    assert.equal((await seen('10.0.0.5', '203.0.113.9, 10.0.0.2')).ip, '203.0.113.9', 'a chain of trusted proxies is skipped');
    assert.equal((await seen('::ffff:10.0.0.5', '203.0.113.10')).ip, '203.0.113.10', 'an IPv4-mapped peer matches the IPv4 range');
    assert.equal((await seen('127.0.0.1', '2001:db8::1')).ip, '2001:db8::1');
    assert.equal((await seen('198.51.100.1', '10.0.0.1, 203.0.113.7')).ip, '198.51.100.1', 'an untrusted peer is the client, whatever it forwards');
    assert.equal((await seen('10.0.0.5')).ip, '10.0.0.5', 'no header: the peer');
  });

  it('keeps an X-Request-Id only from a trusted proxy', async () => {
    const { seen } = await serverTrusting(['loopback', '10.0.0.0/8']);
    assert.equal((await seen('10.0.0.5', '203.0.113.7', 'edge-1')).id, 'edge-1');
    assert.equal((await seen('::1', '203.0.113.7', 'edge-2')).id, 'edge-2', 'loopback names ::1 too');
    assert.match((await seen('198.51.100.1', undefined, 'chosen-by-client')).id, uuid, 'a client does not choose the id of its log lines');
  });

  it('counts the per-IP registration limit by the real client: a forged left-most address does not escape it', async () => {
    const { server } = await serverTrusting('10.0.0.0/8', { 'registration.rateLimit.enabled': true, 'registration.rateLimit.points': 2 });
    for (let i = 0; i < 2; i++) assert.equal((await register(server, '10.0.0.5', `192.0.2.${i}, 203.0.113.7`)).statusCode, 201);
    assert.equal((await register(server, '10.0.0.5', '192.0.2.99, 203.0.113.7')).statusCode, 429, 'the same client, whatever it wrote first');
    assert.equal((await register(server, '10.0.0.5', '203.0.113.8')).statusCode, 201, 'another client behind the proxy has its own count');
  });
});

describe('trustProxy: true and false', () => {
  it('false: X-Forwarded-For and X-Request-Id are ignored', async () => {
    const { seen } = await serverTrusting(false);
    const { ip, id } = await seen('198.51.100.1', '203.0.113.7', 'chosen');
    assert.equal(ip, '198.51.100.1');
    assert.match(id, uuid);
  });

  it('true: trusts every hop, so the left-most address wins (which is why a list is preferred)', async () => {
    const { seen } = await serverTrusting(true);
    const { ip, id } = await seen('198.51.100.1', '192.0.2.1, 203.0.113.7', 'edge-3');
    assert.equal(ip, '192.0.2.1');
    assert.equal(id, 'edge-3');
  });
});
