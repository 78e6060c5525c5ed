import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { migrationProvider } from '../../src/storage/sql/migrations.js';
import { createDatabase, runLatchkey } from '../support/cli.js';
import { atAddress, latchkeyCommand, spawnServer, type ServerProcess } from '../support/process.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-backup-'));
const databaseUrl = `sqlite:${join(dir, 'live.db')}`;
after(() => rmSync(dir, { recursive: true, force: true }));

/** `latchkey ARGS` without blocking this process, so that it can keep a server busy meanwhile. */
function runLatchkeyAsync(args: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [...latchkeyCommand, ...args], { env: { PATH: process.env['PATH'] ?? '' }, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

interface Registered {
  client_id: string;
  registration_access_token: string;
  registration_client_uri: string;
}

async function register(address: string): Promise<Registered> {
  const response = await fetch(`${address}/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: 'backup load', redirect_uris: ['http://127.0.0.1:1/callback'], token_endpoint_auth_method: 'none' }),
  });
  assert.equal(response.status, 201);
  return (await response.json()) as Registered;
}

describe('latchkey backup', () => {
  let server: ServerProcess;
  before(async () => (server = await spawnServer({ databaseUrl })));
  after(() => server?.kill());

  it('takes a consistent copy while the server keeps committing registrations, says what it holds, and the copy serves once restored', async () => {
    const registered: Registered[] = [];
    let stop = false;
    // Four clients registering back to back: the server commits all through the backup.
    const load = Promise.all(
      Array.from({ length: 4 }, async () => {
        while (!stop) registered.push(await register(server.address));
      }),
    );
    while (registered.length < 40) await new Promise((resolve) => setTimeout(resolve, 10));
    const committedBefore = registered.length;
    const file = join(dir, 'copy.db');
    const result = await runLatchkeyAsync(['backup', file, '--database', databaseUrl, '--json']);
    const answeredBy = registered.length;
    stop = true;
    await load;
    assert.equal(result.status, 0, result.stderr);
    assert.ok(answeredBy > committedBefore, `registrations were committed while the backup ran (${committedBefore} → ${answeredBy})`);

    const summary = JSON.parse(result.stdout) as { clients: number; users: number; signingKeys: number; lastMigration: string; bytes: number };
    assert.ok(summary.clients >= committedBefore, `the copy has every client committed before it began (${summary.clients} ≥ ${committedBefore})`);
    assert.ok(summary.clients <= answeredBy + 4, `and none from after it ended (${summary.clients} ≤ ${answeredBy} + 4 in flight)`);
    assert.equal(summary.users, 1, 'the administrator of the first start');
    assert.equal(summary.signingKeys, 1);
    assert.equal(summary.lastMigration, Object.keys(await migrationProvider('sqlite').getMigrations()).at(-1));

    // What the summary says is what the file holds; the file stands alone (no -wal beside it) and is sound.
    assert.deepEqual(readdirSync(dir).filter((name) => name.startsWith('copy.db')), ['copy.db'], 'no -wal, -shm or partial file');
    const copy = new BetterSqlite3(file, { readonly: true });
    assert.equal(copy.pragma('integrity_check', { simple: true }), 'ok');
    assert.equal(copy.pragma('journal_mode', { simple: true }), 'delete');
    assert.equal(copy.prepare('select count(*) from clients').pluck().get(), summary.clients);
    copy.close();

    // Restored (a server started on the copy), a client registered before the backup is still there and manageable.
    const restored = await spawnServer({ databaseUrl: `sqlite:${file}` });
    try {
      const client = registered[0]!;
      const read = await fetch(atAddress(client.registration_client_uri, restored.address), {
        headers: { authorization: `Bearer ${client.registration_access_token}` },
      });
      assert.equal(read.status, 200);
      assert.equal(((await read.json()) as { client_id: string }).client_id, client.client_id);
    } finally {
      await restored.kill();
    }
  });

  it('prints a summary naming the counts and how to restore', () => {
    const file = join(dir, 'summary.db');
    const result = runLatchkey(['backup', file, '--database', databaseUrl]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, new RegExp(`^Backed up .*live\\.db to .*summary\\.db \\(\\d+ KiB\\), one consistent state of the database:\\n`));
    assert.match(result.stdout, /\n {2}clients {9}\d+\n {2}users {11}1\n {2}signing keys {4}1 \(private keys in plaintext: keep the copy as safe as the database, or set secrets\.keyEncryptionKey\)\n/);
    assert.match(result.stdout, /\nRestore: stop the server, copy /);
  });

  it('says when the private signing keys in the copy are encrypted under a key-encryption key', async () => {
    const kek = { LATCHKEY_KEY_ENCRYPTION_KEY: randomBytes(32).toString('base64') };
    const sealedUrl = `sqlite:${join(dir, 'sealed.db')}`;
    await createDatabase(sealedUrl);
    assert.equal(runLatchkey(['keys', 'rotate', '--database', sealedUrl], { env: kek }).status, 0);
    const result = runLatchkey(['backup', join(dir, 'sealed-copy.db'), '--database', sealedUrl, '--json']);
    assert.equal(result.status, 0, result.stderr);
    const summary = JSON.parse(result.stdout) as { signingKeys: number; encryptedSigningKeys: number };
    assert.deepEqual([summary.signingKeys, summary.encryptedSigningKeys], [1, 1]);
    const text = runLatchkey(['backup', join(dir, 'sealed-copy-2.db'), '--database', sealedUrl]);
    assert.match(text.stdout, /\n {2}signing keys {4}1 \(private keys encrypted: restoring needs the key-encryption key, which is not in the copy\)\n/);
  });

  it('never overwrites a file: an existing FILE is refused (exit 1) and left as it was', () => {
    const file = join(dir, 'taken.db');
    writeFileSync(file, 'not a database');
    const result = runLatchkey(['backup', file, '--database', databaseUrl]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^latchkey: .*taken\.db exists: back up to a new file/);
    assert.equal(readFileSync(file, 'utf8'), 'not a database');
    // Not even the live database itself.
    const self = runLatchkey(['backup', databaseUrl.slice('sqlite:'.length), '--database', databaseUrl]);
    assert.equal(self.status, 1);
  });

  it('refuses PostgreSQL in one line that points to pg_dump (exit 2), without connecting', () => {
    const result = runLatchkey(['backup', join(dir, 'pg.db'), '--database', 'postgres://nobody@127.0.0.1:1/nothing']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr.split('\n').length, 2, 'one line');
    assert.match(result.stderr, /^latchkey: backup copies SQLite databases; for PostgreSQL use pg_dump .* see docs\/deploy\.md\n$/);
    assert.equal(existsSync(join(dir, 'pg.db')), false);
  });

  it('refuses an in-memory database (exit 2) and a database file that does not exist (exit 1), creating nothing', () => {
    const memory = runLatchkey(['backup', join(dir, 'memory.db'), '--database', 'sqlite::memory:']);
    assert.equal(memory.status, 2);
    assert.match(memory.stderr, /^latchkey: the database is in memory/);
    const missing = runLatchkey(['backup', join(dir, 'missing-copy.db'), '--database', `sqlite:${join(dir, 'nothing-here.db')}`]);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^latchkey: there is no database at .*nothing-here\.db\n$/);
    assert.equal(existsSync(join(dir, 'nothing-here.db')), false);
    assert.equal(existsSync(join(dir, 'missing-copy.db')), false);
  });
});
