const noUsageTracking = { clientUsed: () => {
} };
const usageRecordingIntervalMs = 36e5;
export {
  noUsageTracking,
  usageRecordingIntervalMs
};
//# sourceMappingURL=client-usage.js.map
