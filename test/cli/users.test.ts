import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDatabase, runLatchkey, withDatabase } from '../support/cli.js';
import { latchkeyCommand } from '../support/process.js';
import BetterSqlite3 from 'better-sqlite3';
import { verifyPassword } from '../../src/users/password.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-users-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `latchkey users …` against `file`; `input` is piped to standard input (never a terminal). */
function users(file: string, args: string[], input = '') {
  return runLatchkey(['users', ...args, '--database', `sqlite:${file}`], { input });
}

/** The `users` rows as stored, read straight from the SQLite file. */
function storedUsers(file: string): { username: string; password_hash: string; is_admin: number }[] {
  const db = new BetterSqlite3(file, { readonly: true });
  try {
    return db.prepare('select username, password_hash, is_admin from users order by username').all() as {
      username: string;
      password_hash: string;
      is_admin: number;
    }[];
  } finally {
    db.close();
  }
}

/**
 * Runs `latchkey users …` on a pseudo-terminal (util-linux `script`), so that it sees a terminal on stdin and
 * stderr; `input` is typed into it. The terminal merges stdout and stderr, with CR LF line ends.
 */
function usersOnTerminal(file: string, args: string[], input: string) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, ...latchkeyCommand, 'users', ...args, '--database', `sqlite:${file}`].map(quote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', input, env: { PATH: process.env['PATH'] ?? '' }, timeout: 30_000 });
  return { status: result.status, output: result.stdout.replace(/\r\n/g, '\n') };
}
const hasScript = spawnSync('script', ['--version']).status === 0;

interface ListedUser {
  id: string;
  username: string;
  name: string | null;
  email: string | null;
  isAdmin: boolean;
  createdAt: string;
}

function listJson(file: string): ListedUser[] {
  const result = users(file, ['list', '--json']);
  assert.equal(result.status, 0, result.stderr);
  return JSON.parse(result.stdout) as ListedUser[];
}

