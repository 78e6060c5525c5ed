import { usageRecordingIntervalMs } from "./client-usage.js";
function createUsageTracker(clients, clock, options) {
  const intervalMs = options.intervalMs ?? usageRecordingIntervalMs;
  const maxEntries = options.maxEntries ?? 1e5;
  if (intervalMs > usageRecordingIntervalMs) throw new RangeError(`intervalMs may be at most ${usageRecordingIntervalMs}`);
  if (maxEntries < 1) throw new RangeError("maxEntries must be at least 1");
  const writtenAt = /* @__PURE__ */ new Map();
  const inFlight = /* @__PURE__ */ new Set();
  const forgetExpired = (now) => {
    for (const [clientId, at] of writtenAt) {
      if (now - at < intervalMs && writtenAt.size < maxEntries) return;
      writtenAt.delete(clientId);
    }
  };
  const write = async (clientId, now) => {
    try {
      await clients.touchClient(clientId, now);
    } catch (error) {
      if (writtenAt.get(clientId) === now) writtenAt.delete(clientId);
      options.logger.warn({ err: error, client_id: clientId }, "could not record the use of a client");
    }
  };
  return {
    clientUsed(clientId) {
      const now = clock.now();
      const last = writtenAt.get(clientId);
      if (last !== void 0 && now - last < intervalMs && now >= last) return;
      writtenAt.delete(clientId);
      forgetExpired(now);
      writtenAt.set(clientId, now);
      const pending = write(clientId, now);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    },
    async drain() {
      await Promise.all(inFlight);
    }
  };
}
export {
  createUsageTracker
};
//# sourceMappingURL=usage-tracker.js.map
