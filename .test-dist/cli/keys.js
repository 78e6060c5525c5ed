import { cliActor } from "../operations/actor.js";
import { listSigningKeys, rotateSigningKey } from "../operations/keys.js";
import { keyEncryptionFrom } from "../storage/key-encryption.js";
import { createCommandKeyManager } from "../compose.js";
import { formatTable, isoTime, readableTime } from "./output.js";
import { CliFailure, reportRefusals, withAuditTrail, withStorage } from "./command-support.js";
import { storageOptions } from "./config-flags.js";
function registerKeyCommands(program, context) {
  const keys = program.command("keys").description("list and rotate the token signing keys");
  context.withConfigFlags(keys.command("list").description("list the signing keys that still verify tokens"), [...storageOptions, "keys"]).option("--json", "print JSON instead of a table").action(async (flags) => {
    const listed = await withKeyManager(context.configFrom(flags), listSigningKeys);
    write(flags["json"] ? `${JSON.stringify(listed.map(toJson), null, 2)}
` : table(listed));
  });
  context.withConfigFlags(keys.command("rotate").description("add a new current signing key and retire the previous one after a grace period"), [...storageOptions, "keys"]).option("--json", "print JSON instead of a sentence").action(async (flags) => {
    const config = context.configFrom(flags);
    const { key, retired } = await withKeyManager(config, (ports) => rotateSigningKey(ports, cliActor));
    if (flags["json"]) {
      write(`${JSON.stringify({ kid: key.kid, alg: key.alg, createdAt: isoTime(key.createdAt), retired: retired.map(toJson) }, null, 2)}
`);
      return;
    }
    const lines = [`New signing key ${key.kid} (${key.alg}) is current.`];
    for (const old of retired) lines.push(`The previous key ${old.kid} keeps verifying tokens until ${readableTime(old.expiresAt)}.`);
    if (retired.length === 0) lines.push("There was no previous key.");
    lines.push(`Running servers sign with the new key within ${config.keys.refreshSeconds} s.`);
    write(`${lines.join("\n")}
`);
  });
  context.withConfigFlags(
    keys.command("rewrap").description("encrypt every stored private key and server secret under the current key-encryption key (after rotating it)")
  ).option("--json", "print JSON instead of a sentence").action(
    (flags) => reportRefusals(async () => {
      const config = context.configFrom(flags);
      const kekId = keyEncryptionFrom(config.secrets).currentKeyId;
      if (kekId === void 0) {
        throw new CliFailure("no key-encryption key is set: set LATCHKEY_KEY_ENCRYPTION_KEY or LATCHKEY_KEY_ENCRYPTION_KEY_FILE (see docs/secrets.md)", 2);
      }
      const { signingKeys, secrets } = await withStorage(config, async (storage) => ({
        signingKeys: await storage.signingKeys.sealPrivateKeys("all"),
        secrets: await storage.secrets.sealSecrets("all")
      }));
      if (flags["json"]) {
        write(`${JSON.stringify({ kekId, signingKeys, secrets }, null, 2)}
`);
        return;
      }
      write(
        `Every private signing key (${count(signingKeys)}) and server secret (${count(secrets)}) is encrypted under key-encryption key ${kekId}.
Older key-encryption keys can now be removed (LATCHKEY_KEY_ENCRYPTION_KEYS_OLD).
`
      );
    })
  );
}
function count({ total, sealed }) {
  return `${total}, ${sealed} re-encrypted now`;
}
function withKeyManager(config, work) {
  return withStorage(config, async (storage) => {
    await storage.signingKeys.sealPrivateKeys("plaintext");
    const keys = createCommandKeyManager(config, storage);
    return withAuditTrail(storage, (audit) => work({ keys, audit }));
  });
}
function toJson(info) {
  return {
    kid: info.kid,
    alg: info.alg,
    status: info.status,
    createdAt: isoTime(info.createdAt),
    retiredAt: info.retiredAt === null ? null : isoTime(info.retiredAt),
    expiresAt: info.expiresAt === null ? null : isoTime(info.expiresAt)
  };
}
function table(listed) {
  if (listed.length === 0) return "No signing keys yet: one is generated when the server first starts (or run `latchkey keys rotate`).\n";
  return formatTable(
    ["KID", "ALG", "CREATED", "STATUS"],
    listed.map((info) => [
      info.kid,
      info.alg,
      readableTime(info.createdAt),
      info.status === "retired" ? `retired (verifies until ${readableTime(info.expiresAt)})` : info.status
    ])
  );
}
function write(text) {
  process.stdout.write(text);
}
export {
  registerKeyCommands
};
//# sourceMappingURL=keys.js.map
