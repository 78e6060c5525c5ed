import { resolve, sep } from 'node:path';
import type { Config } from '../config/defaults.js';

/**
 * What an operator can do about a failure of the set-up rather than of Latchkey: a port in use, a PostgreSQL
 * server that cannot be reached or refuses the connection, a SQLite file whose folder is missing or not writable.
 * Answers, for each, one line that says what failed and what to do; for anything else undefined (its stack
 * trace is worth more).
 */
export function explainFailure(error: unknown, config: Config): string | undefined {
  if (!(error instanceof Error)) return undefined;
  const { code, syscall } = error as NodeJS.ErrnoException;
  if (syscall === 'listen') return explainListen(code, config);
  const url = config.database.url;
  if (/^postgres(ql)?:\/\//.test(url)) return explainPostgres(error, code, url);
  const file = sqliteFile(url);
  return file === undefined ? undefined : explainSqlite(error, code, file);
}

/**
 * The file of a `sqlite:<file>` database URL; undefined for `sqlite::memory:` and other URLs. (The adapters'
 * parser, which refuses a bad URL, is theirs: the CLI reaches the storage through src/compose.ts only.)
 */
export function sqliteFile(url: string): string | undefined {
  const file = url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : '';
  return file === '' || file === ':memory:' ? undefined : file;
}

/** `app.listen()`'s errors, which carry `syscall: 'listen'`. */
function explainListen(code: string | undefined, { host, port }: Config): string | undefined {
  const where = `port ${port} on ${host}`;
  switch (code) {
    case 'EADDRINUSE':
      return `${where} is already in use (another Latchkey, or another server): stop it, or choose another port with --port (PORT)`;
    case 'EACCES':
      return `no permission to listen on ${where}: ports below 1024 need privileges; use a higher port with --port (PORT), behind a reverse proxy`;
    case 'EADDRNOTAVAIL':
      return `cannot listen on ${where}: ${host} is not an address of this machine; correct --host (HOST), e.g. 0.0.0.0 for every address`;
    default:
      return undefined;
  }
}

/** Network errors of Node's socket, by code: the reason, and whether the host name is the likely culprit. */
const unreachable: Record<string, { reason: string; host?: true }> = {
  ECONNREFUSED: { reason: 'connection refused' },
  ENOTFOUND: { reason: 'unknown host', host: true },
  EAI_AGAIN: { reason: 'the host name could not be resolved now', host: true },
  ETIMEDOUT: { reason: 'the connection timed out' },
  EHOSTUNREACH: { reason: 'no route to the host' },
  ENETUNREACH: { reason: 'no route to the network' },
  ECONNRESET: { reason: 'the connection was reset' },
};

/** SQLSTATEs that mean PostgreSQL answered but refused this connection (its message says why). */
const refusedBy = /^(28|3D|57P03)/;

const correctUrl = 'correct database.url (--database, DATABASE_URL)';

function explainPostgres(error: Error, code: string | undefined, connectionString: string): string | undefined {
  if (code === undefined) return undefined;
  const at = postgresAddress(connectionString);
  if (Object.hasOwn(unreachable, code)) {
    const { reason, host } = unreachable[code]!;
    return `cannot reach PostgreSQL at ${at} (${reason}): ${host ? 'check the host name, or' : 'start it, or'} ${correctUrl}`;
  }
  // PostgreSQL's own messages name the user or database, never the password: "database "x" does not exist".
  if (refusedBy.test(code)) return `PostgreSQL at ${at} refused the connection: ${error.message}; ${correctUrl}`;
  return undefined;
}

/** `host:port` of a connection string, without the user and password it may hold. */
function postgresAddress(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return url.hostname === '' ? 'the configured socket' : `${url.hostname}:${url.port || '5432'}`;
  } catch {
    return 'the configured address';
  }
}

/** File-system errors of creating the folder and file, by code, as a reason. */
const fileProblems: Record<string, (path: string) => string> = {
  // mkdir({ recursive: true }) reports ENOENT for a parent it could not create (on a read-only file system too).
  ENOENT: (path) => `${path} does not exist and could not be created`,
  ENOTDIR: (path) => `a part of ${path} is a file, not a folder`,
  EACCES: (path) => `permission denied on ${path}`,
  EPERM: (path) => `permission denied on ${path}`,
  EROFS: (path) => `${path} is on a read-only file system`,
  ENOSPC: () => 'no space left on the device',
};

function explainSqlite(error: Error, code: string | undefined, file: string): string | undefined {
  const absolute = resolve(file);
  const advice = `give it a folder that the user running latchkey may write to, or choose another file with --database (DATABASE_URL)`;
  const path = (error as NodeJS.ErrnoException).path;
  // Only an error about the file, its -wal or -shm, or a folder on its way: not one of another file.
  const aboutDatabase = path !== undefined && (path.startsWith(absolute) || absolute.startsWith(`${resolve(path)}${sep}`));
  if (code !== undefined && Object.hasOwn(fileProblems, code) && aboutDatabase) {
    return `cannot create or open the SQLite database ${absolute}: ${fileProblems[code]!(path)}; ${advice}`;
  }
  // better-sqlite3's SqliteError: the file or its folder is read-only, or SQLite cannot create its -wal file.
  if (code?.startsWith('SQLITE_CANTOPEN') || code?.startsWith('SQLITE_READONLY') || code === 'SQLITE_PERM') {
    return `cannot write the SQLite database ${absolute} (${code}: ${error.message}); ${advice}`;
  }
  return undefined;
}
