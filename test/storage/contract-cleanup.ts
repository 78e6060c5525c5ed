import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { CleanupCriteria, CleanupCursor } from '../../src/ports/cleanup.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind } from '../support/databases.js';
import { sampleClient } from './contract.js';
import { unique, withFreshStorage } from '../support/storage.js';
import { forgetExpiredRecords } from '../../src/cleanup/retention.js';

const hour = 3_600_000;
const day = 24 * hour;


/**
 * The cleanup half of the storage contract: which clients `deleteUnusedClients` deletes, with what, and in
 * batches of what size. Times are fixed; the criteria are what `cleanUpClients` computes for an unused-after
 * of 24 h, an idle-after of 90 days and one-hour access tokens (plus one hour of usage-recording slack).
 * Each test asserts only on its own clients: a call may also sweep what earlier tests left behind.
 */
export function storageCleanupContract(kind: DatabaseKind): void {
  let storage: Storage;
  let userId: string;
  withFreshStorage(kind, async (opened) => {
    storage = opened;
    userId = unique('user');
    await storage.users.createUser({ id: userId, username: unique('name'), passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
  });

  const now = Date.UTC(2026, 5, 1);
  const criteria = (at = now, idleAfter = 90 * day): CleanupCriteria => ({
    now: at,
    unusedRegisteredBefore: at - day,
    idleSince: at - idleAfter,
    accessTokensIssuedAfter: at - 2 * hour,
  });

  /** A client registered at `registeredAt`, last used at `lastUsedAt` (as the usage tracker would record it). */
  async function client(registeredAt: number, lastUsedAt: number | null = null): Promise<string> {
    const record = sampleClient({ updatedAt: registeredAt });
    await storage.clients.insertClient(record);
    if (lastUsedAt !== null) await storage.clients.touchClient(record.clientId, lastUsedAt);
    return record.clientId;
  }

  async function grant(clientId: string, createdAt: number, options: { revokedAt?: number; refreshExpiresAt?: number } = {}) {
    const id = unique('grant');
    const refresh = options.refreshExpiresAt === undefined ? null : { tokenDigest: unique('rt'), grantId: id, scope: 'mcp', createdAt, expiresAt: options.refreshExpiresAt };
    await storage.grants.createGrant({ id, clientId, userId, scope: 'mcp', resource: null, authTime: createdAt, createdAt, revokedAt: null }, refresh, null);
    if (options.revokedAt !== undefined) await storage.grants.revokeGrant(id, options.revokedAt);
    return { id, refreshDigest: refresh?.tokenDigest };
  }

  async function code(clientId: string, expiresAt: number) {
    const codeDigest = unique('code');
    await storage.codes.insertCode({
      codeDigest,
      clientId,
      userId,
      redirectUri: 'https://client.example/cb',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      scope: 'mcp',
      resource: null,
      nonce: null,
      authTime: expiresAt - 60_000,
      expiresAt,
    });
    return codeDigest;
  }

  /** Runs the cleanup until a batch comes back short; resolves the reason of each of `ids` that was deleted. */
  async function cleanUp(ids: string[], at = criteria(), limit = 100) {
    const reasons = new Map<string, string>();
    for (;;) {
      const batch = await storage.cleanup.deleteUnusedClients(at, limit);
      for (const { clientId, reason } of batch) if (ids.includes(clientId)) reasons.set(clientId, reason);
      if (batch.length < limit) return reasons;
    }
  }

  const exists = async (clientId: string) => (await storage.clients.findClient(clientId)) !== undefined;

  it('asks the sweep of clients to keep batches short only where a batch makes requests wait: SQLite, whose one connection it holds', () => {
    assert.equal(storage.cleanup.batchTargetMs, kind.name === 'sqlite' ? 20 : undefined);
  });

  it('deletes a client registered over 24 h ago that never completed an authorization, with its consent and expired code', async () => {
    const old = await client(now - 2 * day);
    await storage.consents.saveConsent(userId, old, { scope: 'mcp', resources: {}, clientFingerprint: '' }, now - 2 * day);
    const expired = await code(old, now - 2 * day + 60_000);
    assert.deepEqual(await cleanUp([old]), new Map([[old, 'unused']]));
    assert.equal(await exists(old), false);
    assert.equal(await storage.consents.findConsent(userId, old), undefined);
    assert.equal(await storage.codes.findCode(expired), undefined);
  });

  it('keeps a never-used client registered within the last 24 h', async () => {
    const fresh = await client(now - 23 * hour);
    assert.deepEqual(await cleanUp([fresh]), new Map());
    assert.equal(await exists(fresh), true);
  });

  it('deletes a client idle for over 90 days with its revoked grant and refresh token', async () => {
    const idle = await client(now - 200 * day, now - 100 * day);
    const { id, refreshDigest } = await grant(idle, now - 100 * day, { revokedAt: now - 95 * day, refreshExpiresAt: now + day });
    assert.deepEqual(await cleanUp([idle]), new Map([[idle, 'idle']]));
    assert.equal(await exists(idle), false);
    assert.equal(await storage.grants.findGrant(id), undefined);
    assert.equal(await storage.grants.findRefreshToken(refreshDigest!), undefined);
  });

  it('keeps an idle client holding an unexpired unused refresh token, and deletes it once the token has expired', async () => {
    const holder = await client(now - 200 * day, now - 100 * day);
    await grant(holder, now - 100 * day, { refreshExpiresAt: now + hour });
    assert.deepEqual(await cleanUp([holder]), new Map());
    assert.equal(await exists(holder), true);
    assert.deepEqual(await cleanUp([holder], criteria(now + 2 * hour)), new Map([[holder, 'idle']]));
  });

  it('keeps a client with an outstanding unexpired code, however old', async () => {
    const authorizing = await client(now - 200 * day);
    await code(authorizing, now + 60_000);
    assert.deepEqual(await cleanUp([authorizing]), new Map());
    assert.equal(await exists(authorizing), true);
  });

  it('keeps a client whose grant was created within the access-token lifetime (its access token may be live)', async () => {
    // An idle-after of one hour, so that only the live access token protects these clients.
    const strict = criteria(now, hour);
    const recent = await client(now - 200 * day, now - 3 * hour);
    await grant(recent, now - 90 * 60_000);
    const older = await client(now - 200 * day, now - 3 * hour);
    await grant(older, now - 3 * hour);
    assert.deepEqual(await cleanUp([recent, older], strict), new Map([[older, 'idle']]));
    assert.equal(await exists(recent), true);
  });

  it('keeps a client whose recorded use is within the access-token lifetime plus the recording slack (client credentials leave no grant)', async () => {
    const strict = criteria(now, hour);
    const recent = await client(now - 200 * day, now - 90 * 60_000);
    const older = await client(now - 200 * day, now - 3 * hour);
    assert.deepEqual(await cleanUp([recent, older], strict), new Map([[older, 'idle']]));
    assert.equal(await exists(recent), true);
  });

  it('counts a client with grants but no recorded use as used when its newest grant was created', async () => {
    const authorizedLately = await client(now - 10 * day);
    await grant(authorizedLately, now - 5 * day, { refreshExpiresAt: now - day });
    const authorizedLongAgo = await client(now - 200 * day);
    await grant(authorizedLongAgo, now - 100 * day, { refreshExpiresAt: now - 10 * day });
    assert.deepEqual(await cleanUp([authorizedLately, authorizedLongAgo]), new Map([[authorizedLongAgo, 'idle']]));
    assert.equal(await exists(authorizedLately), true, 'it completed an authorization, so it is not "never used"');
  });

  it('deletes at most the limit per call, never-used clients first and oldest first, and repeated calls finish the job', async () => {
    const later = now + 400 * day;
    // First whatever earlier tests left that is eligible by then, so that only the clients below are.
    await cleanUp([], criteria(later));
    const unused = [await client(later - 3 * day), await client(later - 5 * day), await client(later - 4 * day)];
    const idle = [await client(later - 300 * day, later - 200 * day), await client(later - 300 * day, later - 100 * day)];
    const kept = await client(later - hour);
    const batches: string[][] = [];
    for (;;) {
      const batch = await storage.cleanup.deleteUnusedClients(criteria(later), 2);
      batches.push(batch.map((d) => `${d.clientId}:${d.reason}`));
      if (batch.length < 2) break;
    }
    assert.deepEqual(batches.map((b) => b.length), [2, 2, 1], 'two per call until a short batch');
    assert.deepEqual(batches[0]!.sort(), [`${unused[1]}:unused`, `${unused[2]}:unused`].sort(), 'the two oldest never-used clients');
    assert.deepEqual(batches.flat().sort(), [...unused.map((id) => `${id}:unused`), ...idle.map((id) => `${id}:idle`)].sort());
    assert.equal(await exists(kept), true);
  });

  /** One run through a cursor, `limit` candidates a batch: what each batch deleted, and `between` run after each. */
  async function cursorRun(at: CleanupCriteria, limit: number, between: (batch: number) => Promise<void> = async () => {}) {
    const cursor: CleanupCursor = { done: false };
    const batches: string[][] = [];
    while (!cursor.done) {
      assert.ok(batches.length < 50, 'the run ends');
      const batch = await storage.cleanup.deleteUnusedClients(at, limit, cursor);
      assert.ok(batch.length <= limit);
      batches.push(batch.map((d) => `${d.clientId}:${d.reason}`));
      await between(batches.length);
    }
    return batches;
  }

  it('with a cursor, reads each candidate once a run: one kept and then freed waits for the next run, which deletes it', async () => {
    const later = now + 800 * day;
    await cleanUp([], criteria(later));
    // Idle clients in order of last use; the middle one holds a live refresh token until its grant is revoked.
    const first = await client(later - 300 * day, later - 200 * day);
    const held = await client(later - 300 * day, later - 150 * day);
    const { id } = await grant(held, later - 150 * day, { refreshExpiresAt: later + day });
    const last = await client(later - 300 * day, later - 100 * day);
    const batches = await cursorRun(criteria(later), 1, async (n) => {
      if (n === 2) assert.equal(await storage.grants.revokeGrant(id, later - hour), true);
    });
    assert.deepEqual(batches, [[`${first}:idle`], [], [`${last}:idle`], []], 'a window of one candidate a batch; the held client was read by the second');
    assert.equal(await exists(held), true, 'not read again by the run that had passed it');
    assert.deepEqual(await cursorRun(criteria(later), 1), [[`${held}:idle`], []], 'the next run deletes it');
  });

  it('with a cursor, a run over candidates that are all kept reads each once and ends', async () => {
    const later = now + 1200 * day;
    await cleanUp([], criteria(later));
    const kept = [await client(later - 5 * day), await client(later - 4 * day), await client(later - 3 * day)];
    for (const id of kept) await code(id, later + 60_000);
    assert.deepEqual(await cursorRun(criteria(later), 2), [[], []], 'two windows: two candidates, then the last one');
    for (const id of kept) assert.equal(await exists(id), true);
  });

  it('with a cursor, deletes what it would delete without one, each with its reason', async () => {
    const later = now + 1600 * day;
    await cleanUp([], criteria(later));
    const unused = [await client(later - 3 * day), await client(later - 5 * day)];
    const authorizedLongAgo = await client(later - 200 * day);
    await grant(authorizedLongAgo, later - 100 * day, { refreshExpiresAt: later - 10 * day });
    const idle = await client(later - 300 * day, later - 100 * day);
    const kept = [await client(later - hour), await client(later - 200 * day, later - 10 * day)];
    await code(unused[0]!, later - day);
    const deleted = (await cursorRun(criteria(later), 2)).flat().sort();
    assert.deepEqual(deleted, [...unused.map((id) => `${id}:unused`), `${authorizedLongAgo}:idle`, `${idle}:idle`].sort());
    for (const id of kept) assert.equal(await exists(id), true);
  });

  /** The kept counts (`client_counts`) and a real count of the same clients, overall, per source and flagged. */
  async function keptAndCounted() {
    // A usage filter is never answered from the kept counts: "idle since the end of time" counts every client.
    const every = { usage: { kind: 'idle', at: Number.MAX_SAFE_INTEGER } } as const;
    const filters = [{}, ...(['dynamic', 'iat', 'software_statement', 'cimd', 'operator'] as const).map((source) => ({ source })), { flagged: true }];
    const kept = await Promise.all(filters.map((filter) => storage.clients.countClients(filter)));
    const counted = await Promise.all(filters.map((filter) => storage.clients.countClients({ ...filter, ...every })));
    return { kept, counted };
  }

  it('keeps its counts exact and its search index in step through a sweep: the swept are neither counted nor found', async () => {
    const later = now + 2000 * day;
    await cleanUp([], criteria(later));
    const tag = unique('s').replace(/\W/g, '');
    const named = (i: number) => ({ ...sampleClient().metadata, client_name: `Sweep ${tag} ${i}` });
    const swept: string[] = [];
    const kept: string[] = [];
    for (let i = 0; i < 12; i++) {
      const record = sampleClient({
        updatedAt: i % 3 === 0 ? later - hour : later - 3 * day,
        registrationSource: (['dynamic', 'iat', 'cimd', 'software_statement'] as const)[i % 4]!,
        lookAlikeOf: i % 5 === 0 ? 'claude' : null,
        metadata: named(i),
      });
      await storage.clients.insertClient(record);
      (i % 3 === 0 ? kept : swept).push(record.clientId);
    }
    const before = await keptAndCounted();
    assert.deepEqual(before.kept, before.counted, 'before the sweep');
    const deleted = (await cursorRun(criteria(later), 3)).flat();
    assert.deepEqual(deleted.filter((d) => d.includes(tag) || swept.some((id) => d.startsWith(`${id}:`))).sort(), swept.map((id) => `${id}:unused`).sort());
    const after = await keptAndCounted();
    assert.deepEqual(after.kept, after.counted, 'after the sweep');
    assert.equal(after.counted[0], before.counted[0]! - swept.length);
    const found = (await storage.clients.listClients({ search: `sweep ${tag}`, limit: 50 })).clients.map((c) => c.clientId);
    assert.deepEqual(found.sort(), [...kept].sort(), 'only the survivors are found');
    assert.equal(await storage.clients.countClients({ search: tag }), kept.length);
    for (const id of swept) assert.equal(await storage.clients.countClients({ search: id }), 0, 'a swept client is not found by its id');
  });

  it('deletes expired refresh tokens, codes an hour past their expiry, and expired revocation entries, in batches, keeping what lives', async () => {
    const clientId = await client(now - day, now - hour);
    const old = await grant(clientId, now - 40 * day, { refreshExpiresAt: now - 10 * day });
    const live = await grant(clientId, now - day, { refreshExpiresAt: now + 29 * day });
    const extra = await Promise.all([1, 2, 3].map((i) => grant(clientId, now - 40 * day, { refreshExpiresAt: now - i * hour })));
    const codeGone = await code(clientId, now - 2 * hour);
    const codeKept = await code(clientId, now - 30 * 60_000);
    const jtiGone = unique('jti');
    const jtiKept = unique('jti');
    await storage.revokedAccessTokens.revokeAccessToken(jtiGone, now - 1);
    await storage.revokedAccessTokens.revokeAccessToken(jtiKept, now + hour);

    const deleted = await forgetExpiredRecords(storage.cleanup, now, 2);
    assert.ok(deleted.refresh_tokens >= 4 && deleted.authorization_codes >= 1 && deleted.revoked_access_tokens >= 1, JSON.stringify(deleted));
    for (const gone of [old, ...extra]) assert.equal(await storage.grants.findRefreshToken(gone.refreshDigest!), undefined);
    assert.ok(await storage.grants.findRefreshToken(live.refreshDigest!), 'a live refresh token stays');
    assert.ok(await storage.grants.findGrant(old.id), 'the grant itself stays (its history, the dashboard)');
    assert.equal(await storage.codes.findCode(codeGone), undefined);
    assert.ok(await storage.codes.findCode(codeKept), 'a code expired less than an hour ago stays, so its replay is still detected');
    assert.equal(await storage.revokedAccessTokens.isAccessTokenRevoked(jtiGone), false);
    assert.equal(await storage.revokedAccessTokens.isAccessTokenRevoked(jtiKept), true);
    assert.deepEqual(await forgetExpiredRecords(storage.cleanup, now, 2), { refresh_tokens: 0, authorization_codes: 0, revoked_access_tokens: 0 });
  });
}
