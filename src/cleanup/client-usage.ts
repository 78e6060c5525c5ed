/**
 * Where protocol code says that a client was used (it completed an authorization or redeemed a token), so that
 * cleanup can tell clients in use from abandoned ones. Recording is coarse and in the background: it never
 * slows or fails the request that reports the use.
 */
export interface ClientUsage {
  clientUsed(clientId: string): void;
}

/** Records nothing, for code paths and tests that do not track usage. */
export const noUsageTracking: ClientUsage = { clientUsed: () => {} };

/**
 * How far behind a client's recorded last use may be: a use is written at most this often per client (once an
 * hour), instead of on every token request. Cleanup allows for it when it decides that nothing is live.
 */
export const usageRecordingIntervalMs = 3_600_000;
