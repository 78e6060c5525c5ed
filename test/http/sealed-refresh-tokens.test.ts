import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { retiredTokenMarginMs, sweepRetention } from '../../src/cleanup/retention.js';
import { sealedRefreshTokenKeyLength } from '../../src/ports/grants.js';
import { digestSecret } from '../../src/protocol/secrets.js';
import {
  openSealedRefreshToken,
  orderedRefreshToken,
  refreshTokenKey,
  refreshTokenSeal,
  sealedRefreshToken,
  type RefreshTokenSeal,
} from '../../src/protocol/token/refresh-token-key.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { refreshRequest, sealedGrant as makeSealedGrant, serverSeal as sealOf } from '../support/sealed-grant.js';
import { eventually } from './admin-fixtures.js';

const random = () => randomBytes(32).toString('base64url');
const seal = refreshTokenSeal(random());

describe('sealed refresh tokens', () => {
  const at = Date.UTC(2026, 11, 7, 12, 0, 0, 5);
  const grantId = randomUUID();

  it('say their issue time, grant and generation, under the MAC, in 99 base64url characters', () => {
    const token = sealedRefreshToken(seal, { issuedAt: at, grantId, generation: 41 }, random())!;
    assert.match(token, /^[A-Za-z0-9_-]{99}$/);
    assert.deepEqual(openSealedRefreshToken(seal, token), { issuedAt: at, grantId, generation: 41 });
    assert.equal(Buffer.from(token.slice(0, 8), 'base64url').readUIntBE(0, 6), at, 'the first 8 characters are the time, as before');
  });

  it('are stored under their time, `s` and their digest: 56 characters, a length no other key has', () => {
    const token = sealedRefreshToken(seal, { issuedAt: 0x0123_4567_89ab, grantId, generation: 0 }, random())!;
    const key = refreshTokenKey(token);
    assert.equal(key, `0123456789abs${digestSecret(token)}`);
    assert.equal(key.length, sealedRefreshTokenKeyLength);
    assert.notEqual(refreshTokenKey(orderedRefreshToken(at, random())).length, sealedRefreshTokenKeyLength);
    assert.notEqual(refreshTokenKey(random()).length, sealedRefreshTokenKeyLength);
    const times = [0, 1, 256, 2 ** 32, at, at + 1, 2 ** 48 - 1];
    const keys = times.map((t) => refreshTokenKey(sealedRefreshToken(seal, { issuedAt: t, grantId, generation: 3 }, random())!));
    assert.deepEqual([...keys].sort(), keys, 'ordered by issue time');
  });

  it('do not open when any character is changed, when the MAC key differs, or when not canonical', () => {
    const token = sealedRefreshToken(seal, { issuedAt: at, grantId, generation: 7 }, random())!;
    for (let position = 0; position < token.length; position++) {
      const altered = token.slice(0, position) + (token[position] === 'A' ? 'B' : 'A') + token.slice(position + 1);
      assert.equal(openSealedRefreshToken(seal, altered), undefined, `character ${position}`);
    }
    assert.equal(openSealedRefreshToken(refreshTokenSeal(random()), token), undefined, 'another server');
    // 74 bytes are 592 bits; the last character carries 2 bits that decoding drops. A variant differing only
    // there decodes to the same bytes, and must not pass for the token (nor be another key for it).
    const last = token.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = token.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    assert.deepEqual(Buffer.from(variant, 'base64url'), Buffer.from(token, 'base64url'));
    assert.equal(openSealedRefreshToken(seal, variant), undefined);
    assert.equal(openSealedRefreshToken(seal, token.slice(1)), undefined);
    assert.equal(openSealedRefreshToken(seal, '!'.repeat(99)), undefined);
  });

  it('are not made for a grant id that is not a UUID, nor a generation out of range', () => {
    assert.equal(sealedRefreshToken(seal, { issuedAt: at, grantId: 'grant-1', generation: 0 }, random()), undefined);
    assert.equal(sealedRefreshToken(seal, { issuedAt: at, grantId, generation: 2 ** 32 }, random()), undefined);
    assert.equal(sealedRefreshToken(seal, { issuedAt: at, grantId, generation: -1 }, random()), undefined);
    assert.throws(() => refreshTokenSeal('short'));
  });
});

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('retired refresh tokens deleted, still recognised', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    let serverSeal: RefreshTokenSeal;
    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { 'tokens.refreshReuseGraceSeconds': 0 } });
      await server.storage.users.createUser({ id: 'user-1', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
      serverSeal = await sealOf(server);
    });
    after(() => server.close());

    const post = (url: string, params: Record<string, string>) =>
      server.app.inject({ method: 'POST', url, payload: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const refresh = (clientId: string, token: string) => refreshRequest(server, clientId, token);

    const sealedGrant = () => makeSealedGrant(server, { seal: serverSeal, userId: 'user-1', now: clock.now(), lifetimeMs: 30 * 86_400_000 });

    /** Rotates `token` `times` times, an hour apart; resolves every token issued, oldest first. */
    async function rotate(clientId: string, token: string, times: number): Promise<string[]> {
      const tokens = [token];
      for (let n = 0; n < times; n++) {
        clock.advance(3_600_000);
        const response = await refresh(clientId, tokens.at(-1)!);
        assert.equal(response.statusCode, 200, response.body);
        tokens.push(response.json().refresh_token as string);
      }
      return tokens;
    }

    it('rotates to sealed successors, one generation apart', async () => {
      const start = clock.now();
      const { clientId, grantId, token } = await sealedGrant();
      const tokens = await rotate(clientId, token, 3);
      assert.deepEqual(
        tokens.map((t) => openSealedRefreshToken(serverSeal, t)),
        tokens.map((_, generation) => ({ issuedAt: start + generation * 3_600_000, grantId, generation })),
      );
    });

    it('keeps only the live token of a grant after the sweep, and a deleted retired one still revokes the grant', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const tokens = await rotate(clientId, token, 24);
      const live = tokens.at(-1)!;
      for (const retired of tokens.slice(0, -1)) assert.equal((await server.storage.grants.findRefreshToken(refreshTokenKey(retired)))?.used, true);
      clock.advance(retiredTokenMarginMs + 1000); // the sweep deletes what was retired before a margin (another instance's clock)
      const swept = await sweepRetention(server.storage, server.config, clock.now());
      assert.ok(swept.retired_refresh_tokens >= 24, `swept ${swept.retired_refresh_tokens}`); // and those of the tests before, on this server
      for (const retired of tokens.slice(0, -1)) assert.equal(await server.storage.grants.findRefreshToken(refreshTokenKey(retired)), undefined);
      assert.equal((await server.storage.grants.findRefreshToken(refreshTokenKey(live)))?.used, false, 'the live token stays');
      assert.deepEqual(await server.storage.grants.findRefreshFamily(grantId).then((f) => f?.newestGeneration), 24);

      // The attacker's copy of a token from a day ago, presented after the legitimate client rotated on:
      const reuse = await refresh(clientId, tokens[3]!);
      assert.equal(reuse.statusCode, 400);
      assert.equal(reuse.json().error, 'invalid_grant');
      assert.match(reuse.json().error_description, /revoked/);
      assert.notEqual((await server.storage.grants.findGrant(grantId))?.revokedAt, null, 'the grant is revoked');
      assert.equal((await refresh(clientId, live)).json().error, 'invalid_grant', 'and its live token with it');
      await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'grant.revoked', limit: 50 }),
        (events) => events.some((e) => e.data?.['grant_id'] === grantId && e.data?.['reason'] === 'refresh_token_reused'),
        'a grant.revoked event for the reuse',
      );
    });

    it('does not revoke for a forged token: another grant id under the old MAC, or a token sealed with another key', async () => {
      const victim = await sealedGrant();
      const victimTokens = await rotate(victim.clientId, victim.token, 2);
      await sweepRetention(server.storage, server.config, clock.now());
      const attacker = await sealedGrant();
      // The attacker's own token with the victim's grant id written over its own: the MAC no longer matches.
      const own = Buffer.from(attacker.token, 'base64url');
      own.write(victim.grantId.replaceAll('-', ''), 6, 16, 'hex');
      own.writeUInt32BE(0, 22);
      const spliced = own.toString('base64url');
      const forged = sealedRefreshToken(refreshTokenSeal(random()), { issuedAt: clock.now(), grantId: victim.grantId, generation: 0 }, random())!;
      for (const token of [spliced, forged]) {
        const response = await refresh(attacker.clientId, token);
        assert.equal(response.json().error, 'invalid_grant');
        assert.doesNotMatch(response.json().error_description, /revoked/);
        assert.equal((await post('/revoke', { token, token_type_hint: 'refresh_token', client_id: victim.clientId })).statusCode, 200);
      }
      assert.equal((await server.storage.grants.findGrant(victim.grantId))?.revokedAt, null, 'the victim keeps its grant');
      assert.equal((await refresh(victim.clientId, victimTokens.at(-1)!)).statusCode, 200, 'and its token works');
    });

    it('does not take an expired token of the newest generation, deleted by the sweep, for reuse', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const [, live] = await rotate(clientId, token, 1);
      clock.advance(31 * 86_400_000); // past the refresh token's lifetime: the sweep deletes even the live token
      await sweepRetention(server.storage, server.config, clock.now());
      assert.equal((await server.storage.grants.findRefreshFamily(grantId))?.newestGeneration, null);
      const response = await refresh(clientId, live!);
      assert.equal(response.json().error, 'invalid_grant');
      assert.doesNotMatch(response.json().error_description, /revoked/);
      assert.equal((await server.storage.grants.findGrant(grantId))?.revokedAt, null);
    });

    it('does not take an expired retired token for reuse, though its grant lives on', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const [, second] = await rotate(clientId, token, 1);
      clock.advance(29 * 86_400_000);
      const [, live] = await rotate(clientId, second!, 1);
      clock.advance(2 * 86_400_000); // the first token is now past its 30-day lifetime
      await sweepRetention(server.storage, server.config, clock.now());
      assert.equal(await server.storage.grants.findRefreshToken(refreshTokenKey(token)), undefined);
      const old = await refresh(clientId, token);
      assert.equal(old.json().error, 'invalid_grant');
      assert.doesNotMatch(old.json().error_description, /revoked/, 'a token leaked long ago ends no live grant');
      assert.equal((await post('/revoke', { token, client_id: clientId })).statusCode, 200);
      assert.equal((await server.storage.grants.findGrant(grantId))?.revokedAt, null);
      assert.equal((await refresh(clientId, live!)).statusCode, 200, 'the live token still refreshes');
      // The same token inside its lifetime would have revoked the grant: the refusal above is for its age alone.
      const recent = await sealedGrant();
      const [old2] = await rotate(recent.clientId, recent.token, 1);
      assert.match((await refresh(recent.clientId, old2!)).json().error_description, /revoked/);
    });

    it('revokes the grant when its client revokes a retired token the sweep deleted (RFC 7009)', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const [first, , live] = await rotate(clientId, token, 2);
      await sweepRetention(server.storage, server.config, clock.now());
      assert.equal(await server.storage.grants.findRefreshToken(refreshTokenKey(first!)), undefined);
      const other = await sealedGrant();
      assert.equal((await post('/revoke', { token: first!, client_id: other.clientId })).statusCode, 200);
      assert.equal((await server.storage.grants.findGrant(grantId))?.revokedAt, null, 'another client cannot revoke it');
      assert.equal((await post('/revoke', { token: first!, client_id: clientId })).statusCode, 200);
      assert.notEqual((await server.storage.grants.findGrant(grantId))?.revokedAt, null);
      assert.equal((await refresh(clientId, live!)).json().error, 'invalid_grant');
    });

    it('keeps retired tokens of the earlier formats until they expire', async () => {
      const registered = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'Old', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
      });
      const clientId = (registered.json() as { client_id: string }).client_id;
      const now = clock.now();
      const grants = [randomUUID(), randomUUID()];
      const old = [random(), orderedRefreshToken(now, random())];
      for (const [i, grantId] of grants.entries()) {
        await server.storage.grants.createGrant(
          { id: grantId, clientId, userId: 'user-1', scope: 'mcp:tools', resource: null, authTime: now, createdAt: now, revokedAt: null },
          { tokenDigest: refreshTokenKey(old[i]!), grantId, scope: 'mcp:tools', createdAt: now, expiresAt: now + 30 * 86_400_000 },
          null,
        );
        clock.advance(1000);
        const next = await refresh(clientId, old[i]!);
        assert.equal(next.json().refresh_token.length, 99, 'the successor is sealed');
      }
      clock.advance(86_400_000);
      await sweepRetention(server.storage, server.config, clock.now());
      for (const token of old) assert.equal((await server.storage.grants.findRefreshToken(refreshTokenKey(token)))?.used, true, 'kept: nothing else would recognise it');
    });
  });

  describe('retired sealed tokens within the reuse grace window', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { 'tokens.refreshReuseGraceSeconds': 60 } });
    });
    after(() => server.close());

    it('are kept (and reissued) during the window, deleted after it, and still recognised then', async () => {
      await server.storage.users.createUser({ id: 'user-2', username: 'bob', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
      const serverSeal = await sealOf(server);
      const { clientId, token: first } = await makeSealedGrant(server, { seal: serverSeal, userId: 'user-2', now: clock.now(), lifetimeMs: 86_400_000 });
      const post = (token: string) => refreshRequest(server, clientId, token);
      const second = (await post(first)).json().refresh_token as string;
      clock.advance(10_000);
      await sweepRetention(server.storage, server.config, clock.now());
      assert.equal((await server.storage.grants.findRefreshToken(refreshTokenKey(first)))?.used, true, 'kept within the window');
      const reissued = await post(first);
      assert.equal(reissued.statusCode, 200, 'a parallel refresh within the window is answered');
      const sibling = reissued.json().refresh_token as string;
      assert.equal(openSealedRefreshToken(serverSeal, sibling)?.generation, 1, 'beside the successor, of its generation');
      const third = (await post(second)).json().refresh_token as string;
      clock.advance(61_000);
      await sweepRetention(server.storage, server.config, clock.now());
      assert.equal((await server.storage.grants.findRefreshToken(refreshTokenKey(first)))?.used, true, 'kept for the margin past the window');
      clock.advance(retiredTokenMarginMs);
      await sweepRetention(server.storage, server.config, clock.now());
      assert.equal(await server.storage.grants.findRefreshToken(refreshTokenKey(first)), undefined, 'deleted after the window');
      assert.equal(await server.storage.grants.findRefreshToken(refreshTokenKey(sibling)), undefined);
      const reuse = await post(sibling);
      assert.match(reuse.json().error_description, /revoked/, 'the retired sibling is reuse');
      assert.equal((await post(third)).json().error, 'invalid_grant');
    });
  });
});
