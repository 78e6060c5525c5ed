import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { runLatchkey } from '../support/cli.js';
import { sampleClient } from '../storage/contract.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-gc-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const hour = 3_600_000;
const day = 24 * hour;

/** Opens a new SQLite database in `dir` and runs `work` on it; the command runs on the real clock, so times are relative to now. */
async function withDatabase<R>(name: string, work: (storage: Storage) => Promise<R>): Promise<R> {
  const storage = await openStorage({ url: `sqlite:${join(dir, name)}`, sqliteSynchronous: 'full', poolSize: 1 });
  try {
    await storage.migrate();
    return await work(storage);
  } finally {
    await storage.close();
  }
}

/** Two stale clients (one never used, one idle) and two to keep (one new, one idle but holding a live refresh token). */
async function prepare(name: string) {
  return withDatabase(name, async (storage) => {
    const now = Date.now();
    const add = async (registeredAgo: number, lastUsedAgo: number | null = null) => {
      const record = sampleClient({ updatedAt: now - registeredAgo });
      await storage.clients.insertClient(record);
      if (lastUsedAgo !== null) await storage.clients.touchClient(record.clientId, now - lastUsedAgo);
      return record.clientId;
    };
    const unused = await add(2 * day);
    const idle = await add(200 * day, 100 * day);
    const fresh = await add(hour);
    const holder = await add(200 * day, 100 * day);
    await storage.grants.createGrant(
      { id: `grant-${holder}`, clientId: holder, userId: null, scope: 'mcp', resource: null, authTime: null, createdAt: now - 100 * day, revokedAt: null },
      { tokenDigest: `rt-${holder}`, grantId: `grant-${holder}`, scope: 'mcp', createdAt: now - 10 * day, expiresAt: now + 20 * day },
      null,
    );
    return { unused, idle, fresh, holder };
  });
}

describe('latchkey gc', () => {
  it('deletes the stale clients, prints JSON counts, keeps the others and audits each deletion', async () => {
    const { unused, idle, fresh, holder } = await prepare('json.db');
    const result = runLatchkey(['gc', '--json', '--database', `sqlite:${join(dir, 'json.db')}`]);
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), { deleted: 2, unused: 1, idle: 1, batches: 1, expired: { refresh_tokens: 0, authorization_codes: 0, revoked_access_tokens: 0, retired_refresh_tokens: 0, used_values: 0, pushed_requests: 0, audit_events: 0 } });
    await withDatabase('json.db', async (storage) => {
      assert.equal(await storage.clients.findClient(unused), undefined);
      assert.equal(await storage.clients.findClient(idle), undefined);
      assert.ok(await storage.clients.findClient(fresh), 'registered an hour ago');
      assert.ok(await storage.clients.findClient(holder), 'holds a live refresh token');
      const events = await storage.auditEvents.listAuditEvents({ type: 'client.gc_deleted', limit: 10 });
      assert.deepEqual(events.map((e) => `${e.clientId} ${e.actor} ${String(e.data['reason'])}`).sort(), [`${unused} gc unused`, `${idle} gc idle`].sort());
    });
  });

  it('works in batches of cleanup.batchSize, with a progress line per batch when stderr is not a terminal and a sentence on stdout', async () => {
    await prepare('text.db');
    const result = runLatchkey(['gc', '--database', `sqlite:${join(dir, 'text.db')}`], { env: { LATCHKEY_CLEANUP_BATCH_SIZE: '1' } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'Deleted 2 clients: 1 never used, 1 idle.\n');
    assert.equal(result.stderr, 'Deleted 1 client (1 so far).\nDeleted 1 client (2 so far).\n');
    assert.doesNotMatch(result.stderr, /\r/, 'no redrawing outside a terminal');

    const again = runLatchkey(['gc', '--json', '--database', `sqlite:${join(dir, 'text.db')}`]);
    assert.deepEqual(JSON.parse(again.stdout), { deleted: 0, unused: 0, idle: 0, batches: 1, expired: { refresh_tokens: 0, authorization_codes: 0, revoked_access_tokens: 0, retired_refresh_tokens: 0, used_values: 0, pushed_requests: 0, audit_events: 0 } }, 'nothing left to delete');
  });

  it('deletes what is past its retention too: expired refresh tokens and revocations, old audit events', async () => {
    const now = Date.now();
    const { holder } = await prepare('retention.db');
    await withDatabase('retention.db', async (storage) => {
      await storage.grants.createGrant(
        { id: 'old-grant', clientId: holder, userId: null, scope: 'mcp', resource: null, authTime: null, createdAt: now - 60 * day, revokedAt: null },
        { tokenDigest: 'old-rt', grantId: 'old-grant', scope: 'mcp', createdAt: now - 60 * day, expiresAt: now - 30 * day },
        null,
      );
      await storage.revokedAccessTokens.revokeAccessToken('old-jti', now - hour);
      const event = (id: string, at: number) => ({ id, at, type: 'token.issued' as const, clientId: null, userId: null, actor: null, ip: null, data: {} });
      await storage.auditEvents.appendAuditEvents([event('ancient', now - 100 * day), event('recent', now - day)]);
    });
    const result = runLatchkey(['gc', '--database', `sqlite:${join(dir, 'retention.db')}`], { env: { LATCHKEY_AUDIT_RETENTION_DAYS: '90' } });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'Deleted 2 clients: 1 never used, 1 idle. Past their retention: 1 refresh tokens, 1 revoked access tokens, 1 audit events.\n');
    await withDatabase('retention.db', async (storage) => {
      assert.equal(await storage.grants.findRefreshToken('old-rt'), undefined);
      assert.ok(await storage.grants.findRefreshToken(`rt-${holder}`), 'the live refresh token stays');
      const ids = (await storage.auditEvents.listAuditEvents({ limit: 100 })).map((e) => e.id);
      assert.ok(ids.includes('recent') && !ids.includes('ancient'));
    });
  });

  it('fails with a one-line message and exit status 1 when the database cannot be opened', () => {
    const result = runLatchkey(['gc', '--database', 'sqlite:/dev/null/latchkey.db']);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.match(result.stderr, /^latchkey: the cleanup failed: .+\n$/);
  });

  it('refuses a bad configuration value with exit status 2', () => {
    const result = runLatchkey(['gc', '--database', `sqlite:${join(dir, 'x.db')}`], { env: { LATCHKEY_CLEANUP_BATCH_SIZE: '0' } });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /cleanup\.batchSize/);
  });
});
