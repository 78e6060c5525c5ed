import { resolve, sep } from "node:path";
function explainFailure(error, config) {
  if (!(error instanceof Error)) return void 0;
  const { code, syscall } = error;
  if (syscall === "listen") return explainListen(code, config);
  const url = config.database.url;
  if (/^postgres(ql)?:\/\//.test(url)) return explainPostgres(error, code, url);
  const file = sqliteFile(url);
  return file === void 0 ? void 0 : explainSqlite(error, code, file);
}
function sqliteFile(url) {
  const file = url.startsWith("sqlite:") ? url.slice("sqlite:".length) : "";
  return file === "" || file === ":memory:" ? void 0 : file;
}
function explainListen(code, { host, port }) {
  const where = `port ${port} on ${host}`;
  switch (code) {
    case "EADDRINUSE":
      return `${where} is already in use (another Latchkey, or another server): stop it, or choose another port with --port (PORT)`;
    case "EACCES":
      return `no permission to listen on ${where}: ports below 1024 need privileges; use a higher port with --port (PORT), behind a reverse proxy`;
    case "EADDRNOTAVAIL":
      return `cannot listen on ${where}: ${host} is not an address of this machine; correct --host (HOST), e.g. 0.0.0.0 for every address`;
    default:
      return void 0;
  }
}
const unreachable = {
  ECONNREFUSED: { reason: "connection refused" },
  ENOTFOUND: { reason: "unknown host", host: true },
  EAI_AGAIN: { reason: "the host name could not be resolved now", host: true },
  ETIMEDOUT: { reason: "the connection timed out" },
  EHOSTUNREACH: { reason: "no route to the host" },
  ENETUNREACH: { reason: "no route to the network" },
  ECONNRESET: { reason: "the connection was reset" }
};
const refusedBy = /^(28|3D|57P03)/;
const correctUrl = "correct database.url (--database, DATABASE_URL)";
function explainPostgres(error, code, connectionString) {
  if (code === void 0) return void 0;
  const at = postgresAddress(connectionString);
  if (Object.hasOwn(unreachable, code)) {
    const { reason, host } = unreachable[code];
    return `cannot reach PostgreSQL at ${at} (${reason}): ${host ? "check the host name, or" : "start it, or"} ${correctUrl}`;
  }
  if (refusedBy.test(code)) return `PostgreSQL at ${at} refused the connection: ${error.message}; ${correctUrl}`;
  return void 0;
}
function postgresAddress(connectionString) {
  try {
    const url = new URL(connectionString);
    return url.hostname === "" ? "the configured socket" : `${url.hostname}:${url.port || "5432"}`;
  } catch {
    return "the configured address";
  }
}
const fileProblems = {
  // mkdir({ recursive: true }) reports ENOENT for a parent it could not create (on a read-only file system too).
  ENOENT: (path) => `${path} does not exist and could not be created`,
  ENOTDIR: (path) => `a part of ${path} is a file, not a folder`,
  EACCES: (path) => `permission denied on ${path}`,
  EPERM: (path) => `permission denied on ${path}`,
  EROFS: (path) => `${path} is on a read-only file system`,
  ENOSPC: () => "no space left on the device"
};
function explainSqlite(error, code, file) {
  const absolute = resolve(file);
  const advice = `give it a folder that the user running latchkey may write to, or choose another file with --database (DATABASE_URL)`;
  const path = error.path;
  const aboutDatabase = path !== void 0 && (path.startsWith(absolute) || absolute.startsWith(`${resolve(path)}${sep}`));
  if (code !== void 0 && Object.hasOwn(fileProblems, code) && aboutDatabase) {
    return `cannot create or open the SQLite database ${absolute}: ${fileProblems[code](path)}; ${advice}`;
  }
  if (code?.startsWith("SQLITE_CANTOPEN") || code?.startsWith("SQLITE_READONLY") || code === "SQLITE_PERM") {
    return `cannot write the SQLite database ${absolute} (${code}: ${error.message}); ${advice}`;
  }
  return void 0;
}
export {
  explainFailure,
  sqliteFile
};
//# sourceMappingURL=explain-failure.js.map
