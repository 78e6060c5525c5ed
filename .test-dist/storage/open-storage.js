import { ConfigError } from "../config/load.js";
import { importOptional } from "../config/optional-package.js";
import { keyEncryptionFrom } from "./key-encryption.js";
const noKeyEncryption = { keyEncryptionKey: null, keyEncryptionKeyFile: null, oldKeyEncryptionKeys: [] };
function parseDatabaseUrl(url) {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: "postgres", connectionString: url };
  if (url.startsWith("sqlite:")) {
    const file = url.slice("sqlite:".length);
    if (file === "") throw new ConfigError("Invalid configuration: database.url sqlite: needs a file, e.g. sqlite:./data/latchkey.db");
    return { dialect: "sqlite", file };
  }
  throw new ConfigError(`Invalid configuration: database.url must start with sqlite: or postgres://; got ${JSON.stringify(url)}`);
}
async function openStorage(database, options = {}) {
  const location = parseDatabaseUrl(database.url);
  const encryption = keyEncryptionFrom(options.secrets ?? noKeyEncryption);
  if (location.dialect === "postgres") {
    const { openPostgresStorage } = await importOptional("pg", () => import("./postgres.js"));
    return openPostgresStorage({ connectionString: location.connectionString, poolSize: database.poolSize, encryption });
  }
  const { openSqliteStorage } = await import("./sqlite.js");
  return openSqliteStorage({ file: location.file, synchronous: database.sqliteSynchronous, encryption, logger: options.logger });
}
export {
  openStorage,
  parseDatabaseUrl
};
//# sourceMappingURL=open-storage.js.map
