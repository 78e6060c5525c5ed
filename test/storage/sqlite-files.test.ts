import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import pino from 'pino';
import { openStorage } from '../../src/storage/open-storage.js';
import { sampleClient } from './contract.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8).padStart(4, '0');

describe('SQLite files', { skip: process.platform === 'win32' ? 'no POSIX permissions' : false }, () => {
  const root = mkdtempSync(join(tmpdir(), 'latchkey-files-'));
  let umask: number;
  // The usual default: files readable by everyone unless the code asks otherwise.
  before(() => (umask = process.umask(0o022)));
  after(() => {
    process.umask(umask);
    rmSync(root, { recursive: true, force: true });
  });

  it('creates the directory 0700 and the database, -wal and -shm files 0600', async () => {
    const dir = join(root, 'fresh', 'data');
    const file = join(dir, 'latchkey.db');
    const storage = await openStorage({ url: `sqlite:${file}`, sqliteSynchronous: 'full', poolSize: 1 });
    try {
      await storage.migrate();
      await storage.secrets.getOrCreateSecret('cookie-signing', () => 'secret', 1);
      await storage.clients.insertClient(sampleClient());
      assert.ok(existsSync(`${file}-wal`) && existsSync(`${file}-shm`), 'WAL mode, open: both files exist');
      assert.deepEqual(
        { dir: mode(dir), parent: mode(join(root, 'fresh')), db: mode(file), wal: mode(`${file}-wal`), shm: mode(`${file}-shm`) },
        { dir: '0700', parent: '0700', db: '0600', wal: '0600', shm: '0600' },
      );
    } finally {
      await storage.close();
    }
  });

  it('leaves an existing directory as it is, and still creates the file 0600', async () => {
    const file = join(root, 'latchkey.db');
    const storage = await openStorage({ url: `sqlite:${file}`, sqliteSynchronous: 'full', poolSize: 1 });
    await storage.migrate();
    await storage.close();
    assert.equal(mode(root), '0700', 'mkdtemp made it so; nothing changed it');
    assert.equal(mode(file), '0600');
  });

  it('tightens an existing database file (and its -wal) that others could read, and says so', async () => {
    const dir = join(root, 'loose');
    const file = join(dir, 'latchkey.db');
    const first = await openStorage({ url: `sqlite:${file}`, sqliteSynchronous: 'full', poolSize: 1 });
    await first.migrate();
    await first.close();
    chmodSync(file, 0o644);
    writeFileSync(`${file}-wal`, '');
    chmodSync(`${file}-wal`, 0o664);
    let log = '';
    const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => ((log += chunk.toString('utf8')), done()) });
    const logger = pino({ level: 'warn' }, destination);
    const storage = await openStorage({ url: `sqlite:${file}`, sqliteSynchronous: 'full', poolSize: 1 }, { logger });
    try {
      await storage.migrate();
      assert.equal(mode(file), '0600');
      assert.equal(mode(`${file}-wal`), '0600');
      const warnings = log.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
      assert.deepEqual(
        warnings.map(({ level, file, was, now }) => ({ level, file, was, now })),
        [
          { level: 40, file, was: '0644', now: '0600' },
          { level: 40, file: `${file}-wal`, was: '0664', now: '0600' },
        ],
      );
      assert.match(String(warnings[0]!['msg']), /readable by other users/);
    } finally {
      await storage.close();
    }
  });
});
