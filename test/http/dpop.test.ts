import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { digestSecret } from '../../src/protocol/secrets.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const issuer = 'https://as.example.com';
const form = (params: Record<string, string>) => new URLSearchParams(params).toString();
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`).toString('base64')}`;

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('DPoP at /token without server nonces, and at /userinfo', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    let n = 0;

    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { issuer, 'tokens.dpopNonce': false } });
      await server.storage.users.createUser({ id: 'user-1', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
    });
    after(() => server.close());

    async function proof(keys: Awaited<ReturnType<typeof generateKeyPair>>, claims: Record<string, unknown> = {}) {
      return new SignJWT({ jti: `jti-${++n}`, htm: 'POST', htu: `${issuer}/token`, iat: Math.floor(clock.now() / 1000), ...claims })
        .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk: await exportJWK(keys.publicKey) })
        .sign(keys.privateKey);
    }

    /** A confidential client with a grant and a refresh token, stored as a code exchange leaves them. */
    async function confidentialGrant() {
      const registered = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'C', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'client_secret_basic' },
      });
      const client = registered.json() as { client_id: string; client_secret: string };
      const grantId = `grant-${++n}`;
      const token = `refresh-${n}-${'x'.repeat(32)}`;
      const now = clock.now();
      await server.storage.grants.createGrant(
        { id: grantId, clientId: client.client_id, userId: 'user-1', scope: 'openid', resource: null, authTime: now, createdAt: now, revokedAt: null },
        { tokenDigest: digestSecret(token), grantId, scope: 'openid', createdAt: now, expiresAt: now + 3_600_000 },
        null,
      );
      return { client, token };
    }

    async function refresh(client: { client_id: string; client_secret: string }, token: string, dpop?: string) {
      const response = await server.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(client.client_id, client.client_secret), ...(dpop ? { dpop } : {}) },
        payload: form({ grant_type: 'refresh_token', refresh_token: token }),
      });
      assert.equal(response.statusCode, 200, response.body);
      return response.json() as { access_token: string; token_type: string; refresh_token: string };
    }

    it('takes a proof without a nonce when tokens.dpopNonce is off, and sends no DPoP-Nonce', async () => {
      const keys = await generateKeyPair('ES256');
      const response = await server.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: await proof(keys) },
        payload: form({ grant_type: 'refresh_token', refresh_token: 'unknown', client_id: 'nobody' }),
      });
      assert.notEqual(response.json().error, 'use_dpop_nonce');
      assert.notEqual(response.json().error, 'invalid_dpop_proof');
      assert.equal(response.headers['dpop-nonce'], undefined);
    });

    it("does not bind a confidential client's refresh token: each refresh binds its access token to the key it proves, or none", async () => {
      const { client, token } = await confidentialGrant();
      const [a, b] = [await generateKeyPair('ES256'), await generateKeyPair('ES256')];
      const first = await refresh(client, token, await proof(a));
      assert.equal(first.token_type, 'DPoP');
      const second = await refresh(client, first.refresh_token, await proof(b));
      assert.equal(second.token_type, 'DPoP');
      assert.notDeepEqual(decodeJwt(second.access_token)['cnf'], decodeJwt(first.access_token)['cnf'], 'bound to the other key');
      const third = await refresh(client, second.refresh_token);
      assert.equal(third.token_type, 'Bearer');
      assert.equal(decodeJwt(third.access_token)['cnf'], undefined);
    });

    it('answers /userinfo with a DPoP challenge: bad proof (invalid_dpop_proof), bound token as Bearer, unbound token as DPoP', async () => {
      const { client, token } = await confidentialGrant();
      const keys = await generateKeyPair('ES256');
      const bound = await refresh(client, token, await proof(keys));
      const unbound = await refresh(client, bound.refresh_token);
      const userinfo = `${issuer}/userinfo`;
      const ath = (t: string) => createHash('sha256').update(t).digest('base64url');
      const cases: [string, Record<string, string>, string][] = [
        ['garbage proof', { authorization: `DPoP ${bound.access_token}`, dpop: 'garbage' }, 'invalid_dpop_proof'],
        ['proof for POST', { authorization: `DPoP ${bound.access_token}`, dpop: await proof(keys, { htu: userinfo, ath: ath(bound.access_token) }) }, 'invalid_dpop_proof'],
        ['bound token as Bearer', { authorization: `Bearer ${bound.access_token}` }, 'invalid_token'],
        ['unbound token as DPoP', { authorization: `DPoP ${unbound.access_token}`, dpop: await proof(keys, { htm: 'GET', htu: userinfo, ath: ath(unbound.access_token) }) }, 'invalid_token'],
      ];
      for (const [what, headers, error] of cases) {
        const response = await server.app.inject({ method: 'GET', url: '/userinfo', headers });
        assert.equal(response.statusCode, 401, what);
        assert.equal(response.json().error, error, what);
        assert.match(String(response.headers['www-authenticate']), /^DPoP algs="[^"]+", error="/, what);
      }
      const ok = await server.app.inject({
        method: 'GET',
        url: '/userinfo',
        headers: { authorization: `DPoP ${bound.access_token}`, dpop: await proof(keys, { htm: 'GET', htu: userinfo, ath: ath(bound.access_token) }) },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().sub, 'user-1');
    });
  });
});

