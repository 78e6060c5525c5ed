import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';

/**
 * Encryption at rest of the private signing keys and the server secrets, under a key-encryption key (KEK) that
 * lives outside the database: whoever reads the database file (or a backup of it) learns nothing that lets
 * them mint tokens or forge sessions.
 *
 * A sealed value is one text, `lk1.<kek id>.<nonce>.<ciphertext and tag>` (base64url parts): AES-256-GCM with a
 * random 96-bit nonce (NIST SP 800-38D §8.2.2; a few values per key, far below its 2^32 limit), whose additional
 * authenticated data is the envelope's header and the value's context (its table and row), so that a sealed
 * value copied into another row, or given another header, does not open. The KEK id names which of the
 * configured keys sealed it, so that older keys keep opening values during a rotation.
 */

/** The version prefix of sealed values. Generated secrets (base64url) and JSON never start with it. */
const version = 'lk1';
const nonceBytes = 12;
const tagBytes = 16;
const keyBytes = 32;

/** A configuration or database state that stops the server: said in one line, without a stack trace. */
export class SecretsAtRestError extends ConfigError {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsAtRestError';
  }
}

/** The key-encryption keys in use: the current one seals; it and the older ones open. */
export interface KeyEncryption {
  /** The id of the key that seals, or undefined when no KEK is set (values are then stored in plaintext). */
  readonly currentKeyId: string | undefined;
  /** `plaintext` sealed under the current key and bound to `context` (e.g. `server_secrets/cookie-signing`). */
  seal(plaintext: string, context: string): string;
  /** The plaintext of a sealed value. Throws {@link SecretsAtRestError} when no configured key opens it. */
  open(sealed: string, context: string): string;
}

/** Whether a stored value is sealed (rather than plaintext written before a KEK was set). */
export function isSealed(value: string): boolean {
  return value.startsWith(`${version}.`);
}

/** The KEK id inside a sealed value (undefined for plaintext). */
export function sealedKeyId(value: string): string | undefined {
  return isSealed(value) ? value.split('.')[1] : undefined;
}

/**
 * A public name for a KEK, derived from it (an HMAC, which tells nothing of the key): sealed values carry it,
 * and messages name keys by it, never by their value.
 */
function keyIdOf(key: KeyObject): string {
  return createHmac('sha256', key).update('latchkey key-encryption key id').digest().subarray(0, 8).toString('base64url');
}

/**
 * A KEK from its text: base64 or base64url of exactly 32 random bytes (`openssl rand -base64 32`). `name` says
 * where it came from; the value itself never appears in the message.
 */
export function parseKeyEncryptionKey(text: string, name: string): KeyObject {
  const trimmed = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed.replace(/-/g, '+').replace(/_/g, '/'), 'base64') : undefined;
  if (!bytes || bytes.length !== keyBytes) {
    throw new SecretsAtRestError(
      `Invalid configuration: ${name} must be ${keyBytes} random bytes in base64 (generate one with: openssl rand -base64 32)`,
    );
  }
  return createSecretKey(bytes);
}

/**
 * The {@link KeyEncryption} over `current` (which seals) and `older` keys (which only open). Without `current`,
 * nothing is sealed, and a sealed value in the database refuses to open with a message saying so.
 */
