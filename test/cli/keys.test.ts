import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDatabase, runLatchkey } from '../support/cli.js';
import { dumpDatabase } from '../support/dump.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-keys-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const latchkey = (args: string[], env: Record<string, string> = {}) => runLatchkey(args, { env });

interface ListedKey {
  kid: string;
  alg: string;
  status: string;
  createdAt: string;
  retiredAt: string | null;
  expiresAt: string | null;
}

describe('latchkey keys', () => {
  // As the server's first start would: commands other than serve and migrate refuse a file that does not exist.
  before(async () => {
    for (const name of ['empty.db', 'rotate.db', 'eddsa.db']) await createDatabase(`sqlite:${join(dir, name)}`);
  });

  it('says there is no key yet on a new database', () => {
    const result = latchkey(['keys', 'list', '--database', `sqlite:${join(dir, 'empty.db')}`]);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /No signing keys yet/);
  });

  it('refuses, in one line, to create a database where there is none, and creates nothing', () => {
    const file = join(dir, 'missing', 'latchkey.db');
    const result = latchkey(['keys', 'rotate', '--database', `sqlite:${file}`]);
    assert.equal(result.status, 1);
    assert.equal(result.stderr, `latchkey: no database at ${file}: start the server once (latchkey serve) or run latchkey migrate, or point --database (DATABASE_URL) at the server's file\n`);
    assert.ok(!existsSync(join(dir, 'missing')), 'not even its folder');
  });

  it('rotates twice and lists two keys, one current and one retired within its grace period', () => {
    const database = `sqlite:${join(dir, 'rotate.db')}`;
    const first = latchkey(['keys', 'rotate', '--database', database]);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^New signing key [\w-]{43} \(ES256\) is current\.\nThere was no previous key\./);

    const second = latchkey(['keys', 'rotate', '--json', '--database', database], { LATCHKEY_KEY_ROTATION_GRACE: '7200' });
    assert.equal(second.status, 0, second.stderr);
    const rotated = JSON.parse(second.stdout) as { kid: string; alg: string; createdAt: string; retired: ListedKey[] };
    assert.equal(rotated.retired.length, 1);
    const [old] = rotated.retired as [ListedKey];
    assert.equal(Date.parse(old.expiresAt!) - Date.parse(rotated.createdAt), 7200 * 1000, 'the grace period comes from the configuration');

    const listed = latchkey(['keys', 'list', '--json', '--database', database]);
    assert.equal(listed.status, 0, listed.stderr);
    const keys = JSON.parse(listed.stdout) as ListedKey[];
    assert.deepEqual(
      keys.map(({ kid, status }) => ({ kid, status })),
      [
        { kid: rotated.kid, status: 'current' },
        { kid: old.kid, status: 'retired' },
      ],
    );
    assert.equal(keys[1]!.expiresAt, old.expiresAt);
    assert.ok(!listed.stdout.includes('"d"'), 'no private key material');

    const table = latchkey(['keys', 'list', '--database', database]);
    assert.equal(table.status, 0, table.stderr);
    const lines = table.stdout.trimEnd().split('\n');
    assert.match(lines[0]!, /^KID\s+ALG\s+CREATED\s+STATUS$/);
    const until = old.expiresAt!.slice(0, 19).replace('T', ' ');
    assert.match(lines[1]!, new RegExp(`^${rotated.kid}\\s+ES256\\s+\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\s+current$`));
    assert.match(lines[2]!, new RegExp(`^${old.kid}\\s+ES256\\s+.+ UTC\\s+retired \\(verifies until ${until} UTC\\)$`));
  });

  it('rotates to the configured algorithm', () => {
    const result = latchkey(['keys', 'rotate', '--json', '--database', `sqlite:${join(dir, 'eddsa.db')}`], { LATCHKEY_SIGNING_ALG: 'EdDSA' });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(JSON.parse(result.stdout).alg, 'EdDSA');
  });
});

describe('latchkey keys with a key-encryption key', () => {
  const kek = randomBytes(32).toString('base64');
  before(() => createDatabase(`sqlite:${join(dir, 'rewrap.db')}`));

  it('refuses to rewrap without a key-encryption key, in one line', () => {
    const result = latchkey(['keys', 'rewrap', '--database', `sqlite:${join(dir, 'no-kek.db')}`]);
    assert.equal(result.status, 2);
    assert.equal(result.stderr, 'latchkey: no key-encryption key is set: set LATCHKEY_KEY_ENCRYPTION_KEY or LATCHKEY_KEY_ENCRYPTION_KEY_FILE (see docs/secrets.md)\n');
  });

  it('rewraps a key stored in plaintext, after which commands without the key refuse in one line and add no key', async () => {
    const database = `sqlite:${join(dir, 'rewrap.db')}`;
    assert.equal(latchkey(['keys', 'rotate', '--database', database]).status, 0);
    assert.match((await dumpDatabase(database)).text, /"d\\?"\s*:/, 'rotated without a key: in plaintext');

    const rewrap = latchkey(['keys', 'rewrap', '--json', '--database', database], { LATCHKEY_KEY_ENCRYPTION_KEY: kek });
    assert.equal(rewrap.status, 0, rewrap.stderr);
    const summary = JSON.parse(rewrap.stdout) as { kekId: string; signingKeys: { total: number; sealed: number } };
    assert.deepEqual(summary.signingKeys, { total: 1, sealed: 1 });
    assert.ok(!rewrap.stdout.includes(kek), 'the key is never printed');
    const sealed = (await dumpDatabase(database)).text;
    assert.doesNotMatch(sealed, /"d\\?"\s*:/);
    assert.ok(sealed.includes(`lk1.${summary.kekId}.`));

    for (const command of ['list', 'rotate']) {
      const refused = latchkey(['keys', command, '--database', database]);
      assert.equal(refused.status, 2, `keys ${command}`);
      assert.match(refused.stderr, /^latchkey: The database holds encrypted keys and secrets .* no key-encryption key is set[^\n]*\n$/);
    }
    assert.equal((await dumpDatabase(database)).text, sealed, 'no key was added in plaintext beside the sealed one');
    const listed = latchkey(['keys', 'list', '--json', '--database', database], { LATCHKEY_KEY_ENCRYPTION_KEY: kek });
    assert.equal(listed.status, 0, listed.stderr);
    assert.equal((JSON.parse(listed.stdout) as ListedKey[]).length, 1);
  });
});
