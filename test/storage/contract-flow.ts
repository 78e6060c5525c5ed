import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AuthorizationCodeRecord, GrantRecord, RefreshTokenRecord } from '../../src/ports/grants.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind } from '../support/databases.js';
import { sampleClient } from './contract.js';
import { unique, withFreshStorage } from '../support/storage.js';


/** The authorization-flow half of the storage contract: codes, grants, refresh tokens, consents, revocations. */
export function storageFlowContract(kind: DatabaseKind): void {
  let storage: Storage;
  let clientId: string;
  let userId: string;
  withFreshStorage(kind, async (opened) => {
    storage = opened;
    const client = sampleClient();
    await storage.clients.insertClient(client);
    clientId = client.clientId;
    userId = unique('user');
    await storage.users.createUser({ id: userId, username: unique('name'), passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
  });

  const code = (overrides: Partial<AuthorizationCodeRecord> = {}): AuthorizationCodeRecord => ({
    codeDigest: unique('code'),
    clientId,
    userId,
    redirectUri: 'https://client.example/cb',
    codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    scope: 'openid mcp',
    resource: 'https://mcp.example/mcp',
    nonce: null,
    authTime: 1000,
    expiresAt: 61_000,
    ...overrides,
  });
  const grant = (overrides: Partial<GrantRecord> = {}): GrantRecord => ({
    id: unique('grant'),
    clientId,
    userId,
    scope: 'openid mcp',
    resource: 'https://mcp.example/mcp',
    authTime: 1000,
    createdAt: 2000,
    revokedAt: null,
    ...overrides,
  });
  const refresh = (grantId: string, overrides: Partial<RefreshTokenRecord> = {}): RefreshTokenRecord => ({
    tokenDigest: unique('rt'),
    grantId,
    scope: 'openid mcp',
    createdAt: 2000,
    expiresAt: 999_999,
    ...overrides,
  });

  it('redeems a code exactly once under concurrency, creating only the winning grant and its refresh token', async () => {
    const c = code();
    await storage.codes.insertCode(c);
    assert.deepEqual(await storage.codes.findCode(c.codeDigest), { code: c, usedAt: null, grantId: null });
    const attempts = Array.from({ length: 8 }, () => {
      const g = grant();
      return { g, t: refresh(g.id) };
    });
    const results = await Promise.all(attempts.map(({ g, t }) => storage.grants.redeemCode(c.codeDigest, 5000, g, t)));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = attempts[results.indexOf(true)]!;
    assert.deepEqual(await storage.codes.findCode(c.codeDigest), { code: c, usedAt: 5000, grantId: winner.g.id });
    assert.deepEqual(await storage.grants.findRefreshToken(winner.t.tokenDigest), { token: winner.t, used: false, grant: winner.g, generation: 0 });
    for (const loser of attempts.filter((a) => a !== winner)) {
      assert.equal(await storage.grants.findGrant(loser.g.id), undefined, 'a losing redemption writes nothing');
      assert.equal(await storage.grants.findRefreshToken(loser.t.tokenDigest), undefined);
    }
    assert.equal(await storage.codes.findCode('no-such-code'), undefined);
  });

  it('creates a grant with its first refresh token in one step', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    assert.deepEqual(await storage.grants.findGrant(g.id), g);
    assert.deepEqual(await storage.grants.findRefreshToken(t.tokenDigest), { token: t, used: false, grant: g, generation: 0 });
  });

  it('keeps the DPoP key a grant is bound to, through redemption, lookup and rotation', async () => {
    const c = code();
    await storage.codes.insertCode(c);
    const g = grant({ dpopJkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' });
    const t = refresh(g.id);
    assert.equal(await storage.grants.redeemCode(c.codeDigest, 5000, g, t), true);
    assert.deepEqual(await storage.grants.findGrant(g.id), g);
    assert.equal((await storage.grants.findRefreshToken(t.tokenDigest))?.grant.dpopJkt, g.dpopJkt);
    const rotation = await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 6000);
    assert.equal(rotation.status === 'rotated' && rotation.grant.dpopJkt, g.dpopJkt);
  });

  it('rotates a refresh token exactly once under concurrency; every other use is a reuse', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    const nexts = Array.from({ length: 6 }, () => refresh(g.id));
    const results = await Promise.all(nexts.map((next) => storage.grants.rotateRefreshToken(t.tokenDigest, next, 3000)));
    assert.equal(results.filter((r) => r.status === 'rotated').length, 1);
    assert.equal(results.filter((r) => r.status === 'reused').length, 5);
    const winner = nexts[results.findIndex((r) => r.status === 'rotated')]!;
    assert.equal((await storage.grants.findRefreshToken(winner.tokenDigest))?.used, false, 'the new token is stored unused');
    for (const loser of nexts.filter((x) => x !== winner)) assert.equal(await storage.grants.findRefreshToken(loser.tokenDigest), undefined);
    assert.deepEqual(await storage.grants.rotateRefreshToken('unknown', refresh(g.id), 1), { status: 'unknown' });
  });

  it('reissues every concurrent reuse within the grace window, beside the one rotation', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    const nexts = Array.from({ length: 8 }, () => refresh(g.id));
    const results = await Promise.all(nexts.map((next) => storage.grants.rotateRefreshToken(t.tokenDigest, next, 3000, 10_000)));
    assert.equal(results.filter((r) => r.status === 'rotated').length, 1);
    assert.equal(results.filter((r) => r.status === 'reissued').length, 7);
    for (const next of nexts) assert.equal((await storage.grants.findRefreshToken(next.tokenDigest))?.used, false, 'every answer holds a live token');
    // The next rotation of any of them retires the others: no second branch outlives it.
    const chosen = nexts[5]!;
    const successor = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(chosen.tokenDigest, successor, 20_000, 10_000)).status, 'rotated');
    for (const other of nexts.filter((x) => x !== chosen)) assert.equal((await storage.grants.findRefreshToken(other.tokenDigest))?.used, true);
    // A sibling retired by that rotation is reuse at once, even within the window: it was retired as of the
    // window's start, so no branch is reissued in turn and outlives the rotation.
    const branch = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(nexts[0]!.tokenDigest, branch, 21_000, 10_000)).status, 'reused');
    assert.equal(await storage.grants.findRefreshToken(branch.tokenDigest), undefined, 'nothing written');
    // The first token is two rotations old: reused even though it was retired within the window of a grace this long.
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 25_000, 100_000)).status, 'reused');
    // After the window, reused; nothing is written.
    const late = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(nexts[1]!.tokenDigest, late, 30_000, 10_000)).status, 'reused');
    assert.equal(await storage.grants.findRefreshToken(late.tokenDigest), undefined);
  });

  it('never reissues without a window, or for a revoked grant', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 3000, 10_000)).status, 'rotated');
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 3001, 0)).status, 'reused', 'a window of 0 is off');
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 3001)).status, 'reused', 'off by default');
    assert.equal(await storage.grants.revokeGrant(g.id, 3002), true);
    const next = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, next, 3003, 10_000)).status, 'reused');
    assert.equal(await storage.grants.findRefreshToken(next.tokenDigest), undefined);
  });

  // The token endpoint reads the token and its grant first, then rotates with the grant it read (`found`): the
  // store reads again only what can change in between. Each race below fails if that reading is dropped.
  it('answers a rotation with the revocation of its grant as of the rotation, not as the caller read it', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    const found = await storage.grants.findRefreshToken(t.tokenDigest);
    assert.ok(found);
    assert.equal(found.grant.revokedAt, null);
    assert.equal(await storage.grants.revokeGrant(g.id, 2500), true);
    const rotation = await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 3000, 0, found.grant);
    assert.equal(rotation.status, 'rotated');
    assert.deepEqual(rotation.status === 'rotated' && rotation.grant, { ...g, revokedAt: 2500 }, 'revoked in between');
  });

  it('answers reuse for a token another rotation used after the caller read it', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    const found = await storage.grants.findRefreshToken(t.tokenDigest);
    assert.ok(found);
    assert.equal(found.used, false);
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 3000, 0, found.grant)).status, 'rotated');
    const late = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, late, 3001, 0, found.grant)).status, 'reused');
    assert.equal(await storage.grants.findRefreshToken(late.tokenDigest), undefined, 'nothing written');
  });

  it('retires a branch reissued after the caller read the token it rotates', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    const next = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, next, 3000, 10_000)).status, 'rotated');
    const found = await storage.grants.findRefreshToken(next.tokenDigest);
    assert.ok(found);
    assert.equal(found.used, false);
    // A parallel refresh of the old token, within the window, branches the grant after `found` was read.
    const branch = refresh(g.id);
    assert.equal((await storage.grants.rotateRefreshToken(t.tokenDigest, branch, 3500, 10_000)).status, 'reissued');
    assert.equal((await storage.grants.rotateRefreshToken(next.tokenDigest, refresh(g.id), 4000, 10_000, found.grant)).status, 'rotated');
    assert.equal((await storage.grants.findRefreshToken(branch.tokenDigest))?.used, true, 'the branch is retired with the token rotated');
    assert.equal((await storage.grants.rotateRefreshToken(branch.tokenDigest, refresh(g.id), 4500, 10_000)).status, 'reused');
  });

  it("answers a rotation with the token's own grant when the caller passes another", async () => {
    const g = grant({ scope: 'mcp' });
    const t = refresh(g.id);
    await storage.grants.createGrant(g, t, null);
    const other = grant({ clientId: 'someone-else', revokedAt: null });
    const rotation = await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), 3000, 0, other);
    assert.deepEqual(rotation.status === 'rotated' && rotation.grant, g);
  });

  it('revokes a grant once', async () => {
    const g = grant();
    await storage.grants.createGrant(g, null, null);
    assert.equal(await storage.grants.revokeGrant(g.id, 7000), true);
    assert.equal(await storage.grants.revokeGrant(g.id, 8000), false);
    assert.equal((await storage.grants.findGrant(g.id))?.revokedAt, 7000);
  });

  it('remembers, updates and forgets consent', async () => {
    assert.equal(await storage.consents.findConsent(userId, clientId), undefined);
    await storage.consents.saveConsent(userId, clientId, { scope: 'openid', resources: {}, clientFingerprint: '' }, 1);
    const consent = { scope: 'openid mcp', resources: { 'https://mcp.example.com/mcp': 'openid mcp', 'https://as.example.com': 'openid' }, clientFingerprint: 'fp-1' };
    await storage.consents.saveConsent(userId, clientId, consent, 2);
    assert.deepEqual(await storage.consents.findConsent(userId, clientId), consent, 'the scopes per resource and the fingerprint round-trip');
    assert.equal(await storage.consents.deleteConsent(userId, clientId), true);
    assert.equal(await storage.consents.findConsent(userId, clientId), undefined);
  });

  it('records revoked access tokens idempotently', async () => {
    const jti = unique('jti');
    assert.equal(await storage.revokedAccessTokens.isAccessTokenRevoked(jti), false);
    await storage.revokedAccessTokens.revokeAccessToken(jti, 9000);
    await storage.revokedAccessTokens.revokeAccessToken(jti, 9000);
    assert.equal(await storage.revokedAccessTokens.isAccessTokenRevoked(jti), true);
  });

  it('removes every grant, token, code and consent of a deleted client', async () => {
    const client = sampleClient();
    await storage.clients.insertClient(client);
    const g = grant({ clientId: client.clientId });
    const t = refresh(g.id);
    const c = code({ clientId: client.clientId });
    await storage.codes.insertCode(c);
    await storage.grants.createGrant(g, t, null);
    await storage.consents.saveConsent(userId, client.clientId, { scope: 'openid', resources: {}, clientFingerprint: '' }, 1);
    assert.equal(await storage.clients.deleteClient(client.clientId), true);
    assert.equal(await storage.grants.findGrant(g.id), undefined);
    assert.equal(await storage.grants.findRefreshToken(t.tokenDigest), undefined);
    assert.equal(await storage.codes.findCode(c.codeDigest), undefined);
    assert.equal(await storage.consents.findConsent(userId, client.clientId), undefined);
  });
}