export function createKeyEncryption(current: KeyObject | undefined, older: readonly KeyObject[] = []): KeyEncryption {
  const keys = new Map<string, KeyObject>();
  for (const key of current ? [current, ...older] : older) {
    const id = keyIdOf(key);
    if (!keys.has(id)) keys.set(id, key);
  }
  const currentKeyId = current ? keyIdOf(current) : undefined;
  const aad = (keyId: string, context: string) => Buffer.from(`${version}.${keyId}.${context}`, 'utf8');

  return {
    currentKeyId,

    seal(plaintext, context) {
      if (currentKeyId === undefined) throw new Error('no key-encryption key is set');
      const nonce = randomBytes(nonceBytes);
      const cipher = createCipheriv('aes-256-gcm', keys.get(currentKeyId)!, nonce, { authTagLength: tagBytes });
      cipher.setAAD(aad(currentKeyId, context));
      const sealed = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]);
      return [version, currentKeyId, nonce.toString('base64url'), sealed.toString('base64url')].join('.');
    },

    open(sealed, context) {
      const parts = sealed.split('.');
      const [prefix, keyId, nonceText, bodyText] = parts;
      if (parts.length !== 4 || prefix !== version || !keyId || !nonceText || !bodyText) {
        throw new SecretsAtRestError(`The stored value of ${context} is not a sealed value Latchkey can read`);
      }
      const key = keys.get(keyId);
      if (!key) throw new SecretsAtRestError(missingKeyMessage(context, keyId, currentKeyId, keys.size));
      const nonce = Buffer.from(nonceText, 'base64url');
      const body = Buffer.from(bodyText, 'base64url');
      try {
        if (nonce.length !== nonceBytes || body.length < tagBytes) throw new Error('truncated');
        const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: tagBytes });
        decipher.setAAD(aad(keyId, context));
        decipher.setAuthTag(body.subarray(body.length - tagBytes));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - tagBytes)), decipher.final()]).toString('utf8');
      } catch {
        throw new SecretsAtRestError(
          `The stored value of ${context} does not decrypt with key-encryption key ${keyId}: it was altered, or copied from another row`,
        );
      }
    },
  };
}

/**
 * The key-encryption keys that `secrets` names: `keyEncryptionKey` (or the first key of `keyEncryptionKeyFile`)
 * seals; `oldKeyEncryptionKeys` (and the file's further lines) only open. Read once, at start.
 */
export function keyEncryptionFrom(secrets: Config['secrets']): KeyEncryption {
  const { keyEncryptionKey, keyEncryptionKeyFile, oldKeyEncryptionKeys } = secrets;
  if (keyEncryptionKey !== null && keyEncryptionKeyFile !== null) {
    throw new SecretsAtRestError('Invalid configuration: set secrets.keyEncryptionKey or secrets.keyEncryptionKeyFile, not both');
  }
  const older = oldKeyEncryptionKeys.map((text, i) => parseKeyEncryptionKey(text, `secrets.oldKeyEncryptionKeys[${i}]`));
  if (keyEncryptionKeyFile !== null) {
    const [current, ...more] = readKeyFile(keyEncryptionKeyFile);
    if (!current) throw new SecretsAtRestError(`Invalid configuration: secrets.keyEncryptionKeyFile ${keyEncryptionKeyFile} holds no key`);
    const name = (line: number) => `line ${line} of secrets.keyEncryptionKeyFile ${keyEncryptionKeyFile}`;
    return createKeyEncryption(parseKeyEncryptionKey(current.text, name(current.line)), [
      ...more.map(({ text, line }) => parseKeyEncryptionKey(text, name(line))),
      ...older,
    ]);
  }
  const current = keyEncryptionKey === null ? undefined : parseKeyEncryptionKey(keyEncryptionKey, 'secrets.keyEncryptionKey');
  return createKeyEncryption(current, older);
}

/** Whether `secrets` names a key that seals (what the start announces when it does not). */
export function hasKeyEncryptionKey(secrets: Config['secrets']): boolean {
  return secrets.keyEncryptionKey !== null || secrets.keyEncryptionKeyFile !== null;
}

/** The keys of a key file, one a line (blank lines and `#` comments skipped), with their line numbers. */
function readKeyFile(file: string): { text: string; line: number }[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new SecretsAtRestError(`Cannot read secrets.keyEncryptionKeyFile ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  return text
    .split(/\r?\n/)
    .map((line, i) => ({ text: line.trim(), line: i + 1 }))
    .filter(({ text }) => text !== '' && !text.startsWith('#'));
}

function missingKeyMessage(context: string, keyId: string, currentKeyId: string | undefined, configured: number): string {
  if (configured === 0) {
    return `The database holds encrypted keys and secrets (${context} is sealed with key-encryption key ${keyId}), but no key-encryption key is set: set LATCHKEY_KEY_ENCRYPTION_KEY or LATCHKEY_KEY_ENCRYPTION_KEY_FILE (see docs/secrets.md)`;
  }
  return `${context} is sealed with key-encryption key ${keyId}, which is not configured (the current key is ${currentKeyId ?? 'unset'}): set the right LATCHKEY_KEY_ENCRYPTION_KEY, or list the older key in LATCHKEY_KEY_ENCRYPTION_KEYS_OLD (see docs/secrets.md)`;
}
