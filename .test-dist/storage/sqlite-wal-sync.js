import { close, fdatasync, fstat, open, stat } from "node:fs";
import { promisify } from "node:util";
const openFile = promisify(open);
const closeFile = promisify(close);
const syncData = promisify(fdatasync);
const statFile = promisify(stat);
const fstatFile = promisify(fstat);
const recheckMs = 1e3;
function createWalSync(walFile, options = {}) {
  const syncFile = options.syncFile ?? syncData;
  let fd;
  let checkedAt = 0;
  let running;
  let waiting = [];
  async function descriptor() {
    const now = Date.now();
    if (fd !== void 0 && now - checkedAt < recheckMs) return fd;
    checkedAt = now;
    if (fd !== void 0) {
      const [onDisk, open2] = await Promise.all([statFile(walFile).catch(() => void 0), fstatFile(fd)]);
      if (onDisk && onDisk.ino === open2.ino && onDisk.dev === open2.dev) return fd;
      const stale = fd;
      fd = void 0;
      await closeFile(stale).catch(() => void 0);
    }
    fd = await openFile(walFile, "r");
    return fd;
  }
  function start() {
    if (running || waiting.length === 0) return;
    const batch = waiting;
    waiting = [];
    running = descriptor().then((handle) => syncFile(handle)).then(
      () => {
        for (const waiter of batch) waiter.resolve();
      },
      (error) => {
        for (const waiter of batch) waiter.reject(syncError(error));
      }
    ).finally(() => {
      running = void 0;
      start();
    });
  }
  return {
    afterCommit() {
      return new Promise((resolve, reject) => {
        waiting.push({ resolve, reject });
        start();
      });
    },
    async close() {
      while (running) await running;
      if (fd !== void 0) await closeFile(fd).catch(() => void 0);
      fd = void 0;
    }
  };
}
function syncError(cause) {
  const error = new Error(`the WAL could not be synced to disk: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  return Object.assign(error, { code: "SQLITE_IOERR_FSYNC" });
}
export {
  createWalSync
};
//# sourceMappingURL=sqlite-wal-sync.js.map
