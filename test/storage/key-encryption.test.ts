import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import {
  createKeyEncryption,
  isSealed,
  keyEncryptionFrom,
  parseKeyEncryptionKey,
  SecretsAtRestError,
  sealedKeyId,
} from '../../src/storage/key-encryption.js';

const newKey = () => randomBytes(32).toString('base64');
const kek = (text: string) => parseKeyEncryptionKey(text, 'test');
const secretsConfig = (env: Record<string, string>) => loadConfig({ env }).secrets;

const dir = mkdtempSync(join(tmpdir(), 'latchkey-kek-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Asserts that `work` throws a SecretsAtRestError whose message matches `pattern` and never holds `secret`. */
function refuses(work: () => unknown, pattern: RegExp, secret?: string): void {
  assert.throws(work, (error: unknown) => {
    assert.ok(error instanceof SecretsAtRestError, String(error));
    assert.match(error.message, pattern);
    assert.ok(!error.message.includes('\n'), 'one line');
    if (secret !== undefined) assert.ok(!error.message.includes(secret), 'the key is never in the message');
    return true;
  });
}

describe('key encryption (AES-256-GCM envelopes)', () => {
  it('seals a value into a versioned envelope that names its key, and opens it again', () => {
    const encryption = createKeyEncryption(kek(newKey()));
    const sealed = encryption.seal('the cookie secret', 'server_secrets/cookie-signing');
    assert.match(sealed, /^lk1\.[\w-]{11}\.[\w-]{16}\.[\w-]+$/);
    assert.ok(isSealed(sealed));
    assert.equal(sealedKeyId(sealed), encryption.currentKeyId);
    assert.ok(!sealed.includes('cookie'), 'the plaintext is not in the envelope');
    assert.equal(encryption.open(sealed, 'server_secrets/cookie-signing'), 'the cookie secret');
    assert.notEqual(encryption.seal('the cookie secret', 'server_secrets/cookie-signing'), sealed, 'a fresh nonce each time');
  });

  it('does not open a value moved to another row (the context is authenticated)', () => {
    const encryption = createKeyEncryption(kek(newKey()));
    const sealed = encryption.seal('{"d":"private"}', 'signing_keys/kid-1/private_jwk');
    refuses(() => encryption.open(sealed, 'signing_keys/kid-2/private_jwk'), /does not decrypt.*copied from another row/);
  });

  it('does not open an altered or truncated value', () => {
    const encryption = createKeyEncryption(kek(newKey()));
    const sealed = encryption.seal('secret', 'server_secrets/a');
    const [prefix, keyId, nonce, body] = sealed.split('.') as [string, string, string, string];
    const flipped = body.slice(0, 5) + (body[5] === 'A' ? 'B' : 'A') + body.slice(6);
    refuses(() => encryption.open([prefix, keyId, nonce, flipped].join('.'), 'server_secrets/a'), /does not decrypt/);
    refuses(() => encryption.open([prefix, keyId, nonce.slice(2), body].join('.'), 'server_secrets/a'), /does not decrypt/);
    refuses(() => encryption.open('lk1.only-two', 'server_secrets/a'), /not a sealed value/);
  });

  it('opens values sealed under an older key, and seals only under the current one', () => {
    const oldKey = kek(newKey());
    const before = createKeyEncryption(oldKey).seal('secret', 'server_secrets/a');
    const rotated = createKeyEncryption(kek(newKey()), [oldKey]);
    assert.equal(rotated.open(before, 'server_secrets/a'), 'secret');
    assert.notEqual(sealedKeyId(before), rotated.currentKeyId);
    assert.equal(sealedKeyId(rotated.seal('secret', 'server_secrets/a')), rotated.currentKeyId);
  });

  it('refuses a value sealed under a key that is not configured, naming the key by its id only', () => {
    const text = newKey();
    const sealed = createKeyEncryption(kek(text)).seal('secret', 'server_secrets/a');
    const other = createKeyEncryption(kek(newKey()));
    refuses(() => other.open(sealed, 'server_secrets/a'), new RegExp(`sealed with key-encryption key ${sealedKeyId(sealed)}, which is not configured`), text);
    refuses(() => createKeyEncryption(undefined).open(sealed, 'server_secrets/a'), /no key-encryption key is set: set LATCHKEY_KEY_ENCRYPTION_KEY/, text);
  });

  it('reads a key as base64 or base64url of 32 bytes, and refuses anything else without echoing it', () => {
    const bytes = randomBytes(32);
    const id = (text: string) => createKeyEncryption(kek(text)).currentKeyId;
    assert.equal(id(bytes.toString('base64')), id(bytes.toString('base64url')));
    assert.equal(id(`${bytes.toString('base64')}\n`), id(bytes.toString('base64')), 'a trailing newline (from a file or echo) is fine');
    for (const bad of [randomBytes(31).toString('base64'), randomBytes(32).toString('hex'), 'correct horse battery staple', `${newKey()}!`]) {
      refuses(() => parseKeyEncryptionKey(bad, 'LATCHKEY_KEY_ENCRYPTION_KEY'), /LATCHKEY_KEY_ENCRYPTION_KEY must be 32 random bytes in base64 \(generate one with: openssl rand -base64 32\)/, bad);
    }
  });
});

describe('key-encryption keys from the configuration', () => {
  it('takes the current key from LATCHKEY_KEY_ENCRYPTION_KEY and older ones from LATCHKEY_KEY_ENCRYPTION_KEYS_OLD', () => {
    const [current, old1, old2] = [newKey(), newKey(), newKey()];
    const sealedOld = createKeyEncryption(kek(old2)).seal('s', 'server_secrets/a');
    const encryption = keyEncryptionFrom(
      secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEY: current, LATCHKEY_KEY_ENCRYPTION_KEYS_OLD: `${old1},${old2}` }),
    );
    assert.equal(encryption.currentKeyId, createKeyEncryption(kek(current)).currentKeyId);
    assert.equal(encryption.open(sealedOld, 'server_secrets/a'), 's');
    assert.equal(keyEncryptionFrom(secretsConfig({})).currentKeyId, undefined, 'none by default');
  });

  it('reads a key file (Docker and systemd secrets): the first key seals, further lines only open', () => {
    const [current, old] = [newKey(), newKey()];
    const file = join(dir, 'kek');
    writeFileSync(file, `# rotated 2026-01\n${current}\n\n${old}\n`);
    const encryption = keyEncryptionFrom(secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEY_FILE: file }));
    assert.equal(encryption.currentKeyId, createKeyEncryption(kek(current)).currentKeyId);
    assert.equal(encryption.open(createKeyEncryption(kek(old)).seal('s', 'server_secrets/a'), 'server_secrets/a'), 's');
  });

  it('refuses a bad key file, and a key set both ways, in one line that holds no key', () => {
    const bad = 'not-a-key';
    const file = join(dir, 'bad');
    writeFileSync(file, `${newKey()}\n${bad}\n`);
    refuses(() => keyEncryptionFrom(secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEY_FILE: file })), /line 2 of secrets\.keyEncryptionKeyFile .* must be 32 random bytes/, bad);
    refuses(() => keyEncryptionFrom(secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEY_FILE: join(dir, 'missing') })), /Cannot read secrets\.keyEncryptionKeyFile .*: ENOENT/);
    writeFileSync(join(dir, 'empty'), '\n# nothing\n');
    refuses(() => keyEncryptionFrom(secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEY_FILE: join(dir, 'empty') })), /holds no key/);
    const key = newKey();
    refuses(() => keyEncryptionFrom(secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEY: key, LATCHKEY_KEY_ENCRYPTION_KEY_FILE: file })), /not both/, key);
    refuses(() => keyEncryptionFrom(secretsConfig({ LATCHKEY_KEY_ENCRYPTION_KEYS_OLD: `${newKey()},${bad}` })), /secrets\.oldKeyEncryptionKeys\[1\] must be/, bad);
  });
});
