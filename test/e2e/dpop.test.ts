import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import * as oauth from 'oauth4webapi';
import { base64url, decodeJwt, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { startMcpServer, type RunningMcpServer } from '../../examples/mcp-server/server.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { createOperatorClient } from '../support/operator-client.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * DPoP (RFC 9449) end to end: oauth4webapi as the client (its `DPoP(client, keyPair)` handle signs the proofs and
 * keeps the server nonce), Latchkey on a real port, and examples/mcp-server (the resource-server helper) checking
 * the bound tokens, on both databases.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const alice = { username: 'alice', password: 'correct horse battery' };
const redirectUri = 'http://127.0.0.1:1/callback';
const scope = 'openid mcp:tools offline_access';
const mcpHeaders = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'dpop-e2e', version: '1' } },
});

type KeyPair = Awaited<ReturnType<typeof oauth.generateKeyPair>>;

/** A proof made by hand, to break one claim at a time. */
async function handProof(
  keys: KeyPair,
  claims: Record<string, unknown>,
  options: { jwk?: JWK; alg?: string; signWith?: KeyPair['privateKey'] } = {},
): Promise<string> {
  const jwk = options.jwk ?? (await exportJWK(keys.publicKey));
  return new SignJWT({ jti: crypto.randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg: options.alg ?? 'ES256', jwk })
    .sign(options.signWith ?? keys.privateKey);
}

