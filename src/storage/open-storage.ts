import type { Config } from '../config/defaults.js';
import { ConfigError } from '../config/load.js';
import type { Storage } from './ports.js';
import { openPostgresStorage } from './postgres.js';
import { openSqliteStorage } from './sqlite.js';

/** Opens the storage that `database.url` names: `sqlite:<file>` or `postgres://…`. */
export function openStorage(database: Config['database']): Storage {
  const { url } = database;
  if (/^postgres(ql)?:\/\//.test(url)) {
    return openPostgresStorage({ connectionString: url, poolSize: database.poolSize });
  }
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length);
    if (file === '') throw new ConfigError('Invalid configuration: database.url sqlite: needs a file, e.g. sqlite:./data/latchkey.db');
    return openSqliteStorage({ file, synchronous: database.sqliteSynchronous });
  }
  throw new ConfigError(`Invalid configuration: database.url must start with sqlite: or postgres://; got ${JSON.stringify(url)}`);
}
