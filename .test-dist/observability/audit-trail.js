const perRequestEvents = /* @__PURE__ */ new Set(["client.registered", "token.issued", "gateway.tool_called"]);
function createAuditTrail(options) {
  const { store, logger, clock, random } = options;
  const flushDelayMs = options.flushDelayMs ?? 250;
  const maxPending = options.maxPending ?? 5e4;
  const maxBatch = options.maxBatch ?? 5e3;
  let pending = [];
  let timer;
  let writing = Promise.resolve();
  let dropped = 0;
  const write = async () => {
    timer = void 0;
    const batch = pending.splice(0, maxBatch);
    if (batch.length === 0) return;
    if (pending.length > 0) schedule(0);
    try {
      await store.appendAuditEvents(batch);
    } catch (error) {
      pending = [...batch, ...pending];
      if (pending.length > maxPending) {
        dropped += pending.length - maxPending;
        pending = pending.slice(pending.length - maxPending);
      }
      logger.warn({ err: error, pending: pending.length, dropped }, "audit events could not be written; will retry");
      if (timer !== void 0) clearTimeout(timer);
      timer = void 0;
      schedule(flushDelayMs * 8);
    }
  };
  const schedule = (delay) => {
    if (timer !== void 0) return;
    timer = setTimeout(() => {
      writing = writing.then(write);
    }, delay);
    timer.unref();
  };
  return {
    record(entry) {
      const at = clock.now();
      const event = {
        // Time-ordered, so that events are appended to the table's primary key rather than spread over it.
        id: random.timeOrderedUuid(at),
        at,
        type: entry.type,
        clientId: entry.clientId ?? null,
        userId: entry.userId ?? null,
        actor: entry.actor ?? null,
        ip: entry.ip ?? null,
        data: entry.data ?? {}
      };
      if (perRequestEvents.has(event.type)) logger.debug({ audit: event }, "audit");
      else logger.info({ audit: event }, "audit");
      pending.push(event);
      schedule(flushDelayMs);
    },
    async flush() {
      let before;
      do {
        before = pending.length;
        if (timer !== void 0) clearTimeout(timer);
        timer = void 0;
        writing = writing.then(write);
        await writing;
      } while (pending.length > 0 && pending.length < before);
    },
    async close() {
      await this.flush();
      if (timer !== void 0) clearTimeout(timer);
      timer = void 0;
    }
  };
}
export {
  createAuditTrail
};
//# sourceMappingURL=audit-trail.js.map
