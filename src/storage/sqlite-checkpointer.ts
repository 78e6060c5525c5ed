import { closeSync, openSync, readSync } from 'node:fs';
import { createRequire } from 'node:module';
import { endianness } from 'node:os';
import { channel } from 'node:diagnostics_channel';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';

/**
 * Each pass of a checkpoint as it starts, with the connection free (`{ phase: 'free', at, frames }`) or held
 * (`{ phase: 'held', at, frames }`), and as it ends (`{ phase: 'done', at, result }`, the worker's answer and how
 * long its pass took, `ms`), `at` in `performance.now()` time: for
 * benches that ask what a request waited for (`bench/cleanup-scale.ts`, CLEANUP_SCALE_TRACE=1).
 */
export const checkpointTrace = channel('latchkey:sqlite-checkpoint');

/** Moves SQLite's WAL checkpoints off the event loop: see {@link startCheckpointer}. */
export interface Checkpointer {
  /** Told after every transaction that wrote; starts a checkpoint when enough has been written or time has passed. */
  noteWrite(): void;
  /** Finishes the checkpoint under way and closes the worker's connection (before the main one closes). */
  close(): Promise<void>;
  /**
   * Closes the descriptor on the WAL index (see {@link pendingFrames}), once the main connection is closed too:
   * closing any descriptor of a file drops every POSIX lock this process holds on it, SQLite's own included.
   */
  closeFiles(): void;
  /** What the checkpoints did so far (for tests and the logs). */
  readonly stats: { checkpoints: number; framesCopied: number; failed: boolean };
}

/**
 * When a checkpoint is due: once this many WAL frames (pages) wait to be copied, SQLite's own threshold (read from
 * the WAL index, see {@link pendingFrames}); where that cannot be read, after this many writing transactions; and
 * at the latest this long after the first write not yet checkpointed. A checkpoint not answered within
 * `timeoutMs` counts as the worker's failure. A checkpoint's passes with the main connection free (see
 * {@link startCheckpointer}): `freePasses` at most, fewer once no more than `heldFrames` frames are left for the held one.
 * The held pass is left out while more than `heldFrames` are left and the WAL holds fewer than `walFrames` frames
 * (32 MiB of 4 KiB pages): the next checkpoint's passes copy what this one left.
 */
export const checkpointPolicy = { frames: 1000, writes: 100, maxDelayMs: 1000, timeoutMs: 30_000, heldFrames: 200, freePasses: 3, walFrames: 8000 };

/**
 * The worker: one connection of its own to the database file, running `PRAGMA wal_checkpoint(PASSIVE)` when
 * asked. It is CommonJS evaluated from a string, so that it runs the same from `src/` (under a TypeScript loader)
 * and from the built `dist/`; the SQLite driver is loaded from the path the main thread resolved.
 */
