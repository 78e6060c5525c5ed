import { inBatches } from "./sweep-observer.js";
function forgetExpiredValues(replays, now, batchSize, observer) {
  return inBatches("used_values", (limit) => replays.deleteExpired(now, limit), batchSize, observer);
}
async function forgetOldAuditEvents(events, now, retentionDays, batchSize, observer) {
  if (retentionDays === 0) return 0;
  const before = now - retentionDays * 864e5;
  return inBatches("audit_events", (limit) => events.deleteAuditEventsBefore(before, limit), batchSize, observer);
}
const keptAfterExpiry = { refresh_tokens: 0, authorization_codes: 36e5, revoked_access_tokens: 0 };
async function forgetExpiredRecords(cleanup, now, batchSize, observer) {
  const deleted = { refresh_tokens: 0, authorization_codes: 0, revoked_access_tokens: 0 };
  for (const kind of Object.keys(deleted)) {
    deleted[kind] = await inBatches(kind, (limit) => cleanup.deleteExpired(kind, now - keptAfterExpiry[kind], limit), batchSize, observer);
  }
  return deleted;
}
function forgetExpiredPushedRequests(pushedRequests, now, batchSize, observer) {
  return inBatches("pushed_requests", (limit) => pushedRequests.deleteExpired(now, limit), batchSize, observer);
}
async function sweepRetention(storage, config, now, observer) {
  const batch = config.cleanup.batchSize;
  return {
    ...await forgetExpiredRecords(storage.cleanup, now, batch, observer),
    used_values: await forgetExpiredValues(storage.replays, now, batch, observer),
    pushed_requests: await forgetExpiredPushedRequests(storage.pushedRequests, now, batch, observer),
    audit_events: await forgetOldAuditEvents(storage.auditEvents, now, config.audit.retentionDays, batch, observer)
  };
}
export {
  forgetExpiredPushedRequests,
  forgetExpiredRecords,
  forgetExpiredValues,
  forgetOldAuditEvents,
  sweepRetention
};
//# sourceMappingURL=retention.js.map
