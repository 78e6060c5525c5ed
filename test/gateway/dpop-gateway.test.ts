// DPoP (RFC 9449) through the gateway: a token bound to a key is accepted only with a fresh proof of that key
// for the gateway's URL, and never as a bearer token. oauth4webapi is the client, as an agent would use it.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { startHttpUpstream, type HttpUpstream } from '../support/mcp-upstream/http-server.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const alice = { username: 'alice', password: 'correct horse battery' };
const redirectUri = 'http://127.0.0.1:1/callback';
const initialize = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'dpop', version: '1' } } });
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };

/** Runs `request` and, when the server asks for a nonce, once more (oauth4webapi keeps the nonce it was sent). */
async function withNonceRetry<T>(request: () => Promise<T>): Promise<T> {
  try {
    return await request();
  } catch (error) {
    if (!oauth.isDPoPNonceError(error)) throw error;
    return request();
  }
}

describe('DPoP-bound tokens through the gateway', () => {
  let upstream: HttpUpstream;
  let latchkey: ListeningTestServer;
  let url: string;
  let dpop: oauth.DPoPHandle;
  let accessToken: string;

  before(async () => {
    upstream = await startHttpUpstream();
    latchkey = await startListeningTestServer({ overrides: { 'gateway.upstream': upstream.url, 'gateway.rateLimit.enabled': false } });
    url = `${latchkey.issuer}/mcp`;
    await createUser(latchkey.storage.users, alice, { now: Date.now(), newId: () => 'user-alice' });
    const issuer = new URL(latchkey.issuer);
    const as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
    const client: oauth.Client = await oauth.processDynamicClientRegistrationResponse(
      await oauth.dynamicClientRegistrationRequest(as, { client_name: 'DPoP agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' }, insecure),
    );
    const codeVerifier = oauth.generateRandomCodeVerifier();
    const state = oauth.generateRandomState();
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope: 'mcp',
      code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      resource: url,
    });
    const browser = new TestBrowser(latchkey.app);
    const consent = await browser.follow(await browser.submit(await browser.get(`/authorize?${query}`), alice));
    const done = await browser.submit(consent, { decision: 'allow' });
    const params = oauth.validateAuthResponse(as, client, new URL(String(done.headers.location)), state);
    dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
    const tokens = await withNonceRetry(async () =>
      oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, codeVerifier, { ...insecure, DPoP: dpop, additionalParameters: { resource: url } }),
      ),
    );
    assert.equal(tokens.token_type, 'dpop');
    accessToken = tokens.access_token;
  });
  after(async () => {
    await latchkey?.close();
    await upstream?.close();
  });

  it('forwards a request with the bound token and a proof for the gateway, without the token or the proof', async () => {
    const response = await oauth.protectedResourceRequest(accessToken, 'POST', new URL(url), new Headers(mcpHeaders), initialize, { ...insecure, DPoP: dpop });
    assert.equal(response.status, 200, await response.clone().text());
    assert.match(await response.text(), /"serverInfo"/);
    const seen = upstream.received.at(-1)!.headers;
    assert.equal(seen['x-latchkey-user'], 'user-alice');
    assert.equal(seen['authorization'], undefined);
    assert.equal(seen['dpop'], undefined);
  });

  it('refuses the bound token as a bearer token, every time (it is never remembered as verified)', async () => {
    for (let i = 0; i < 2; i += 1) {
      const response = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: `Bearer ${accessToken}` }, body: initialize });
      assert.equal(response.status, 401);
      assert.match(response.headers.get('www-authenticate')!, /invalid_token/);
    }
  });

  it('refuses a proof made for another URL, and a proof sent twice', async () => {
    let captured: Record<string, string> = {};
    const recording = async (input: string, init: oauth.CustomFetchOptions<string, oauth.ProtectedResourceRequestBody>) => {
      captured = { ...init.headers };
      // A string body: protectedResourceRequest was given one.
      return fetch(input, { method: init.method, headers: init.headers, body: init.body as string, redirect: init.redirect });
    };
    // A proof for another URL of the same server (htu), presented at the gateway.
    const other = await oauth.protectedResourceRequest(accessToken, 'POST', new URL(`${latchkey.issuer}/elsewhere`), new Headers(mcpHeaders), initialize, { ...insecure, DPoP: dpop, [oauth.customFetch]: recording });
    await other.body?.cancel();
    const misdirected = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: captured['authorization']!, dpop: captured['dpop']! }, body: initialize });
    assert.equal(misdirected.status, 401);
    assert.match(misdirected.headers.get('www-authenticate')!, /DPoP .*error="invalid_dpop_proof"/);
    // A proof for the gateway, captured and replayed: the second use is refused.
    const first = await oauth.protectedResourceRequest(accessToken, 'POST', new URL(url), new Headers(mcpHeaders), initialize, { ...insecure, DPoP: dpop, [oauth.customFetch]: recording });
    assert.equal(first.status, 200);
    await first.body?.cancel();
    const replayed = await fetch(url, { method: 'POST', headers: { ...mcpHeaders, authorization: captured['authorization']!, dpop: captured['dpop']! }, body: initialize });
    assert.equal(replayed.status, 401);
    assert.match(replayed.headers.get('www-authenticate')!, /DPoP .*error="invalid_dpop_proof"/);
  });
});