const ath = (token: string) => createHash('sha256').update(token).digest('base64url');

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('DPoP with oauth4webapi, Latchkey and the MCP example server', () => {
    let server: ListeningTestServer;
    let mcp: RunningMcpServer;
    let as: oauth.AuthorizationServer;
    let resourceServer: { client: oauth.Client; auth: oauth.ClientAuth };

    before(async () => {
      server = await startListeningTestServer({ database: kind });
      await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
      const issuer = new URL(server.issuer);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));
      const own = await createOperatorClient(server, { client_name: 'Resource server' });
      resourceServer = { client: { client_id: own.client_id }, auth: oauth.ClientSecretBasic(own.client_secret) };
      mcp = await startMcpServer({ issuer: server.issuer });
    });
    after(async () => {
      await mcp?.close();
      await server?.close();
    });

    async function registerPublic(): Promise<oauth.Client> {
      const response = await oauth.dynamicClientRegistrationRequest(
        as,
        { client_name: 'DPoP e2e', redirect_uris: [redirectUri], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], token_endpoint_auth_method: 'none' },
        insecure,
      );
      return oauth.processDynamicClientRegistrationResponse(response);
    }

    /** Signs in and consents as alice; returns the callback URL, verifier and state. */
    async function authorize(client: oauth.Client) {
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: 'code',
        client_id: client.client_id,
        redirect_uri: redirectUri,
        scope,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier),
        code_challenge_method: 'S256',
        state,
        resource: mcp.resource,
      }).toString();
      const browser = new TestBrowser(server.app);
      const login = await browser.get(url.pathname + url.search);
      const consent = await browser.follow(await browser.submit(login, alice));
      const done = await browser.submit(consent, { decision: 'allow' });
      assert.equal(done.statusCode, 303, done.body);
      return { params: oauth.validateAuthResponse(as, client, new URL(String(done.headers.location)), state), codeVerifier };
    }

    /** Runs `request` and, when the server asks for a nonce, once more (oauth4webapi keeps the nonce it was sent). */
    async function withNonceRetry<T>(request: () => Promise<T>, sawNonceRequest?: { seen: boolean }): Promise<T> {
      try {
        return await request();
      } catch (error) {
        if (!oauth.isDPoPNonceError(error)) throw error;
        if (sawNonceRequest) sawNonceRequest.seen = true;
        return request();
      }
    }

    async function dpopTokens(client: oauth.Client, dpop: oauth.DPoPHandle, nonce?: { seen: boolean }) {
      const { params, codeVerifier } = await authorize(client);
      return withNonceRetry(async () => {
        const response = await oauth.authorizationCodeGrantRequest(as, client, oauth.None(), params, redirectUri, codeVerifier, {
          ...insecure,
          DPoP: dpop,
          additionalParameters: { resource: mcp.resource },
        });
        return oauth.processAuthorizationCodeResponse(as, client, response);
      }, nonce);
    }

    const refresh = (client: oauth.Client, refreshToken: string, dpop?: oauth.DPoPHandle) =>
      withNonceRetry(async () => {
        const response = await oauth.refreshTokenGrantRequest(as, client, oauth.None(), refreshToken, { ...insecure, ...(dpop ? { DPoP: dpop } : {}) });
        return oauth.processRefreshTokenResponse(as, client, response);
      });

    async function rejectsWith(promise: Promise<unknown>, error: string): Promise<void> {
      await assert.rejects(promise, (thrown: unknown) => {
        assert.ok(thrown instanceof oauth.ResponseBodyError, String(thrown));
        assert.equal(thrown.error, error, thrown.error_description);
        return true;
      });
    }

    it('advertises dpop_signing_alg_values_supported, asymmetric algorithms only', () => {
      const algs = as.dpop_signing_alg_values_supported ?? [];
      assert.ok(algs.includes('ES256') && algs.includes('EdDSA') && algs.includes('PS256'), String(algs));
      assert.ok(!algs.some((alg) => alg === 'none' || alg.startsWith('HS')));
    });

    it('binds the tokens to the key after the nonce dance: cnf.jkt, token_type DPoP, introspection and userinfo', async () => {
      const client = await registerPublic();
      const keys = await oauth.generateKeyPair('ES256');
      const dpop = oauth.DPoP(client, keys);
      const nonce = { seen: false };
      const tokens = await dpopTokens(client, dpop, nonce);
      assert.equal(nonce.seen, true, 'the first token request was answered use_dpop_nonce');
      assert.equal(tokens.token_type, 'dpop');
      const jkt = await dpop.calculateThumbprint();
      assert.deepEqual(decodeJwt(tokens.access_token)['cnf'], { jkt });

      const introspected = await oauth.processIntrospectionResponse(
        as,
        resourceServer.client,
        await oauth.introspectionRequest(as, resourceServer.client, resourceServer.auth, tokens.access_token, insecure),
      );
      assert.equal(introspected.active, true);
      assert.equal(introspected.token_type, 'DPoP');
      assert.deepEqual(introspected.cnf, { jkt });

      const userinfo = await oauth.processUserInfoResponse(as, client, 'user-alice', await oauth.userInfoRequest(as, client, tokens.access_token, { ...insecure, DPoP: dpop }));
      assert.equal(userinfo.sub, 'user-alice');
      const asBearer = await fetch(as.userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens.access_token}` } });
      assert.equal(asBearer.status, 401);
      assert.match(asBearer.headers.get('www-authenticate') ?? '', /^DPoP algs="[^"]*ES256[^"]*", error="invalid_token"/);
      const noProof = await fetch(as.userinfo_endpoint!, { headers: { authorization: `DPoP ${tokens.access_token}` } });
      assert.equal(noProof.status, 401);
      assert.equal(((await noProof.json()) as { error: string }).error, 'invalid_dpop_proof');
    });

    it("refreshes a public client's bound grant with the same key only; refused attempts do not retire the token", async () => {
      const client = await registerPublic();
      const dpop = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
      const tokens = await dpopTokens(client, dpop);
      const otherKey = oauth.DPoP(client, await oauth.generateKeyPair('ES256'));
      await rejectsWith(refresh(client, tokens.refresh_token!, otherKey), 'invalid_grant');
      await rejectsWith(refresh(client, tokens.refresh_token!), 'invalid_grant');
      const refreshed = await refresh(client, tokens.refresh_token!, dpop);
      assert.equal(refreshed.token_type, 'dpop');
      assert.deepEqual(decodeJwt(refreshed.access_token)['cnf'], { jkt: await dpop.calculateThumbprint() });
      assert.notEqual(refreshed.refresh_token, tokens.refresh_token);
    });

    it('answers use_dpop_nonce with a fresh DPoP-Nonce header, and a proof with it is taken', async () => {
      const keys = await generateKeyPair('ES256');
      const body = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: 'nobody' });
      const first = await fetch(as.token_endpoint!, { method: 'POST', body, headers: { dpop: await handProof(keys, { htm: 'POST', htu: as.token_endpoint }) } });
      assert.equal(first.status, 400);
      assert.equal(((await first.json()) as { error: string }).error, 'use_dpop_nonce');
      const nonce = first.headers.get('dpop-nonce');
      assert.ok(nonce);
      const second = await fetch(as.token_endpoint!, { method: 'POST', body, headers: { dpop: await handProof(keys, { htm: 'POST', htu: as.token_endpoint, nonce }) } });
      assert.notEqual(((await second.json()) as { error: string }).error, 'use_dpop_nonce', 'the proof passed; the request fails further on');
      assert.equal(second.headers.get('dpop-nonce'), nonce);
    });

    it('refuses bad proofs at /token with 400 invalid_dpop_proof, never a 500', async () => {
      const keys = await generateKeyPair('ES256');
      const nonce = (await fetch(as.token_endpoint!, { method: 'POST', headers: { dpop: 'x.y.z' } })).headers.get('dpop-nonce')!;
      const good = { htm: 'POST', htu: as.token_endpoint, nonce };
      const otherKeys = await generateKeyPair('ES256', { extractable: true });
      const secret = new TextEncoder().encode('k'.repeat(32));
      const hs256 = await new SignJWT({ ...good, jti: 'h', iat: Math.floor(Date.now() / 1000) })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: base64url.encode(secret) } as JWK })
        .sign(secret);
      const none = `${base64url.encode(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: await exportJWK(keys.publicKey) }))}.${base64url.encode(JSON.stringify({ ...good, jti: 'n', iat: Math.floor(Date.now() / 1000) }))}.`;
      const replayed = await handProof(keys, good);
      await fetch(as.token_endpoint!, { method: 'POST', headers: { dpop: replayed } });
      const cases: [string, string | string[]][] = [
        ['signed by another key than its jwk', await handProof(keys, good, { signWith: otherKeys.privateKey })],
        ['a private key in the jwk', await handProof(otherKeys, good, { jwk: await exportJWK(otherKeys.privateKey) })],
        ['alg none', none],
        ['HS256', hs256],
        ['iat far in the past', await handProof(keys, { ...good, iat: Math.floor(Date.now() / 1000) - 3600 })],
        ['iat far in the future', await handProof(keys, { ...good, iat: Math.floor(Date.now() / 1000) + 3600 })],
        ['another htu', await handProof(keys, { ...good, htu: `${server.issuer}/revoke` })],
        ['another htm', await handProof(keys, { ...good, htm: 'GET' })],
        ['a replayed jti', replayed],
        ['two DPoP headers', [await handProof(keys, good), await handProof(keys, good)]],
        ['garbage', 'garbage'],
        ['a JWT that is not JSON', 'e30.bm90IGpzb24.AAAA'],
        ['a key off its curve', await handProof(otherKeys, good, { jwk: { ...(await exportJWK(otherKeys.publicKey)), x: 'AAAA' } })],
        ['key_ops that forbid verifying', await handProof(otherKeys, good, { jwk: { ...(await exportJWK(otherKeys.publicKey)), key_ops: ['sign'] }, signWith: keys.privateKey })],
      ];
      for (const [what, proof] of cases) {
        const headers = new Headers();
        for (const value of typeof proof === 'string' ? [proof] : proof) headers.append('dpop', value);
        const response = await fetch(as.token_endpoint!, { method: 'POST', headers, body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x' }) });
        assert.equal(response.status, 400, what);
        assert.equal(((await response.json()) as { error: string }).error, 'invalid_dpop_proof', what);
      }
    });

    it('the MCP server accepts the bound token with a proof, and refuses it as Bearer, without proof, or with a wrong ath, htu, htm or a replayed jti', async () => {
      const client = await registerPublic();
      const keys = await oauth.generateKeyPair('ES256');
      const dpop = oauth.DPoP(client, keys);
      const { access_token: token } = await dpopTokens(client, dpop);

      const accepted = await oauth.protectedResourceRequest(token, 'POST', new URL(mcp.url), new Headers(mcpHeaders), initialize, { ...insecure, DPoP: dpop });
      assert.equal(accepted.status, 200, await accepted.clone().text());

      const send = (authorization: string, proof?: string) =>
        fetch(mcp.url, { method: 'POST', headers: { ...mcpHeaders, authorization, ...(proof ? { dpop: proof } : {}) }, body: initialize });
      const good = { htm: 'POST', htu: mcp.url, ath: ath(token) };
      const replayed = await handProof(keys, good);
      assert.equal((await send(`DPoP ${token}`, replayed)).status, 200, 'a hand-made proof is accepted');

      const refusals: [string, Response][] = [
        ['as a bearer token', await send(`Bearer ${token}`)],
        ['without a proof', await send(`DPoP ${token}`)],
        ['with a wrong ath', await send(`DPoP ${token}`, await handProof(keys, { ...good, ath: ath('another token') }))],
        ['with a wrong htu', await send(`DPoP ${token}`, await handProof(keys, { ...good, htu: `${mcp.url}/other` }))],
        ['with a wrong htm', await send(`DPoP ${token}`, await handProof(keys, { ...good, htm: 'GET' }))],
        ['with a replayed jti', await send(`DPoP ${token}`, replayed)],
        ['with a proof by another key', await send(`DPoP ${token}`, await handProof(await generateKeyPair('ES256'), good))],
        ['with a key off its curve', await send(`DPoP ${token}`, await handProof(keys, good, { jwk: { ...(await exportJWK(keys.publicKey)), x: 'AAAA' } }))],
      ];
      for (const [what, response] of refusals) {
        assert.equal(response.status, 401, what);
        assert.match(response.headers.get('www-authenticate') ?? '', /DPoP algs="[^"]*ES256[^"]*", error="(invalid_token|invalid_dpop_proof)"/, what);
        assert.match(response.headers.get('www-authenticate') ?? '', /^Bearer resource_metadata="/, `${what}: the Bearer challenge still leads to the metadata`);
      }
    });
  });
});
