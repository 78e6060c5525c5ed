import type { Config } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';
import type { Storage } from './ports.js';

/**
 * Opens the storage that `database.url` names: `sqlite:<file>` or `postgres://…`. Only the adapter in use is
 * loaded, so a SQLite server does not carry the PostgreSQL driver in memory.
 */
export async function openStorage(database: Config['database']): Promise<Storage> {
  const { url } = database;
  if (/^postgres(ql)?:\/\//.test(url)) {
    const { openPostgresStorage } = await import('./postgres.js');
    return openPostgresStorage({ connectionString: url, poolSize: database.poolSize });
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new ConfigError('Invalid configuration: database.url sqlite: needs a file, e.g. sqlite:./data/latchkey.db');
    const { openSqliteStorage } = await import('./sqlite.js');
    return openSqliteStorage({ file, synchronous: database.sqliteSynchronous });
  }
  throw new ConfigError(`Invalid configuration: database.url must start with sqlite: or postgres://; got ${JSON.stringify(url)}`);
}
