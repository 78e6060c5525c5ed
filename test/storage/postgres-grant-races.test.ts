import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { loadConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { GrantRecord, RefreshTokenRecord } from '../../src/ports/grants.js';
import type { Storage } from '../../src/ports/storage.js';
import { createUser } from '../../src/users/users.js';
import { postgresKind, postgresUrl, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';

/**
 * On PostgreSQL a batch of code redemptions, or of rotations, is one statement, and several run at once on
 * different connections (and instances): these races are between statements, not within one batch. Four storages
 * (as four instances would) share one database.
 */
describe('PostgreSQL: concurrent token writes across connections and instances', { skip: postgresUrl ? false : 'TEST_DATABASE_URL is not set' }, () => {
  let database: TestDatabase;
  let storages: Storage[];
  let raw: pg.Client;
  const now = Date.UTC(2026, 0, 1);

  const grant = (overrides: Partial<GrantRecord> = {}): GrantRecord => ({
    id: randomUUID(),
    clientId: 'client-x',
    userId: 'user-bob',
    scope: 'mcp',
    resource: null,
    authTime: now,
    createdAt: now,
    revokedAt: null,
    ...overrides,
  });
  const refresh = (grantId: string): RefreshTokenRecord => ({ tokenDigest: `rt-${randomUUID()}`, grantId, scope: 'mcp', createdAt: now, expiresAt: now + 86_400_000 });
  const code = async () => {
    const codeDigest = `code-${randomUUID()}`;
    await storages[0]!.codes.insertCode({ codeDigest, clientId: 'client-x', userId: 'user-bob', redirectUri: 'https://a.example/cb', codeChallenge: 'c', scope: 'mcp', resource: null, nonce: null, authTime: now, expiresAt: now + 60_000 });
    return codeDigest;
  };
  const count = async (table: string, where: string, value: string) => Number((await raw.query(`SELECT count(*) AS n FROM ${table} WHERE ${where} = $1`, [value])).rows[0].n);

  before(async () => {
    database = await postgresKind.create();
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url, 'database.poolSize': 4 } }).database;
    storages = await Promise.all(Array.from({ length: 4 }, () => openStorage(config)));
    await storages[0]!.migrate();
    await createUser(storages[0]!.users, { username: 'bob', password: 'correct horse battery' }, { now, newId: () => 'user-bob' });
    await storages[0]!.clients.insertClient(sampleClient({ clientId: 'client-x' }));
    raw = new pg.Client({ connectionString: database.url });
    await raw.connect();
  });
  after(async () => {
    await raw.end();
    await Promise.all(storages.map((storage) => storage.close()));
    await database.cleanup();
  });

  it('rotates one token exactly once among 20 concurrent rotations on four instances; the rest are reuses', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storages[0]!.grants.createGrant(g, t, null);
    const nexts = Array.from({ length: 20 }, () => refresh(g.id));
    const results = await Promise.all(nexts.map((next, i) => storages[i % 4]!.grants.rotateRefreshToken(t.tokenDigest, next, now + 1000)));
    assert.equal(results.filter((r) => r.status === 'rotated').length, 1);
    assert.equal(results.filter((r) => r.status === 'reused').length, 19);
    const winner = nexts[results.findIndex((r) => r.status === 'rotated')]!;
    assert.deepEqual(await storages[1]!.grants.findRefreshToken(winner.tokenDigest), { token: winner, used: false, grant: g, generation: 1 });
    assert.equal(await count('refresh_tokens', 'grant_id', g.id), 2, 'the token and its one successor');
    assert.equal((await raw.query('SELECT generation FROM refresh_tokens WHERE token_digest = $1', [winner.tokenDigest])).rows[0].generation, 1);
  });

  it('reissues the concurrent losers within the grace window, on four instances, beside exactly one rotation', async () => {
    const g = grant();
    const t = refresh(g.id);
    await storages[0]!.grants.createGrant(g, t, null);
    const nexts = Array.from({ length: 12 }, () => refresh(g.id));
    const results = await Promise.all(nexts.map((next, i) => storages[i % 4]!.grants.rotateRefreshToken(t.tokenDigest, next, now + 1000, 10_000)));
    assert.equal(results.filter((r) => r.status === 'rotated').length, 1);
    assert.equal(results.filter((r) => r.status === 'reissued').length, 11);
    // The grant is branched now: its next rotation takes the general path and retires every sibling.
    const chosen = nexts[3]!;
    assert.equal((await storages[2]!.grants.rotateRefreshToken(chosen.tokenDigest, refresh(g.id), now + 2000, 10_000)).status, 'rotated');
    assert.equal(Number((await raw.query('SELECT count(*) AS n FROM refresh_tokens WHERE grant_id = $1 AND used_ms IS NULL', [g.id])).rows[0].n), 1);
    assert.equal((await raw.query('SELECT branched FROM grants WHERE id = $1', [g.id])).rows[0].branched, 0);
  });

  it('answers each token of a mixed batch: rotated, reused, unknown, revoked grant (rotated; the caller refuses it)', async () => {
    const [a, b, c] = [grant(), grant(), grant({ revokedAt: now })];
    const [ta, tb, tc] = [refresh(a.id), refresh(b.id), refresh(c.id)];
    for (const [g, t] of [[a, ta], [b, tb], [c, tc]] as const) await storages[0]!.grants.createGrant(g, t, null);
    assert.equal((await storages[0]!.grants.rotateRefreshToken(tb.tokenDigest, refresh(b.id), now + 10)).status, 'rotated');
    const results = await Promise.all([
      storages[0]!.grants.rotateRefreshToken(ta.tokenDigest, refresh(a.id), now + 20),
      storages[0]!.grants.rotateRefreshToken(tb.tokenDigest, refresh(b.id), now + 20),
      storages[0]!.grants.rotateRefreshToken('rt-unknown', refresh(a.id), now + 20),
      storages[0]!.grants.rotateRefreshToken(tc.tokenDigest, refresh(c.id), now + 20),
    ]);
    assert.deepEqual(
      results.map((r) => r.status),
      ['rotated', 'reused', 'unknown', 'rotated'],
    );
    assert.deepEqual(results[0], { status: 'rotated', token: ta, grant: a });
    assert.equal(results[3]!.status === 'rotated' && results[3]!.grant.revokedAt, now);
  });

  it('leaves a token to the rotation that locked it first: reused once that one commits, rotated if it rolls back', async () => {
    for (const outcome of ['COMMIT', 'ROLLBACK'] as const) {
      const g = grant();
      const t = refresh(g.id);
      await storages[0]!.grants.createGrant(g, t, null);
      await raw.query('BEGIN');
      await raw.query('UPDATE refresh_tokens SET used_ms = $1 WHERE token_digest = $2 AND used_ms IS NULL', [now + 5, t.tokenDigest]);
      const next = refresh(g.id);
      const rotating = storages[1]!.grants.rotateRefreshToken(t.tokenDigest, next, now + 10);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await raw.query(outcome);
      assert.equal((await rotating).status, outcome === 'COMMIT' ? 'reused' : 'rotated', outcome);
      assert.equal(await count('refresh_tokens', 'token_digest', next.tokenDigest), outcome === 'COMMIT' ? 0 : 1, outcome);
    }
  });

  it('redeems a code exactly once among 20 concurrent redemptions on four instances; the losers write nothing', async () => {
    const digest = await code();
    const attempts = Array.from({ length: 20 }, () => {
      const g = grant();
      return { g, t: refresh(g.id) };
    });
    const results = await Promise.all(attempts.map(({ g, t }, i) => storages[i % 4]!.grants.redeemCode(digest, now + 1000, g, t)));
    assert.equal(results.filter(Boolean).length, 1);
    const winner = attempts[results.indexOf(true)]!;
    assert.deepEqual(await storages[3]!.codes.findCode(digest).then((found) => [found?.usedAt, found?.grantId]), [now + 1000, winner.g.id]);
    assert.deepEqual(await storages[3]!.grants.findRefreshToken(winner.t.tokenDigest), { token: winner.t, used: false, grant: winner.g, generation: 0 });
    const losers = attempts.filter((a) => a !== winner).map((a) => a.g.id);
    assert.equal(Number((await raw.query('SELECT count(*) AS n FROM grants WHERE id = ANY($1)', [losers])).rows[0].n), 0);
  });

  it('redeems a batch of codes together, without a refresh token too, and refuses a used one in it', async () => {
    const [c1, c2, c3] = [await code(), await code(), await code()];
    assert.equal(await storages[0]!.grants.redeemCode(c3, now, grant(), null), true);
    const [g1, g2, g3] = [grant(), grant(), grant()];
    const t1 = refresh(g1.id);
    const results = await Promise.all([
      storages[0]!.grants.redeemCode(c1, now + 1, g1, t1),
      storages[0]!.grants.redeemCode(c2, now + 1, g2, null),
      storages[0]!.grants.redeemCode(c3, now + 1, g3, refresh(g3.id)),
    ]);
    assert.deepEqual(results, [true, true, false]);
    assert.deepEqual(await storages[0]!.grants.findRefreshToken(t1.tokenDigest), { token: t1, used: false, grant: g1, generation: 0 });
    assert.deepEqual(await storages[0]!.grants.findGrant(g2.id), g2);
    assert.equal(await count('refresh_tokens', 'grant_id', g2.id), 0);
    assert.equal(await storages[0]!.grants.findGrant(g3.id), undefined);
  });

  it('fails only the redemption whose grant cannot be written, not the others of its batch', async () => {
    const [c1, c2] = [await code(), await code()];
    const existing = grant();
    await storages[0]!.grants.createGrant(existing, null, null);
    const good = grant();
    const [bad, ok] = await Promise.allSettled([
      storages[0]!.grants.redeemCode(c1, now, { ...existing }, null),
      storages[0]!.grants.redeemCode(c2, now, good, refresh(good.id)),
    ]);
    assert.equal(bad.status, 'rejected', 'a grant id that exists already');
    assert.deepEqual(ok, { status: 'fulfilled', value: true });
    assert.equal((await storages[0]!.codes.findCode(c1))?.usedAt, null, 'the failed redemption left its code unused');
  });

  it('answers concurrent lookups of codes and refresh tokens from one query each: repeated, unknown and used ones too', async () => {
    const [c1, c2] = [await code(), await code()];
    const g = grant();
    const [t1, t2] = [refresh(g.id), refresh(g.id)];
    await storages[0]!.grants.createGrant(g, t1, null);
    assert.equal((await storages[0]!.grants.rotateRefreshToken(t1.tokenDigest, t2, now + 1)).status, 'rotated');
    const [codes, tokens] = await Promise.all([
      Promise.all([c1, c2, c1, 'code-unknown'].map((digest) => storages[2]!.codes.findCode(digest))),
      Promise.all([t1.tokenDigest, t2.tokenDigest, 'rt-unknown', t2.tokenDigest].map((digest) => storages[2]!.grants.findRefreshToken(digest))),
    ]);
    assert.deepEqual(codes.map((found) => found?.code.codeDigest), [c1, c2, c1, undefined]);
    assert.deepEqual(tokens, [{ token: t1, used: true, grant: g, generation: 0 }, { token: t2, used: false, grant: g, generation: 1 }, undefined, { token: t2, used: false, grant: g, generation: 1 }]);
  });

  it('rotates overlapping batches on two instances without a deadlock: each token once', async () => {
    const pairs = Array.from({ length: 10 }, () => {
      const g = grant();
      return { g, t: refresh(g.id) };
    });
    for (const { g, t } of pairs) await storages[0]!.grants.createGrant(g, t, null);
    const started = Date.now();
    const forward = pairs.map(({ g, t }) => storages[0]!.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), now + 1));
    const backward = [...pairs].reverse().map(({ g, t }) => storages[1]!.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id), now + 1));
    const results = await Promise.all([...forward, ...backward]);
    assert.equal(results.filter((r) => r.status === 'rotated').length, 10);
    assert.equal(results.filter((r) => r.status === 'reused').length, 10);
    for (const { g } of pairs) assert.equal(await count('refresh_tokens', 'grant_id', g.id), 2);
    // PostgreSQL breaks a deadlock after deadlock_timeout (1 s by default); none should have had to be.
    assert.ok(Date.now() - started < 1000, `took ${Date.now() - started} ms`);
  });
});
