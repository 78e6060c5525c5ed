import type { Logger } from 'pino';
import { usageRecordingIntervalMs, type ClientUsage } from './client-usage.js';
import type { Clock } from '../ports/clock.js';
import type { ClientStore } from '../ports/clients.js';

export interface UsageTrackerOptions {
  /**
   * Writes per client at most this often, in milliseconds. At most {@link usageRecordingIntervalMs}: cleanup
   * relies on a recorded use being no older than that.
   */
  intervalMs?: number;
  /** Clients remembered at once; beyond it the least recently written are forgotten (and written again on their next use). */
  maxEntries?: number;
  logger: Pick<Logger, 'warn'>;
}

/** A {@link ClientUsage} whose background writes can be awaited before the database closes. */
export interface UsageTracker extends ClientUsage {
  /** Resolves once every write started so far has finished. */
  drain(): Promise<void>;
}

/**
 * Records client use coarsely: `touchClient` is written on a client's first use in this process and then at
 * most once per interval, so a busy client costs one write an hour rather than one per token request. Writes
 * run in the background and their failures are only logged, as a token request must never fail for them.
 *
 * Memory is bounded: writes are remembered in the order they happened, so the oldest entry, the first in
 * the map, is both the first to expire and the one given up when the map is full. Forgetting a client only
 * ever causes an extra write, never a missed one, so the recorded use stays at most one interval behind.
 */
export function createUsageTracker(clients: Pick<ClientStore, 'touchClient'>, clock: Clock, options: UsageTrackerOptions): UsageTracker {
  const intervalMs = options.intervalMs ?? usageRecordingIntervalMs;
  const maxEntries = options.maxEntries ?? 100_000;
  if (intervalMs > usageRecordingIntervalMs) throw new RangeError(`intervalMs may be at most ${usageRecordingIntervalMs}`);
  if (maxEntries < 1) throw new RangeError('maxEntries must be at least 1');
  const writtenAt = new Map<string, number>();
  const inFlight = new Set<Promise<void>>();

  const forgetExpired = (now: number) => {
    for (const [clientId, at] of writtenAt) {
      if (now - at < intervalMs && writtenAt.size < maxEntries) return;
      writtenAt.delete(clientId);
    }
  };

  const write = async (clientId: string, now: number) => {
    try {
      await clients.touchClient(clientId, now);
    } catch (error) {
      // Forget the write, so that the next use tries again instead of waiting out the interval.
      if (writtenAt.get(clientId) === now) writtenAt.delete(clientId);
      options.logger.warn({ err: error, client_id: clientId }, 'could not record the use of a client');
    }
  };

  return {
    clientUsed(clientId) {
      const now = clock.now();
      const last = writtenAt.get(clientId);
      if (last !== undefined && now - last < intervalMs && now >= last) return;
      // Re-inserted at the end, to keep the map in the order of writes.
      writtenAt.delete(clientId);
      forgetExpired(now);
      writtenAt.set(clientId, now);
      const pending = write(clientId, now);
      inFlight.add(pending);
      void pending.finally(() => inFlight.delete(pending));
    },
    async drain() {
      await Promise.all(inFlight);
    },
  };
}
