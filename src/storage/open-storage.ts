import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';
import { keyEncryptionFrom } from './key-encryption.js';
import type { Storage } from './ports.js';

/** What opening the storage needs besides `database.*`. */
export interface StorageOptions {
  /**
   * The key-encryption keys (`secrets.*`) that seal the private signing keys and the server secrets. Without a
   * current key they are stored in plaintext, and a database holding sealed values refuses to be read.
   */
  secrets?: Config['secrets'];
  /** Told when the permissions of an existing SQLite file were tightened. */
  logger?: Pick<Logger, 'warn'>;
}

const noKeyEncryption: Config['secrets'] = { keyEncryptionKey: null, keyEncryptionKeyFile: null, oldKeyEncryptionKeys: [] };

/**
 * Opens the storage that `database.url` names: `sqlite:<file>` or `postgres://…`. Only the adapter in use is
 * loaded, so a SQLite server does not carry the PostgreSQL driver in memory.
 */
export async function openStorage(database: Config['database'], options: StorageOptions = {}): Promise<Storage> {
  const { url } = database;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const encryption = keyEncryptionFrom(options.secrets ?? noKeyEncryption);
    const { openPostgresStorage } = await import('./postgres.js');
    return openPostgresStorage({ connectionString: url, poolSize: database.poolSize, encryption });
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new ConfigError('Invalid configuration: database.url sqlite: needs a file, e.g. sqlite:./data/latchkey.db');
    const encryption = keyEncryptionFrom(options.secrets ?? noKeyEncryption);
    const { openSqliteStorage } = await import('./sqlite.js');
    return openSqliteStorage({ file, synchronous: database.sqliteSynchronous, encryption, logger: options.logger });
  }
  throw new ConfigError(`Invalid configuration: database.url must start with sqlite: or postgres://; got ${JSON.stringify(url)}`);
}
