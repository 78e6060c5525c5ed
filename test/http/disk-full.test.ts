import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { mountSmallFilesystem, type SmallFilesystem } from '../support/small-filesystem.js';
import { alice, authorizeAsAlice, register, token } from './admin-fixtures.js';

const filesystem = mountSmallFilesystem(16);
const skip = typeof filesystem === 'string' ? { skip: filesystem } : {};

/**
 * A real full disk under a SQLite database (issue 10, finding 10): a refresh answers 503 (not 500), `/readyz`
 * says not ready while writes fail, and once there is room again the same refresh token works: nothing stored
 * was lost or half-written.
 */
describe('a full disk under SQLite', skip, () => {
  const fs = filesystem as SmallFilesystem;
  const file = join(fs.dir ?? '', 'latchkey.db');
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { 'database.url': `sqlite:${file}` } });
    await createUser(server.storage.users, alice, { now: Date.now(), newId: randomUUID });
  });
  after(async () => {
    await server.close();
    fs.unmount();
  });

  const refresh = (clientId: string, refreshToken: string) => token(server, { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId });
  const readyz = () => server.app.inject({ method: 'GET', url: '/readyz' });

  it('answers a refresh with 503 temporarily_unavailable, is not ready while writes fail, and loses nothing', async () => {
    const client = await register(server, { client_name: 'Disk full' });
    const tokens = await authorizeAsAlice(server, new TestBrowser(server.app), client.client_id);
    assert.equal((await readyz()).statusCode, 200);

    // The WAL keeps its size once written, and reusing it needs no new space: empty it, so that the next commit
    // must grow a file, as on a disk that filled up since the last checkpoint.
    const other = new BetterSqlite3(file);
    other.pragma('wal_checkpoint(TRUNCATE)');
    other.close();
    fs.fill();
    try {
      const refused = await refresh(client.client_id, tokens.refresh_token);
      assert.equal(refused.statusCode, 503, refused.body);
      assert.deepEqual(Object.keys(refused.json() as object), ['error', 'error_description']);
      assert.equal((refused.json() as { error: string }).error, 'temporarily_unavailable');
      assert.ok(Number(refused.headers['retry-after']) >= 1, 'Retry-After');

      const notReady = await readyz();
      assert.equal(notReady.statusCode, 503, notReady.body);
      assert.deepEqual(notReady.json(), { status: 'not ready', database: 'not writable' });
    } finally {
      fs.free();
    }

    const ready = await readyz();
    assert.equal(ready.statusCode, 200, `ready again once there is room, by itself: ${ready.body}`);
    const rotated = await refresh(client.client_id, tokens.refresh_token);
    assert.equal(rotated.statusCode, 200, `the refresh token the failed request presented still works: ${rotated.body}`);
    const next = (rotated.json() as { refresh_token: string }).refresh_token;
    assert.equal((await refresh(client.client_id, next)).statusCode, 200, 'and so does the one it was rotated to');
    const check = new BetterSqlite3(file, { readonly: true });
    assert.equal(check.pragma('integrity_check', { simple: true }), 'ok');
    check.close();
  });
});
