import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { Config } from '../../src/config/defaults.js';
import { generateSigningKey } from '../../src/keys/jwks.js';
import { createKeyEncryption, parseKeyEncryptionKey, SecretsAtRestError } from '../../src/storage/key-encryption.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { SigningKeyRecord } from '../../src/ports/signing-keys.js';
import type { Storage } from '../../src/ports/storage.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';
import { dumpDatabase } from '../support/dump.js';

const newKek = () => randomBytes(32).toString('base64');
const kekId = (text: string) => createKeyEncryption(parseKeyEncryptionKey(text, 'test')).currentKeyId!;
const secrets = (current: string | null, old: string[] = []): Config['secrets'] => ({
  keyEncryptionKey: current,
  keyEncryptionKeyFile: null,
  oldKeyEncryptionKeys: old,
});

/** Runs one statement on the test database outside Latchkey (`?` placeholders, numbered for PostgreSQL). */
async function rawExecute(url: string, text: string, params: unknown[]): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const db = new BetterSqlite3(url.slice('sqlite:'.length));
    try {
      db.prepare(text).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    await client.query(text.replace(/\?/g, () => `$${++n}`), params);
  } finally {
    await client.end();
  }
}

const refusal = (pattern: RegExp) => (error: unknown) => error instanceof SecretsAtRestError && pattern.test(error.message);

/**
 * Private signing keys and server secrets at rest: sealed under the key-encryption key (AES-256-GCM, bound to
 * their row), plaintext rows of earlier versions sealed, rotation by rewrapping, and refusal (never new keys)
 * when the configured keys do not open what is stored.
 */
