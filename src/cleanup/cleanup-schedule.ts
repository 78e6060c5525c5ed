import type { Logger } from 'pino';
import type { CleanupSummary } from './clean-up-clients.js';

export interface CleanupScheduleOptions {
  /** One cleanup run (normally {@link cleanUpClients} over the server's storage). */
  run(): Promise<CleanupSummary>;
  /** Time between the starts of two runs, in milliseconds. */
  intervalMs: number;
  /**
   * When the first run starts, in milliseconds; by default one interval after the start. Servers restarted
   * more often than the interval (every deploy) would otherwise never clean up.
   */
  firstRunAfterMs?: number;
  logger: Pick<Logger, 'info' | 'error'>;
}

/** A running schedule. */
export interface CleanupSchedule {
  /** Stops scheduling and resolves once a run in progress has finished (call it before closing the database). */
  stop(): Promise<void>;
}

/**
 * Runs the cleanup of unused clients periodically in the server. Runs never overlap: a tick that comes while
 * the previous run is still busy (a large backlog, a slow database) is skipped. A failed run is logged and the
 * next tick tries again; it never takes the server down. The timers are unref'd, so they keep no process alive.
 * Several instances may run it at once: each deletion re-checks its conditions, so the worst case is some
 * wasted work.
 */
export function startCleanupSchedule(options: CleanupScheduleOptions): CleanupSchedule {
  const { run, intervalMs, logger } = options;
  let running: Promise<void> | undefined;
  let stopped = false;

  const tick = () => {
    if (stopped || running) return;
    const started = Date.now();
    running = run()
      .then(
        (summary) => {
          const deleted = summary.unused + summary.idle;
          if (deleted > 0) logger.info({ ...summary, deleted, ms: Date.now() - started }, `cleanup deleted ${deleted} unused clients`);
        },
        (error: unknown) => logger.error({ err: error }, 'cleanup of unused clients failed; it runs again at the next interval'),
      )
      .finally(() => {
        running = undefined;
      });
  };

  const interval = setInterval(tick, intervalMs).unref();
  const first = options.firstRunAfterMs === undefined ? undefined : setTimeout(tick, options.firstRunAfterMs).unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(interval);
      if (first) clearTimeout(first);
      await running;
    },
  };
}
