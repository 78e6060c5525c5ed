import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { AuditEvent } from '../../src/ports/audit-events.js';
import type { GrantRecord, RefreshTokenRecord } from '../../src/ports/grants.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind } from '../support/databases.js';
import { sampleClient } from './contract.js';
import { unique, withFreshStorage } from '../support/storage.js';

const hour = 3_600_000;
const day = 24 * hour;

/**
 * What the operator pages read and do: a client's grants, a user's connected apps and cutting one off, and the
 * hourly audit counts behind the dashboard charts. (The clients listing is `contract-client-listing.ts`.)
 */
export function storageOperatorContract(kind: DatabaseKind): void {
  let storage: Storage;
  withFreshStorage(kind, (opened) => {
    storage = opened;
  });

  async function user(username = unique('name')): Promise<string> {
    const id = unique('user');
    await storage.users.createUser({ id, username, passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
    return id;
  }
  async function client(name = 'Agent'): Promise<string> {
    const record = sampleClient({ metadata: { ...sampleClient().metadata, client_name: name, redirect_uris: ['http://127.0.0.1:7777/cb'] } });
    await storage.clients.insertClient(record);
    return record.clientId;
  }
  const grant = (clientId: string, userId: string | null, createdAt: number): GrantRecord => ({
    id: unique('grant'),
    clientId,
    userId,
    scope: 'mcp',
    resource: null,
    authTime: userId === null ? null : createdAt,
    createdAt,
    revokedAt: null,
  });
  const refresh = (grantId: string, createdAt: number, expiresAt: number): RefreshTokenRecord => ({
    tokenDigest: unique('rt'),
    grantId,
    scope: 'mcp',
    createdAt,
    expiresAt,
  });

  it("lists a client's grants newest first, with the user's name, last refresh and whether it can still be refreshed", async () => {
    const clientId = await client();
    const username = unique('bob');
    const userId = await user(username);
    const live = grant(clientId, userId, 1000);
    const first = refresh(live.id, 1000, 100_000);
    await storage.grants.createGrant(live, first, null);
    // Rotated at 2000 into a token that expires at 50,000: the used one no longer counts, however long it lives.
    await storage.grants.rotateRefreshToken(first.tokenDigest, refresh(live.id, 2000, 50_000), 2000);
    const machine = grant(clientId, null, 3000);
    await storage.grants.createGrant(machine, null, null);
    const other = grant(await client(), userId, 4000);
    await storage.grants.createGrant(other, refresh(other.id, 4000, 100_000), null);

    assert.deepEqual(await storage.grants.listClientGrants(clientId, 10_000, 10), [
      { ...machine, username: null, lastRefreshedAt: null, refreshable: false },
      { ...live, username, lastRefreshedAt: 2000, refreshable: true },
    ]);
    assert.equal((await storage.grants.listClientGrants(clientId, 50_000, 10))[1]?.refreshable, false, 'once the unused token has expired');
    assert.deepEqual((await storage.grants.listClientGrants(clientId, 10_000, 1)).map((g) => g.id), [machine.id], 'at most the limit');
    await storage.grants.revokeGrant(live.id, 5000);
    const [, revoked] = await storage.grants.listClientGrants(clientId, 10_000, 10);
    assert.deepEqual([revoked?.revokedAt, revoked?.refreshable, revoked?.lastRefreshedAt], [5000, false, 2000]);
  });

  it("lists a user's connected apps, most recently granted first, last used at the newest consent, grant or refresh", async () => {
    const userId = await user();
    const someoneElse = await user();
    const notes = await client('Notes Agent');
    const mail = await client('Mail Agent');
    await storage.consents.saveConsent(userId, notes, { scope: 'mcp', resources: {}, clientFingerprint: '' }, 1000);
    await storage.consents.saveConsent(userId, mail, { scope: 'mcp email', resources: {}, clientFingerprint: '' }, 2000);
    await storage.consents.saveConsent(someoneElse, notes, { scope: 'mcp', resources: {}, clientFingerprint: '' }, 2500);
    const g = grant(notes, userId, 3000);
    const t = refresh(g.id, 3000, 999_999);
    await storage.grants.createGrant(g, t, null);
    await storage.grants.rotateRefreshToken(t.tokenDigest, refresh(g.id, 8000, 999_999), 8000);
    // Another user's later activity with the same client is not this user's use.
    const theirs = grant(notes, someoneElse, 9000);
    await storage.grants.createGrant(theirs, refresh(theirs.id, 9500, 999_999), null);

    const apps = await storage.consents.listConnectedApps(userId);
    assert.deepEqual(apps, [
      { clientId: mail, clientName: 'Mail Agent', redirectUris: ['http://127.0.0.1:7777/cb'], registrationSource: 'dynamic', scope: 'mcp email', grantedAt: 2000, lastUsedAt: 2000 },
      { clientId: notes, clientName: 'Notes Agent', redirectUris: ['http://127.0.0.1:7777/cb'], registrationSource: 'dynamic', scope: 'mcp', grantedAt: 1000, lastUsedAt: 8000 },
    ]);
    await storage.consents.saveConsent(userId, mail, { scope: 'mcp', resources: {}, clientFingerprint: '' }, 12_000);
    const mailApp = (await storage.consents.listConnectedApps(userId)).find((a) => a.clientId === mail);
    assert.deepEqual([mailApp?.grantedAt, mailApp?.lastUsedAt, mailApp?.scope], [2000, 12_000, 'mcp'], 'consent given again');
    assert.deepEqual(await storage.consents.listConnectedApps(unique('nobody')), []);
  });

  it("cuts an app off: forgets the consent and revokes the user's grants and pending codes at once, and no one else's", async () => {
    const userId = await user();
    const otherUser = await user();
    const clientId = await client();
    await storage.consents.saveConsent(userId, clientId, { scope: 'mcp', resources: {}, clientFingerprint: '' }, 1000);
    await storage.consents.saveConsent(otherUser, clientId, { scope: 'mcp', resources: {}, clientFingerprint: '' }, 1000);
    const [a, b, old, theirs] = [grant(clientId, userId, 2000), grant(clientId, userId, 2100), grant(clientId, userId, 500), grant(clientId, otherUser, 2200)];
    const tokenA = refresh(a.id, 2000, 999_999);
    const tokenTheirs = refresh(theirs.id, 2200, 999_999);
    await storage.grants.createGrant(a, tokenA, null);
    await storage.grants.createGrant(b, null, null);
    await storage.grants.createGrant({ ...old, revokedAt: 600 }, null, null);
    await storage.grants.createGrant(theirs, tokenTheirs, null);
    const pendingCode = (uid: string) => ({
      codeDigest: unique('code'),
      clientId,
      userId: uid,
      redirectUri: 'http://127.0.0.1:7777/cb',
      codeChallenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      scope: 'mcp',
      resource: null,
      nonce: null,
      authTime: 2500,
      expiresAt: 999_999,
    });
    const mine = pendingCode(userId);
    const theirCode = pendingCode(otherUser);
    await storage.codes.insertCode(mine);
    await storage.codes.insertCode(theirCode);

    assert.deepEqual(await storage.consents.revokeConnectedApp(userId, clientId, 3000), { grantsRevoked: 2 });
    assert.equal(await storage.consents.findConsent(userId, clientId), undefined);
    assert.equal((await storage.grants.findGrant(a.id))?.revokedAt, 3000);
    assert.equal((await storage.grants.findGrant(b.id))?.revokedAt, 3000);
    assert.equal((await storage.grants.findGrant(old.id))?.revokedAt, 600, 'an already revoked grant keeps its time');
    const rotation = await storage.grants.rotateRefreshToken(tokenA.tokenDigest, refresh(a.id, 3100, 999_999), 3100);
    assert.equal(rotation.status === 'unknown' ? undefined : rotation.grant.revokedAt, 3000, 'a refresh sees the grant revoked');
    assert.equal(await storage.grants.redeemCode(mine.codeDigest, 3200, grant(clientId, userId, 3200), null), false, 'a pending code is spent');

    assert.equal((await storage.consents.findConsent(otherUser, clientId))?.scope, 'mcp');
    assert.equal((await storage.grants.findGrant(theirs.id))?.revokedAt, null);
    assert.equal((await storage.grants.rotateRefreshToken(tokenTheirs.tokenDigest, refresh(theirs.id, 3100, 999_999), 3100)).status, 'rotated');
    assert.equal(await storage.grants.redeemCode(theirCode.codeDigest, 3200, grant(clientId, otherUser, 3200), null), true);

    assert.equal(await storage.consents.revokeConnectedApp(userId, clientId, 4000), false, 'nothing left to cut off');
    const grantOnly = await user();
    await storage.grants.createGrant(grant(clientId, grantOnly, 2000), null, null);
    assert.deepEqual(await storage.consents.revokeConnectedApp(grantOnly, clientId, 4000), { grantsRevoked: 1 }, 'a grant without a remembered consent');
  });

  it('counts audit events per hour and per UTC day for each counter key, across batches', async () => {
    const t = Date.UTC(2027, 2, 3, 22); // 22:00 UTC: the next two hours end the day, the third begins the next.
    const event = (at: number, type: AuditEvent['type'], data: Record<string, unknown> = {}): AuditEvent => ({
      id: unique('event'),
      at,
      type,
      clientId: null,
      userId: null,
      actor: null,
      ip: null,
      data,
    });
    await storage.auditEvents.appendAuditEvents([
      event(t + 5, 'client.registered'),
      event(t + 10, 'client.registered'),
      event(t + 20, 'token.issued', { grant_type: 'authorization_code' }),
      event(t + hour + 1, 'token.issued', { grant_type: 'refresh_token' }),
      event(t - 1, 'client.registered'),
    ]);
    await storage.auditEvents.appendAuditEvents([
      event(t + 59 * 60_000, 'client.registered'),
      event(t + hour, 'token.issued', { grant_type: 'authorization_code' }),
      event(t + 2 * hour, 'token.issued', { grant_type: 'authorization_code' }),
      event(t + 2 * hour, 'token.issued', {}),
      event(t + 2 * hour, 'consent.granted'),
    ]);
    const keys = ['client.registered', 'token.issued', 'token.issued:authorization_code', 'token.issued:refresh_token'];
    assert.deepEqual(await storage.auditEvents.countAuditEvents({ from: t, to: t + 3 * hour, bucket: 'hour', keys }), [
      { key: 'client.registered', bucketStart: t, count: 3 },
      { key: 'token.issued', bucketStart: t, count: 1 },
      { key: 'token.issued:authorization_code', bucketStart: t, count: 1 },
      { key: 'token.issued', bucketStart: t + hour, count: 2 },
      { key: 'token.issued:authorization_code', bucketStart: t + hour, count: 1 },
      { key: 'token.issued:refresh_token', bucketStart: t + hour, count: 1 },
      { key: 'token.issued', bucketStart: t + 2 * hour, count: 2 },
      { key: 'token.issued:authorization_code', bucketStart: t + 2 * hour, count: 1 },
    ]);
    const midnight = t + 2 * hour;
    assert.deepEqual(await storage.auditEvents.countAuditEvents({ from: midnight - day, to: midnight + day, bucket: 'day', keys }), [
      { key: 'client.registered', bucketStart: midnight - day, count: 4 },
      { key: 'token.issued', bucketStart: midnight - day, count: 3 },
      { key: 'token.issued:authorization_code', bucketStart: midnight - day, count: 2 },
      { key: 'token.issued:refresh_token', bucketStart: midnight - day, count: 1 },
      { key: 'token.issued', bucketStart: midnight, count: 2 },
      { key: 'token.issued:authorization_code', bucketStart: midnight, count: 1 },
    ]);
    assert.deepEqual(await storage.auditEvents.countAuditEvents({ from: t + hour, to: t + 2 * hour, bucket: 'hour', keys: ['consent.granted', 'token.issued:refresh_token'] }), [
      { key: 'token.issued:refresh_token', bucketStart: t + hour, count: 1 },
    ]);
    assert.deepEqual(await storage.auditEvents.countAuditEvents({ from: t, to: t + 3 * hour, bucket: 'hour', keys: [] }), []);
  });
}