describe('latchkey users', () => {
  const file = join(dir, 'users.db');

  it('adds a user with the password from --password-stdin and lists it as JSON', async () => {
    const added = users(file, ['add', 'Alice', '--admin', '--name', 'Alice Example', '--email', 'alice@example.com', '--password-stdin'], 'correct horse battery\n');
    assert.equal(added.status, 0, added.stderr);
    assert.match(added.stdout, /Created admin user alice/);
    const events = await withDatabase(`sqlite:${file}`, (storage) => storage.auditEvents.listAuditEvents({ type: 'user.created', limit: 5 }));
    assert.deepEqual(events.map((event) => [event.actor, event.data]), [['cli', { username: 'alice', is_admin: true, provider: 'local' }]], 'recorded as user.created by cli');
    // Before the first start, as docs/deploy.md does: the only command that creates the database, and says so.
    assert.equal(added.stderr, `latchkey: there was no database at ${file}: created a new one (the server must use this file too)\n`);

    const listed = listJson(file);
    assert.equal(listed.length, 1);
    assert.deepEqual({ ...listed[0], id: undefined, createdAt: undefined }, {
      id: undefined,
      username: 'alice',
      name: 'Alice Example',
      email: 'alice@example.com',
      isAdmin: true,
      createdAt: undefined,
    });
    assert.ok(!Number.isNaN(Date.parse(listed[0]!.createdAt)));
  });

  it('stores a scrypt hash of the password (without the trailing newline), never the password itself', async () => {
    const [row] = storedUsers(file);
    assert.equal(row?.username, 'alice');
    assert.match(row!.password_hash, /^scrypt\$32768\$8\$1\$[A-Za-z0-9_-]+\$[A-Za-z0-9_-]+$/);
    assert.doesNotMatch(row!.password_hash, /correct horse/);
    assert.equal(await verifyPassword('correct horse battery', row!.password_hash), true);
  });

  it('never prints the password hash', () => {
    const json = users(file, ['list', '--json']);
    const table = users(file, ['list']);
    for (const output of [json.stdout, table.stdout]) {
      assert.doesNotMatch(output, /scrypt|passwordHash|password_hash/);
    }
  });

  it('lists users as a readable table', () => {
    const result = users(file, ['list']);
    assert.equal(result.status, 0, result.stderr);
    const [header, row] = result.stdout.trimEnd().split('\n');
    assert.match(header!, /^USERNAME\s+ADMIN\s+NAME\s+EMAIL\s+CREATED/);
    assert.match(row!, /^alice\s+yes\s+Alice Example\s+alice@example\.com\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
  });

  it('refuses to add a username that exists, in any case (exit 1), and keeps the first user', () => {
    const result = users(file, ['add', 'ALICE', '--password-stdin'], 'another password\n');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /"alice" already exists/);
    assert.equal(listJson(file).length, 1);
  });

  it('refuses without a terminal and without --password-stdin (exit 2), pointing to --password-stdin', () => {
    const result = users(file, ['add', 'bob']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /--password-stdin/);
    assert.equal(storedUsers(file).some((u) => u.username === 'bob'), false);
  });

  it('refuses a too-short password (exit 2) and stores nothing', () => {
    const result = users(file, ['add', 'bob', '--password-stdin'], 'short\n');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /at least 8 characters/);
    assert.equal(storedUsers(file).some((u) => u.username === 'bob'), false);
  });

  it('refuses an invalid username (exit 2) without a stack trace', () => {
    const result = users(file, ['add', 'bob smith', '--password-stdin'], 'long enough password\n');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /username may only contain/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
  });

  it('refuses standard input of more than one line (exit 2)', () => {
    const result = users(file, ['add', 'bob', '--password-stdin'], 'first line\nsecond line\n');
    assert.equal(result.status, 2);
    assert.match(result.stderr, /more than one line/);
  });

  it('replaces a password with set-password', async () => {
    assert.equal(users(file, ['add', 'carol', '--password-stdin'], 'carol first password').status, 0);
    const before = storedUsers(file).find((u) => u.username === 'carol')!.password_hash;
    const result = users(file, ['set-password', 'Carol', '--password-stdin'], 'carol second password\n');
    assert.equal(result.status, 0, result.stderr);
    const after = storedUsers(file).find((u) => u.username === 'carol')!.password_hash;
    assert.notEqual(after, before);
    assert.equal(await verifyPassword('carol second password', after), true);
    assert.equal(await verifyPassword('carol first password', after), false);
  });

  it('refuses set-password for an unknown user (exit 1)', () => {
    const result = users(file, ['set-password', 'nobody', '--password-stdin'], 'some password\n');
    assert.equal(result.status, 1);
    assert.match(result.stderr, /no user named "nobody"/);
  });

  it('refuses to remove without --yes when there is no terminal to ask (exit 2), and removes nothing', () => {
    const result = users(file, ['remove', 'carol']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'latchkey: No terminal to confirm the removal: add --yes to remove without asking.\n');
    assert.ok(storedUsers(file).some((u) => u.username === 'carol'));
  });

  it('removes a user with --yes, recorded as user.removed by cli, and refuses to remove one that does not exist (exit 1)', async () => {
    const removed = users(file, ['remove', 'Carol', '--yes']);
    assert.equal(removed.status, 0, removed.stderr);
    assert.equal(removed.stdout, 'Removed user carol.\n');
    assert.deepEqual(
      listJson(file).map((u) => u.username),
      ['alice'],
    );
    const events = await withDatabase(`sqlite:${file}`, (storage) => storage.auditEvents.listAuditEvents({ type: 'user.removed', limit: 5 }));
    assert.deepEqual(events.map((event) => [event.actor, event.data['username']]), [['cli', 'carol']]);
    const again = users(file, ['remove', 'carol', '-y']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no user named "carol"/);
  });

  it('asks for confirmation on a terminal: "n" keeps the user (exit 2), "y" removes them', { skip: hasScript ? false : 'util-linux script is not installed' }, () => {
    assert.equal(users(file, ['add', 'dave', '--password-stdin'], 'dave dave dave dave').status, 0);
    const declined = usersOnTerminal(file, ['remove', 'dave'], 'n\n');
    assert.equal(declined.status, 2, declined.output);
    assert.match(declined.output, /Remove user dave\? Their consents, grants and linked identities go with them, and their refresh tokens stop working at once\. \[y\/N\]/);
    assert.match(declined.output, /Cancelled: nothing was removed\./);
    assert.ok(storedUsers(file).some((u) => u.username === 'dave'));

    const accepted = usersOnTerminal(file, ['remove', 'dave'], 'y\n');
    assert.equal(accepted.status, 0, accepted.output);
    assert.match(accepted.output, /Removed user dave\./);
    assert.equal(storedUsers(file).some((u) => u.username === 'dave'), false);
  });

  it('refuses to list the users of a database that does not exist (exit 1), and says so when there are none', async () => {
    const file = join(dir, 'empty.db');
    const missing = users(file, ['list']);
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /^latchkey: no database at .*empty\.db: start the server once \(latchkey serve\) or run latchkey migrate, [^\n]*\n$/);
    assert.equal(missing.stdout, '');
    assert.ok(!existsSync(file), 'no empty database was left behind');
    await createDatabase(`sqlite:${file}`);
    const result = users(file, ['list']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal(result.stdout, 'No users.\n');
  });

  it('refuses a bad --database (exit 2)', () => {
    const result = runLatchkey(['users', 'list', '--database', 'mysql://x']);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /database\.url must start with sqlite: or postgres:\/\//);
  });
});
