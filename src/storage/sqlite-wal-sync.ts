import { close, fdatasync, fstat, open, stat } from 'node:fs';
import { promisify } from 'node:util';

const openFile = promisify(open);
const closeFile = promisify(close);
const syncData = promisify(fdatasync);
const statFile = promisify(stat);
const fstatFile = promisify(fstat);

/** Makes commits durable off the event loop: see {@link createWalSync}. */
export interface WalSync {
  /**
   * Resolves once everything committed before the call is on disk: an `fdatasync` of the WAL that started after
   * the call. Commits that arrive while one sync runs share the next one (group commit, pipelined).
   */
  afterCommit(): Promise<void>;
  /** Waits for the sync under way, then closes the file. */
  close(): Promise<void>;
}

/** How often the WAL file is checked to still be the one the descriptor is open on. */
const recheckMs = 1000;

/**
 * The fsync of SQLite commits, moved off the event loop. With `synchronous = FULL`, SQLite syncs the WAL inside
 * COMMIT, on the thread that runs it: here the event loop, which then parses, signs and answers nothing while
 * the disk syncs (a third of a core under registration load). Instead the connection runs with `synchronous =
 * NORMAL` (in WAL mode: commits are written to the WAL without a sync; checkpoints still sync the WAL before
 * and the database after), and each storage call that wrote waits, after the commit and once the connection is
 * free for the next one, for an `fdatasync` of the WAL file in libuv's thread pool. A caller is answered only
 * after its commit is on disk, as with FULL; meanwhile the next batch gathers and commits, and its sync follows.
 *
 * Every frame of a commit is written to the WAL before the commit returns, so a sync that starts after it
 * covers it (and every commit before it: the WAL is appended in order). The descriptor is opened on the WAL
 * file lazily; SQLite never removes the WAL while a connection (ours) is open, but the file is checked anyway
 * and reopened should its inode ever change.
 *
 * @see https://www.sqlite.org/pragma.html#pragma_synchronous ("WAL mode … NORMAL")
 * @see https://www.sqlite.org/wal.html
 */
export function createWalSync(walFile: string, options: { syncFile?: (fd: number) => Promise<void> } = {}): WalSync {
  const syncFile = options.syncFile ?? syncData;
  let fd: number | undefined;
  let checkedAt = 0;
  let running: Promise<void> | undefined;
  /** Callers whose commits have finished and who wait for the next sync to start. */
  let waiting: { resolve: () => void; reject: (error: unknown) => void }[] = [];

  async function descriptor(): Promise<number> {
    const now = Date.now();
    if (fd !== undefined && now - checkedAt < recheckMs) return fd;
    checkedAt = now;
    if (fd !== undefined) {
      const [onDisk, open] = await Promise.all([statFile(walFile).catch(() => undefined), fstatFile(fd)]);
      if (onDisk && onDisk.ino === open.ino && onDisk.dev === open.dev) return fd;
      const stale = fd;
      fd = undefined;
      await closeFile(stale).catch(() => undefined);
    }
    fd = await openFile(walFile, 'r');
    return fd;
  }

  function start(): void {
    if (running || waiting.length === 0) return;
    // Every caller waiting now committed before this sync starts, so it covers them all; callers that commit
    // while it runs wait for the next one.
    const batch = waiting;
    waiting = [];
    running = descriptor()
      .then((handle) => syncFile(handle))
      .then(
        () => {
          for (const waiter of batch) waiter.resolve();
        },
        (error: unknown) => {
          // The disk refused: nobody in this batch may be told their commit is durable.
          for (const waiter of batch) waiter.reject(syncError(error));
        },
      )
      .finally(() => {
        running = undefined;
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
      if (fd !== undefined) await closeFile(fd).catch(() => undefined);
      fd = undefined;
    },
  };
}

/** A failed sync as SQLite would report it, so that storage's guard answers 503 (see guardSqlite). */
function syncError(cause: unknown): Error {
  const error = new Error(`the WAL could not be synced to disk: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  return Object.assign(error, { code: 'SQLITE_IOERR_FSYNC' });
}
