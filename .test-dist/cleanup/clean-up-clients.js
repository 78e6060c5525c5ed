import { usageRecordingIntervalMs } from "./client-usage.js";
import { inBatches } from "./sweep-observer.js";
async function cleanUpClients(context, onProgress) {
  const { cleanup, config, audit } = context;
  const criteria = cleanupCriteria(config, context.clock.now());
  const summary = { unused: 0, idle: 0, batches: 0 };
  const deleteBatch = async (limit) => {
    const deleted = await cleanup.deleteUnusedClients(criteria, limit);
    summary.batches++;
    for (const { clientId, reason } of deleted) {
      summary[reason]++;
      audit.record({ type: "client.gc_deleted", clientId, actor: "gc", data: { reason } });
    }
    onProgress?.(summary.unused + summary.idle, deleted.length);
    return deleted.length;
  };
  await inBatches("clients", deleteBatch, config.cleanup.batchSize, context.observer);
  return summary;
}
function cleanupCriteria(config, now) {
  return {
    now,
    unusedRegisteredBefore: now - config.cleanup.unusedAfter * 1e3,
    idleSince: now - config.cleanup.idleAfter * 1e3,
    // Access tokens are not stored, so a client may hold a live one for a token lifetime after its last use.
    // The recorded last use may be up to one recording interval older than the real one (it is written at
    // most once an interval per client), so a recorded use within both of now may still have a live token.
    accessTokensIssuedAfter: now - config.tokens.accessTokenTtlSeconds * 1e3 - usageRecordingIntervalMs
  };
}
export {
  cleanUpClients,
  cleanupCriteria
};
//# sourceMappingURL=clean-up-clients.js.map
