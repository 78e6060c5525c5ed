import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runLatchkey } from '../support/cli.js';
import { spawnServer } from '../support/process.js';
import { mountSmallFilesystem } from '../support/small-filesystem.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const latchkey = (args: string[], env: Record<string, string> = {}) => runLatchkey(args, { env });

describe('the latchkey command', () => {
  it('migrates a new SQLite database and says so', () => {
    const file = join(dir, 'migrate.db');
    const result = latchkey(['migrate', '--database', `sqlite:${file}`]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /sqlite database is up to date/);
    assert.ok(existsSync(file));
  });

  it('refuses a bad flag value, naming the key and the flag', () => {
    const result = latchkey(['serve', '--port', 'eighty', '--database', `sqlite:${join(dir, 'x.db')}`]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /port \(from --port\) must be an integer/);
    assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  });

  it('refuses a bad environment value, naming the key and the variable', () => {
    const result = latchkey(['serve'], { LATCHKEY_REGISTRATION_PROFILE: 'open-to-all' });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /registration\.profile \(from environment variable LATCHKEY_REGISTRATION_PROFILE\) must be one of default, confidential, public-only/);
  });

  it('refuses an unknown key in the configuration file', () => {
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ registration: { profle: 'public-only' } }));
    const result = latchkey(['migrate', '--config', file]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /Unknown configuration key "registration\.profle"/);
  });

  it('shows help for serve', () => {
    const result = latchkey(['serve', '--help']);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /--database <url>/);
  });

  it('shows help, with exit status 0, for every command group and command, each listing only the flags it reads', () => {
    const groups = { users: ['add', 'list', 'remove', 'set-password'], clients: ['list', 'show', 'create', 'delete'], iat: ['create', 'list', 'revoke'], keys: ['list', 'rotate'] };
    const top = latchkey(['--help']);
    assert.equal(top.status, 0);
    for (const name of ['serve', 'migrate', 'gc', ...Object.keys(groups)]) assert.match(top.stdout, new RegExp(`\\n  ${name}\\b`), `${name} is listed`);
    for (const [group, commands] of Object.entries(groups)) {
      const help = latchkey([group, '--help']);
      assert.equal(help.status, 0, `${group} --help`);
      for (const command of commands) {
        assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`), `${group} ${command} is listed`);
        const commandHelp = latchkey([group, command, '--help']);
        assert.equal(commandHelp.status, 0, `${group} ${command} --help`);
        assert.match(commandHelp.stdout, new RegExp(`^Usage: latchkey ${group} ${command}`));
        // Each of them opens the database; none listens or registers (serve --help lists those: config-flags.test.ts).
        assert.match(commandHelp.stdout, /\n {2}--database <url> /, `${group} ${command} --help lists --database`);
        for (const flag of ['--port', '--issuer', '--profile', '--registration-mode', '--redis']) {
          assert.ok(!commandHelp.stdout.includes(flag), `${group} ${command} --help does not list ${flag}`);
        }
      }
    }
  });

  it('says in one line, without a stack trace, that PostgreSQL cannot be reached, never printing its password', () => {
    const result = latchkey(['migrate', '--database', 'postgres://latchkey:s3cret-pw@127.0.0.1:1/latchkey']);
    assert.equal(result.status, 1);
    assert.equal(
      result.stderr,
      'latchkey: cannot reach PostgreSQL at 127.0.0.1:1 (connection refused): start it, or correct database.url (--database, DATABASE_URL)\n',
    );
  });

  it('says in one line that the SQLite file cannot be created under a path that is a file', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    const result = latchkey(['migrate', '--database', `sqlite:${join(file, 'data', 'latchkey.db')}`]);
    assert.equal(result.status, 1);
    assert.match(result.stderr, /^latchkey: cannot create or open the SQLite database .*a-file\/data\/latchkey\.db: a part of .*a-file\S* is a file, not a folder; give it a folder that the user running latchkey may write to, or choose another file with --database \(DATABASE_URL\)\n$/);
  });

  it('says in one line that serve cannot create its SQLite file on a read-only file system', (context) => {
    const readOnly = mountSmallFilesystem(1, { readOnly: true });
    if (typeof readOnly === 'string') return context.skip(readOnly);
    try {
      const result = latchkey(['serve', '--log-level', 'silent', '--port', '0', '--database', `sqlite:${join(readOnly.dir, 'latchkey.db')}`]);
      assert.equal(result.status, 1);
      assert.match(result.stderr, /^latchkey: cannot create or open the SQLite database .*latchkey\.db: .* is on a read-only file system; give it a folder [^\n]*\n$/);
    } finally {
      readOnly.unmount();
    }
  });

  it('exits 2 for an unknown command or a group without a command', () => {
    assert.equal(latchkey(['frobnicate']).status, 2);
    assert.equal(latchkey(['clients']).status, 2);
  });
});

describe('latchkey serve on a new database', () => {
  it('with stderr not a terminal (a container log), prints no first-run password but how to set one, and shuts down on SIGTERM', async () => {
    const databaseUrl = `sqlite:${join(dir, 'first-run.db')}`;
    const first = await spawnServer({ databaseUrl });
    try {
      assert.match(first.output(), /\[stderr\] First start: created the administrator "admin"\. Its random password is not shown/);
      assert.match(first.output(), /\[stderr\] Set one with: npx latchkey users set-password admin/);
      assert.doesNotMatch(first.output(), /with the password/, 'no password anywhere in the output');
      const logLines = first.output().split('\n').filter((line) => line.startsWith('{'));
      const warning = logLines.map((line) => JSON.parse(line) as { level: number; msg: string }).find((line) => /set its password/.test(line.msg));
      assert.equal(warning?.level, 40, 'the log has the instruction as a warning');
      const setPassword = runLatchkey(['users', 'set-password', 'admin', '--password-stdin', '--database', databaseUrl], { input: 'a new admin password here\n' });
      assert.equal(setPassword.status, 0, setPassword.stderr);
    } catch (error) {
      await first.kill();
      throw error;
    }
    await first.kill('SIGTERM');
    assert.deepEqual(await first.exited, { code: 0, signal: null }, 'a graceful shutdown exits 0');
    const second = await spawnServer({ databaseUrl });
    try {
      assert.doesNotMatch(second.output(), /created the administrator/);
    } finally {
      await second.kill();
    }
  });
});
