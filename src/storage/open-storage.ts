import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';
import { importOptional } from '../config/optional-package.js';
import { keyEncryptionFrom } from './key-encryption.js';
import type { Storage } from '../ports/storage.js';

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

/** What `database.url` names: a SQLite file (or `:memory:`), or a PostgreSQL connection string. */
export type DatabaseLocation = { dialect: 'sqlite'; file: string } | { dialect: 'postgres'; connectionString: string };

/** Parses `database.url`: `sqlite:<file>`, `sqlite::memory:` or `postgres://…` (`postgresql://…`). */
export function parseDatabaseUrl(url: string): DatabaseLocation {
  if (/^postgres(ql)?:\/\//.test(url)) return { dialect: 'postgres', connectionString: url };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new ConfigError('Invalid configuration: database.url sqlite: needs a file, e.g. sqlite:./data/latchkey.db');
    return { dialect: 'sqlite', file };
  }
  throw new ConfigError(`Invalid configuration: database.url must start with sqlite: or postgres://; got ${JSON.stringify(url)}`);
}

/**
 * Opens the storage that `database.url` names: `sqlite:<file>` or `postgres://…`. Only the adapter in use is
 * loaded, so a SQLite server does not carry the PostgreSQL driver in memory, nor need it installed: `pg` is an
 * optional peer dependency, and a missing one is a one-line {@link ConfigError} that says to install it.
 */
export async function openStorage(database: Config['database'], options: StorageOptions = {}): Promise<Storage> {
  const location = parseDatabaseUrl(database.url);
  const encryption = keyEncryptionFrom(options.secrets ?? noKeyEncryption);
  if (location.dialect === 'postgres') {
    const { openPostgresStorage } = await importOptional('pg', () => import('./postgres.js'));
    return openPostgresStorage({ connectionString: location.connectionString, poolSize: database.poolSize, encryption });
  }
  const { openSqliteStorage } = await import('./sqlite.js');
  return openSqliteStorage({ file: location.file, synchronous: database.sqliteSynchronous, encryption, logger: options.logger });
}