const workerSource = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
// FULL: the checkpoint syncs the WAL before copying it and the database file after, as SQLite's own would.
db.pragma('synchronous = FULL');
db.pragma('busy_timeout = 5000');
parentPort.postMessage({ ready: true });
parentPort.on('message', (message) => {
  if (message === 'close') {
    db.close();
    parentPort.close();
    return;
  }
  try {
    const t0 = performance.now();
    const [result] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ ok: true, busy: result.busy, log: result.log, checkpointed: result.checkpointed, ms: performance.now() - t0 });
  } catch (error) {
    parentPort.postMessage({ ok: false, error: String(error && error.message || error) });
  }
});
`;

/**
 * SQLite checkpoints a WAL database from the connection whose commit crosses 1,000 pages of WAL, inside that
 * commit: it copies the pages into the database file and syncs it, on the event loop, where nothing is parsed,
 * signed or answered meanwhile (tens of milliseconds, several times a second under registration load). Here the
 * main connection's automatic checkpoints are off (`wal_autocheckpoint = 0`) and a worker thread with a
 * connection of its own runs them when {@link checkpointPolicy} says (1,000 frames waiting, as SQLite's own, or a
 * second after a write).
 *
 * A checkpoint runs in passes. The first ones run with the main connection free: each copies the frames the WAL
 * holds when it starts, while requests go on reading and committing after them (up to `freePasses`, while more
 * than `heldFrames` were appended during the last and the passes catch up). The last, unless nothing was
 * committed meanwhile, holds the main connection (`hold`: Kysely's connection lock), so that no commit lands in the
 * WAL during it: it copies the frames appended during the free passes, and the WAL is then wholly copied, so the next
 * write starts it over from its beginning, as after SQLite's own checkpoint. Without a held pass a busy server
 * would append faster than the checkpoint could catch up, and the WAL would grow without end; with only a held
 * pass, every storage call waited for the whole copy (15-40 ms for 1,000-1,400 frames at a million clients, in
 * `bench/cleanup-scale.ts`'s trace, the longest part of a request's longest waits beside a sweep). Held,
 * requests still parse, sign and answer on the event loop; only their storage calls wait.
 *
 * A held pass of many frames is left to a later checkpoint while the WAL is small (`walFrames`): under the sweep's
 * writes the free passes never caught up (each of its batches appends up to 900 frames), so every checkpoint
 * held the connection for 600-950 frames, 8-15 ms mostly but once in about 900 for 56 ms (the disk's sync). The
 * WAL then grows past `walFrames` at most by what a checkpoint's passes leave, and is started over after the first
 * checkpoint that copies it whole: a held one, or a free one that nothing was written during.
 *
 * Should the worker fail (it could not start, or a checkpoint failed), the main connection's automatic
 * checkpoints are turned back on (`onFailure`), and said: the database keeps working as before.
 *
 * @see https://www.sqlite.org/wal.html#automatic_checkpoint
 * @see https://www.sqlite.org/c3ref/wal_checkpoint_v2.html
 */
export function startCheckpointer(
  file: string,
  options: {
    hold: (work: () => Promise<void>) => Promise<void>;
    onFailure: () => Promise<void>;
    logger?: Pick<Logger, 'warn'> | undefined;
    /** The SQLite driver module the worker loads (tests give a wrong one to see a failure). */
    driver?: string;
    /** {@link checkpointPolicy}, in part or in whole. */
    policy?: Partial<typeof checkpointPolicy>;
  },
): Checkpointer {
  const driver = options.driver ?? createRequire(import.meta.url).resolve('better-sqlite3');
  const policy = { ...checkpointPolicy, ...options.policy };
  const stats = { checkpoints: 0, framesCopied: 0, failed: false };
  let worker: Worker | undefined;
  let writes = 0;
  const frames = pendingFrames(`${file}-shm`);
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;
  let answer: ((message: CheckpointAnswer) => void) | undefined;

  const fail = (reason: string) => {
    if (stats.failed) return;
    stats.failed = true;
    options.logger?.warn({ reason }, 'SQLite checkpoints are back on the main thread: the checkpoint worker failed');
    void options.onFailure().catch(() => undefined);
    void worker?.terminate();
  };
  // Started at the first write: a server that never writes never starts a thread. Resolves whether it is ready
  // (its connection open) or failed.
  let ready: Promise<boolean> | undefined;
  const started = () => {
    ready ??= new Promise<boolean>((resolve) => {
      const thread = new Worker(workerSource, { eval: true, workerData: { file, driver } });
      const limit = setTimeout(() => {
        resolve(false);
        fail(`the worker was not ready within ${policy.timeoutMs} ms`);
      }, policy.timeoutMs).unref();
      const ended = () => {
        clearTimeout(limit);
        resolve(false);
      };
      thread.on('message', (message: WorkerMessage) => {
        if ('ready' in message) {
          clearTimeout(limit);
          resolve(true);
        } else answer?.(message);
      });
      thread.on('error', (error) => {
        ended();
        answer?.({ ok: false, error: error.message });
        fail(error.message);
      });
      thread.on('exit', () => {
        ended();
        answer?.({ ok: false, error: 'the worker exited' });
        if (!closed) fail('the worker exited');
      });
      // Idle, it never keeps the process alive (a storage left open must not either): close() ends it, and so does
      // the process's exit. After the listeners: adding a 'message' listener refs the worker's port again.
      thread.unref();
      worker = thread;
    });
    return ready;
  };

  /** One `PRAGMA wal_checkpoint(PASSIVE)` by the worker, answered or given up after `policy.timeoutMs`. */
  const ask = async (thread: Worker): Promise<CheckpointAnswer> => {
    // Referenced while a checkpoint runs, so that the process does not exit in the middle of one.
    thread.ref();
    let limit: NodeJS.Timeout | undefined;
    const result = await new Promise<CheckpointAnswer>((resolve) => {
      answer = resolve;
      limit = setTimeout(() => resolve({ ok: false, error: `no answer within ${policy.timeoutMs} ms` }), policy.timeoutMs);
      thread.postMessage('checkpoint');
    });
    clearTimeout(limit);
    answer = undefined;
    thread.unref();
    return result;
  };

  const checkpoint = async () => {
    // Started before the main connection is held, not while: a thread, the driver loaded and the database opened
    // take tens of milliseconds (50-90 ms measured on a loaded machine), which every storage call would wait
    // for on top of the first checkpoint.
    if (!(await started()) || stats.failed) return;
    const thread = worker;
    if (!thread) return;
    // First with the main connection free: each pass copies the frames the WAL holds when it starts, the most of
    // the work, while requests go on reading and appending after them. Again while what was appended meanwhile is
    // more than a held pass should copy (the answer waits for a busy event loop, which commits on), a few times,
    // and only while the passes catch up: writes that come faster than a pass copies go to the held pass at once.
    let last: CheckpointAnswer & { ok: true };
    let pending = frames.read();
    let passes = 0;
    for (;;) {
      if (checkpointTrace.hasSubscribers) checkpointTrace.publish({ phase: 'free', at: performance.now(), frames: pending });
      const result = await ask(thread);
      if (!result.ok) return fail(result.error);
      if (stats.failed) return;
      if (checkpointTrace.hasSubscribers) checkpointTrace.publish({ phase: 'done', at: performance.now(), result });
      last = result;
      const before = pending;
      pending = frames.read();
      const again = ++passes < policy.freePasses && !closed && pending !== undefined && pending > policy.heldFrames;
      if (!again || before === undefined || pending! >= before) break;
    }
    if (!heldPassDue(pending, pending === 0 ? 0 : frames.total(), policy)) return counted(last);
    // Then held, for what was appended meanwhile: the WAL ends wholly copied, and the next write starts it over.
    return options.hold(async () => {
      // The worker may have failed while the hold waited for the connection: nothing to ask it then.
      if (stats.failed) return;
      if (checkpointTrace.hasSubscribers) checkpointTrace.publish({ phase: 'held', at: performance.now(), frames: frames.read() });
      // The main connection is held meanwhile: a checkpoint that never answers (a hung disk, a stuck thread) must
      // not hold it for ever. Past the limit the worker is given up, and SQLite's own checkpoints take over.
      const result = await ask(thread);
      if (!result.ok) return fail(result.error);
      counted(result);
      if (checkpointTrace.hasSubscribers) checkpointTrace.publish({ phase: 'done', at: performance.now(), result });
    });
  };
  /** A checkpoint's last answer: `checkpointed` counts every frame of the WAL copied so far, the first pass's too. */
  const counted = (result: CheckpointAnswer & { ok: true }) => {
    stats.checkpoints++;
    stats.framesCopied += Math.max(0, result.checkpointed);
  };

  const later = () => {
    if (!timer && !closed) timer = setTimeout(start, policy.maxDelayMs).unref();
  };
  function start(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (running || closed || stats.failed || writes === 0) return;
    writes = 0;
    running = checkpoint()
      .catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)))
      .finally(() => {
        running = undefined;
        // Writes made during the checkpoint are due in their turn.
        if (writes > 0) later();
      });
  }

  return {
    stats,
    closeFiles: () => frames.close(),
    noteWrite() {
      if (closed || stats.failed) return;
      // The thread starts at the first write, so that it is ready by the time a checkpoint is due.
      void started();
      writes++;
      const waiting = frames.read();
      if (waiting === undefined ? writes >= policy.writes : waiting >= policy.frames) start();
      else later();
    },
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await running;
      const thread = worker;
      if (!thread || stats.failed) return;
      thread.ref();
      await new Promise<void>((resolve) => {
        thread.once('exit', () => resolve());
        thread.postMessage('close');
      });
    },
  };
}

/**
 * Whether a checkpoint ends with a held pass, given the frames its free passes left (`pending`) and the frames in
 * the WAL (`total`), either undefined when the WAL index could not be read: not when nothing is left; when few
 * are (`heldFrames`, a short hold), or when the WAL has grown to `walFrames`; otherwise not now (see
 * {@link startCheckpointer}). Unknown counts hold, as before the WAL index was read.
 */
export function heldPassDue(pending: number | undefined, total: number | undefined, policy: Pick<typeof checkpointPolicy, 'heldFrames' | 'walFrames'>): boolean {
  if (pending === 0) return false;
  if (pending === undefined || total === undefined || pending <= policy.heldFrames) return true;
  return total >= policy.walFrames;
}

type CheckpointAnswer = { ok: true; busy: number; log: number; checkpointed: number; ms: number } | { ok: false; error: string };
/** What the worker says: that its connection is open, then one answer per checkpoint. */
type WorkerMessage = { ready: true } | CheckpointAnswer;

/**
 * How many WAL frames wait to be checkpointed, read from the WAL index (the `-shm` file, which SQLite maps into
 * memory: reading it sees what every connection wrote): its header's `mxFrame` (the last valid frame, at byte 16)
 * minus the checkpoint information's `nBackfill` (frames already copied, at byte 96), both 32-bit integers in the
 * machine's byte order. Undefined when the file cannot be read or does not look like a WAL index (version
 * 3007000), and the caller falls back to counting transactions.
 *
 * The descriptor stays open until `close()`, which must come after every SQLite connection of this process to
 * the database has closed: SQLite locks the WAL index with POSIX advisory locks (`fcntl`), and closing any
 * descriptor of a file drops all of the process's locks on it. Closed while the main connection is open, its
 * lock saying that the index is in use would be gone, and another process (`latchkey gc`, a backup) opening the
 * database could take it for unused and rebuild it under the server. A failed read therefore keeps the
 * descriptor too.
 *
 * `total()`: `mxFrame` alone, the frames the WAL holds (copied or not).
 *
 * @see https://www.sqlite.org/walformat.html#the_wal_index_header
 */
export function pendingFrames(shmFile: string): { read(): number | undefined; total(): number | undefined; close(): void } {
  const header = Buffer.alloc(100);
  const little = endianness() === 'LE';
  let fd: number | undefined;
  const close = () => {
    if (fd !== undefined) closeSync(fd);
    fd = undefined;
  };
  /** The header's `mxFrame` (frames in the WAL) and `nBackfill` (frames copied), or undefined. */
  const counts = (): [number, number] | undefined => {
    try {
      fd ??= openSync(shmFile, 'r');
      if (readSync(fd, header, 0, header.length, 0) < header.length) return undefined;
    } catch {
      // Not closed (see above): the next read tries the same descriptor again.
      return undefined;
    }
    const u32 = (offset: number) => (little ? header.readUInt32LE(offset) : header.readUInt32BE(offset));
    if (u32(0) !== 3007000) return undefined;
    return [u32(16), u32(96)];
  };
  const read = () => {
    const wal = counts();
    return wal && Math.max(0, wal[0] - wal[1]);
  };
  return { read, total: () => counts()?.[0], close };
}