export function storageSecretsAtRestContract(kind: DatabaseKind): void {
  describe('secrets at rest', () => {
    let database: TestDatabase;
    const opened: Storage[] = [];
    const open = async (keys: Config['secrets']) => {
      const storage = await openStorage({ url: database.url, sqliteSynchronous: 'full', poolSize: 2 }, { secrets: keys });
      opened.push(storage);
      await storage.migrate();
      return storage;
    };
    /** Closes every storage opened so far (SQLite then holds everything in the main file). */
    const closeAll = async () => {
      for (const storage of opened.splice(0)) await storage.close();
    };
    const dump = async () => (await dumpDatabase(database.url)).text;

    beforeEach(async () => {
      database = await kind.create();
    });
    afterEach(async () => {
      await closeAll();
      await database.cleanup();
    });

    /** Two keys (the first retired) and the cookie secret, written through `storage`. */
    async function seed(storage: Storage): Promise<{ first: SigningKeyRecord; second: SigningKeyRecord; secret: string }> {
      const first = await generateSigningKey('ES256', 1000);
      const second = await generateSigningKey('RS256', 2000);
      assert.equal(await storage.signingKeys.insertFirstSigningKey(first), true);
      await storage.signingKeys.rotateSigningKey(second, 9_000_000);
      const secret = await storage.secrets.getOrCreateSecret('cookie-signing', () => randomBytes(32).toString('base64url'), 1);
      return { first: { ...first, retiredAt: 2000, expiresAt: 9_000_000 }, second, secret };
    }

    function assertNoPlaintext(text: string, { first, second, secret }: Awaited<ReturnType<typeof seed>>): void {
      assert.ok(text.includes(String(first.publicJwk.x)), 'the dump holds the public keys (it reads the right database)');
      for (const value of [first.privateJwk.d, second.privateJwk.d, second.privateJwk.p, second.privateJwk.q, secret]) {
        assert.ok(typeof value === 'string' && !text.includes(value), 'no private key member and no secret in plaintext');
      }
      assert.ok(!/"d\\?"\s*:/.test(text), 'no JWK "d" member at all');
    }

    it('stores private keys and secrets sealed: the database holds no private key material and no secret in plaintext', async () => {
      const kek = newKek();
      const storage = await open(secrets(kek));
      const seeded = await seed(storage);
      assert.deepEqual(await storage.signingKeys.listSigningKeys(3000), [seeded.second, seeded.first], 'read back unchanged');
      assert.equal(await storage.secrets.getOrCreateSecret('cookie-signing', () => 'other', 2), seeded.secret);
      await closeAll();
      const text = await dump();
      assertNoPlaintext(text, seeded);
      assert.equal(text.split(`lk1.${kekId(kek)}.`).length - 1, 3, 'two private keys and one secret, sealed under the key');
    });

    it('does not decrypt a sealed private key or secret copied into another row', async () => {
      const storage = await open(secrets(newKek()));
      const { first, second } = await seed(storage);
      await storage.secrets.getOrCreateSecret('other', () => 'other-secret', 1);
      await rawExecute(database.url, 'update signing_keys set private_jwk = (select private_jwk from signing_keys where kid = ?) where kid = ?', [second.kid, first.kid]);
      await rawExecute(database.url, "update server_secrets set value = (select value from server_secrets where name = 'other') where name = 'cookie-signing'", []);
      await assert.rejects(storage.signingKeys.listSigningKeys(3000), refusal(new RegExp(`signing_keys/${first.kid}/private_jwk does not decrypt .* copied from another row`)));
      await assert.rejects(storage.secrets.getOrCreateSecret('cookie-signing', () => 'x', 2), refusal(/server_secrets\/cookie-signing does not decrypt/));
    });

    it('seals the private keys and secrets an earlier version stored in plaintext, once a key is set', async () => {
      const seeded = await seed(await open(secrets(null)));
      await closeAll();
      assert.ok((await dump()).includes(String(seeded.second.privateJwk.d)), 'without a key, stored in plaintext');

      const storage = await open(secrets(newKek()));
      assert.deepEqual(await storage.signingKeys.listSigningKeys(3000), [seeded.second, seeded.first], 'plaintext rows are still read');
      assert.deepEqual(await storage.signingKeys.sealPrivateKeys('plaintext'), { total: 2, sealed: 2 });
      assert.deepEqual(await storage.secrets.sealSecrets('plaintext'), { total: 1, sealed: 1 });
      assert.deepEqual(await storage.signingKeys.sealPrivateKeys('plaintext'), { total: 2, sealed: 0 }, 'nothing left to seal');
      assert.deepEqual(await storage.signingKeys.listSigningKeys(3000), [seeded.second, seeded.first]);
      assert.equal(await storage.secrets.getOrCreateSecret('cookie-signing', () => 'other', 2), seeded.secret);
      await closeAll();
      assertNoPlaintext(await dump(), seeded);
    });

    it('rotates the key-encryption key: the old key listed as old still decrypts, rewrap leaves nothing under it', async () => {
      const [oldKek, newKekText] = [newKek(), newKek()];
      const seeded = await seed(await open(secrets(oldKek)));
      await closeAll();

      const rotated = await open(secrets(newKekText, [oldKek]));
      assert.deepEqual(await rotated.signingKeys.listSigningKeys(3000), [seeded.second, seeded.first]);
      assert.deepEqual(await rotated.signingKeys.sealPrivateKeys('plaintext'), { total: 2, sealed: 0 }, 'a start rewraps nothing');
      assert.deepEqual(await rotated.signingKeys.sealPrivateKeys('all'), { total: 2, sealed: 2 });
      assert.deepEqual(await rotated.secrets.sealSecrets('all'), { total: 1, sealed: 1 });
      await closeAll();
      const text = await dump();
      assert.ok(!text.includes(`lk1.${kekId(oldKek)}.`), 'no row is left under the old key');
      assert.equal(text.split(`lk1.${kekId(newKekText)}.`).length - 1, 3);

      const withoutOld = await open(secrets(newKekText));
      assert.deepEqual(await withoutOld.signingKeys.listSigningKeys(3000), [seeded.second, seeded.first], 'the old key is no longer needed');
      assert.equal(await withoutOld.secrets.getOrCreateSecret('cookie-signing', () => 'other', 2), seeded.secret);
      const onlyOld = await open(secrets(oldKek));
      await assert.rejects(onlyOld.signingKeys.listSigningKeys(3000), refusal(new RegExp(`key-encryption key ${kekId(newKekText)}, which is not configured`)));
    });

    it('refuses to read or rewrap with a wrong key, or none, and writes nothing', async () => {
      const seeded = await seed(await open(secrets(newKek())));
      await closeAll();
      const before = await dump();

      const wrong = await open(secrets(newKek()));
      await assert.rejects(wrong.signingKeys.listSigningKeys(3000), refusal(/which is not configured/));
      await assert.rejects(wrong.signingKeys.sealPrivateKeys('all'), refusal(/which is not configured/));
      await assert.rejects(wrong.secrets.sealSecrets('all'), refusal(/which is not configured/));
      await assert.rejects(wrong.secrets.getOrCreateSecret('cookie-signing', () => 'new', 2), refusal(/which is not configured/));
      const none = await open(secrets(null));
      await assert.rejects(none.signingKeys.listSigningKeys(3000), refusal(/no key-encryption key is set/));
      await assert.rejects(none.signingKeys.sealPrivateKeys('plaintext'), refusal(/no key-encryption key is set/));
      await closeAll();
      assert.equal(await dump(), before, 'nothing was written');
      assertNoPlaintext(before, seeded);
    });
  });
}
