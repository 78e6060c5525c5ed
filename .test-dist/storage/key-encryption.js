import { createCipheriv, createDecipheriv, createHmac, createSecretKey, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config/load.js";
const version = "lk1";
const nonceBytes = 12;
const tagBytes = 16;
const keyBytes = 32;
class SecretsAtRestError extends ConfigError {
  constructor(message) {
    super(message);
    this.name = "SecretsAtRestError";
  }
}
function isSealed(value) {
  return value.startsWith(`${version}.`);
}
function sealedKeyId(value) {
  return isSealed(value) ? value.split(".")[1] : void 0;
}
function keyIdOf(key) {
  return createHmac("sha256", key).update("latchkey key-encryption key id").digest().subarray(0, 8).toString("base64url");
}
function parseKeyEncryptionKey(text, name) {
  const trimmed = text.trim();
  const bytes = /^[A-Za-z0-9+/_-]+={0,2}$/.test(trimmed) ? Buffer.from(trimmed.replace(/-/g, "+").replace(/_/g, "/"), "base64") : void 0;
  if (!bytes || bytes.length !== keyBytes) {
    throw new SecretsAtRestError(
      `Invalid configuration: ${name} must be ${keyBytes} random bytes in base64 (generate one with: openssl rand -base64 32)`
    );
  }
  return createSecretKey(bytes);
}
function createKeyEncryption(current, older = []) {
  const keys = /* @__PURE__ */ new Map();
  for (const key of current ? [current, ...older] : older) {
    const id = keyIdOf(key);
    if (!keys.has(id)) keys.set(id, key);
  }
  const currentKeyId = current ? keyIdOf(current) : void 0;
  const aad = (keyId, context) => Buffer.from(`${version}.${keyId}.${context}`, "utf8");
  return {
    currentKeyId,
    seal(plaintext, context) {
      if (currentKeyId === void 0) throw new Error("no key-encryption key is set");
      const nonce = randomBytes(nonceBytes);
      const cipher = createCipheriv("aes-256-gcm", keys.get(currentKeyId), nonce, { authTagLength: tagBytes });
      cipher.setAAD(aad(currentKeyId, context));
      const sealed = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
      return [version, currentKeyId, nonce.toString("base64url"), sealed.toString("base64url")].join(".");
    },
    open(sealed, context) {
      const parts = sealed.split(".");
      const [prefix, keyId, nonceText, bodyText] = parts;
      if (parts.length !== 4 || prefix !== version || !keyId || !nonceText || !bodyText) {
        throw new SecretsAtRestError(`The stored value of ${context} is not a sealed value Latchkey can read`);
      }
      const key = keys.get(keyId);
      if (!key) throw new SecretsAtRestError(missingKeyMessage(context, keyId, currentKeyId, keys.size));
      const nonce = Buffer.from(nonceText, "base64url");
      const body = Buffer.from(bodyText, "base64url");
      try {
        if (nonce.length !== nonceBytes || body.length < tagBytes) throw new Error("truncated");
        const decipher = createDecipheriv("aes-256-gcm", key, nonce, { authTagLength: tagBytes });
        decipher.setAAD(aad(keyId, context));
        decipher.setAuthTag(body.subarray(body.length - tagBytes));
        return Buffer.concat([decipher.update(body.subarray(0, body.length - tagBytes)), decipher.final()]).toString("utf8");
      } catch {
        throw new SecretsAtRestError(
          `The stored value of ${context} does not decrypt with key-encryption key ${keyId}: it was altered, or copied from another row`
        );
      }
    }
  };
}
function keyEncryptionFrom(secrets) {
  const { keyEncryptionKey, keyEncryptionKeyFile, oldKeyEncryptionKeys } = secrets;
  if (keyEncryptionKey !== null && keyEncryptionKeyFile !== null) {
    throw new SecretsAtRestError("Invalid configuration: set secrets.keyEncryptionKey or secrets.keyEncryptionKeyFile, not both");
  }
  const older = oldKeyEncryptionKeys.map((text, i) => parseKeyEncryptionKey(text, `secrets.oldKeyEncryptionKeys[${i}]`));
  if (keyEncryptionKeyFile !== null) {
    const [current2, ...more] = readKeyFile(keyEncryptionKeyFile);
    if (!current2) throw new SecretsAtRestError(`Invalid configuration: secrets.keyEncryptionKeyFile ${keyEncryptionKeyFile} holds no key`);
    const name = (line) => `line ${line} of secrets.keyEncryptionKeyFile ${keyEncryptionKeyFile}`;
    return createKeyEncryption(parseKeyEncryptionKey(current2.text, name(current2.line)), [
      ...more.map(({ text, line }) => parseKeyEncryptionKey(text, name(line))),
      ...older
    ]);
  }
  const current = keyEncryptionKey === null ? void 0 : parseKeyEncryptionKey(keyEncryptionKey, "secrets.keyEncryptionKey");
  return createKeyEncryption(current, older);
}
function hasKeyEncryptionKey(secrets) {
  return secrets.keyEncryptionKey !== null || secrets.keyEncryptionKeyFile !== null;
}
function readKeyFile(file) {
  let text;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new SecretsAtRestError(`Cannot read secrets.keyEncryptionKeyFile ${file}: ${error.code ?? "error"}`);
  }
  return text.split(/\r?\n/).map((line, i) => ({ text: line.trim(), line: i + 1 })).filter(({ text: text2 }) => text2 !== "" && !text2.startsWith("#"));
}
function missingKeyMessage(context, keyId, currentKeyId, configured) {
  if (configured === 0) {
    return `The database holds encrypted keys and secrets (${context} is sealed with key-encryption key ${keyId}), but no key-encryption key is set: set LATCHKEY_KEY_ENCRYPTION_KEY or LATCHKEY_KEY_ENCRYPTION_KEY_FILE (see docs/secrets.md)`;
  }
  return `${context} is sealed with key-encryption key ${keyId}, which is not configured (the current key is ${currentKeyId ?? "unset"}): set the right LATCHKEY_KEY_ENCRYPTION_KEY, or list the older key in LATCHKEY_KEY_ENCRYPTION_KEYS_OLD (see docs/secrets.md)`;
}
export {
  SecretsAtRestError,
  createKeyEncryption,
  hasKeyEncryptionKey,
  isSealed,
  keyEncryptionFrom,
  parseKeyEncryptionKey,
  sealedKeyId
};
//# sourceMappingURL=key-encryption.js.map
