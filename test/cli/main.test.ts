import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { runLatchkey } from '../support/cli.js';

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
});
