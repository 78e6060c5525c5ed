import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/protocol/secrets.js';
import { orderedRefreshToken, refreshTokenKey } from '../../src/protocol/token/refresh-token-key.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const random = () => randomBytes(32).toString('base64url');

describe('refresh token keys ordered by issue time', () => {
  it('makes a 51-character base64url token whose first 8 characters are its issue time', () => {
    const at = Date.UTC(2026, 11, 7, 12, 0, 0, 123);
    const token = orderedRefreshToken(at, random());
    assert.match(token, /^[A-Za-z0-9_-]{51}$/);
    assert.equal(Buffer.from(token.slice(0, 8), 'base64url').readUIntBE(0, 6), at);
  });

  it('stores a token under its issue time in hexadecimal and its SHA-256 digest, never the token', () => {
    const token = orderedRefreshToken(0x0123_4567_89ab, random());
    const key = refreshTokenKey(token);
    assert.equal(key, `0123456789ab${digestSecret(token)}`);
    assert.ok(!key.includes(token.slice(8)), 'the random part is not in the key');
  });

  it('orders keys as their issue times, across every byte of the time', () => {
    const times = [0, 1, 255, 256, 65_535, 65_536, 2 ** 32 - 1, 2 ** 32, Date.UTC(2026, 0, 1), Date.UTC(2026, 0, 1) + 1, Date.UTC(2099, 0, 1), 2 ** 48 - 1];
    for (let n = 0; n < 500; n++) times.push(Math.floor(Math.random() * 2 ** 48));
    const keys = times.map((at) => ({ at, key: refreshTokenKey(orderedRefreshToken(at, random())) }));
    const byKey = [...keys].sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0)).map((k) => k.at);
    const byTime = [...keys].sort((a, b) => a.at - b.at).map((k) => k.at);
    assert.deepEqual(byKey, byTime);
  });

  it('gives tokens of the same millisecond distinct keys, and a token altered in any character another key', () => {
    const at = Date.UTC(2026, 5, 1);
    const token = orderedRefreshToken(at, random());
    assert.notEqual(refreshTokenKey(orderedRefreshToken(at, random())), refreshTokenKey(token));
    for (const position of [0, 7, 8, 30, 50]) {
      const altered = token.slice(0, position) + (token[position] === 'A' ? 'B' : 'A') + token.slice(position + 1);
      assert.notEqual(refreshTokenKey(altered), refreshTokenKey(token), `character ${position}`);
    }
  });

  it('keys a token of the earlier format (43 characters) and any other string by its digest alone', () => {
    const legacy = random();
    assert.equal(refreshTokenKey(legacy), digestSecret(legacy));
    assert.equal(refreshTokenKey(''), digestSecret(''));
    // 51 characters that are not base64url still give a key, of another length than any issued token's.
    const junk = '!'.repeat(8) + random();
    assert.equal(junk.length, 51);
    assert.notEqual(refreshTokenKey(junk).length, refreshTokenKey(orderedRefreshToken(Date.now(), random())).length);
  });
});

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('refresh tokens issued before ordered keys', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind, clock });
      await server.storage.users.createUser({ id: 'user-1', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
    });
    after(() => server.close());

    /** A public client and a grant whose refresh token was stored by its digest, as before this format. */
    async function legacyGrant() {
      const registered = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'C', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
      });
      const clientId = (registered.json() as { client_id: string }).client_id;
      const grantId = `grant-${random()}`;
      const token = random();
      const now = clock.now();
      await server.storage.grants.createGrant(
        { id: grantId, clientId, userId: 'user-1', scope: 'mcp:tools', resource: null, authTime: now, createdAt: now, revokedAt: null },
        { tokenDigest: digestSecret(token), grantId, scope: 'mcp:tools', createdAt: now, expiresAt: now + 3_600_000 },
        null,
      );
      return { clientId, token };
    }
    const post = (url: string, params: Record<string, string>) =>
      server.app.inject({ method: 'POST', url, payload: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const refresh = (clientId: string, token: string) => post('/token', { grant_type: 'refresh_token', refresh_token: token, client_id: clientId });

    it('still refreshes, with a successor in the new format, and a reuse still revokes the grant', async () => {
      const { clientId, token } = await legacyGrant();
      const first = await refresh(clientId, token);
      assert.equal(first.statusCode, 200, first.body);
      const next = first.json().refresh_token as string;
      assert.equal(next.length, 51);
      assert.equal(Buffer.from(next.slice(0, 8), 'base64url').readUIntBE(0, 6), clock.now());
      const stored = await server.storage.grants.findRefreshToken(refreshTokenKey(next));
      assert.equal(stored?.used, false);
      clock.advance(60_000); // past the reuse grace window
      assert.equal((await refresh(clientId, token)).json().error, 'invalid_grant', 'the old token again is reuse');
      assert.equal((await refresh(clientId, next)).json().error, 'invalid_grant', 'which revoked the grant');
      assert.notEqual((await server.storage.grants.findRefreshToken(refreshTokenKey(next)))?.grant.revokedAt, null);
    });

    it('revokes an earlier-format token at the revocation endpoint', async () => {
      const { clientId, token } = await legacyGrant();
      assert.equal((await post('/revoke', { token, token_type_hint: 'refresh_token', client_id: clientId })).statusCode, 200);
      assert.notEqual((await server.storage.grants.findRefreshToken(digestSecret(token)))?.grant.revokedAt, null);
      assert.equal((await refresh(clientId, token)).json().error, 'invalid_grant');
    });

    it('does not take a new-format token with its time part changed, nor its random part', async () => {
      const { clientId, token } = await legacyGrant();
      const next = (await refresh(clientId, token)).json().refresh_token as string;
      const otherTime = orderedRefreshToken(clock.now() + 1, next.slice(8));
      assert.equal((await refresh(clientId, otherTime)).json().error, 'invalid_grant');
      const otherRandom = next.slice(0, 8) + random();
      assert.equal((await refresh(clientId, otherRandom)).json().error, 'invalid_grant');
      // Neither attempt touched the grant: the real token still refreshes.
      assert.equal((await refresh(clientId, next)).statusCode, 200);
    });
  });
});
