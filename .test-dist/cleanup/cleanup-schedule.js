function startCleanupSchedule(options) {
  const { run, intervalMs, logger } = options;
  let running;
  let stopped = false;
  const tick = () => {
    if (stopped || running) return;
    const started = Date.now();
    running = run().then(
      (summary) => {
        const deleted = summary.unused + summary.idle;
        if (deleted > 0) logger.info({ ...summary, deleted, ms: Date.now() - started }, `cleanup deleted ${deleted} unused clients`);
      },
      (error) => logger.error({ err: error }, "cleanup of unused clients failed; it runs again at the next interval")
    ).finally(() => {
      running = void 0;
    });
  };
  const interval = setInterval(tick, intervalMs).unref();
  const first = options.firstRunAfterMs === void 0 ? void 0 : setTimeout(tick, options.firstRunAfterMs).unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(interval);
      if (first) clearTimeout(first);
      await running;
    }
  };
}
export {
  startCleanupSchedule
};
//# sourceMappingURL=cleanup-schedule.js.map
