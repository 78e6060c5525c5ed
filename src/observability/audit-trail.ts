import type { AuditEntry, AuditTrail, Clock, RandomSource } from '../protocol/context.js';
import type { AuditEvent, AuditEventStore } from '../storage/ports.js';

/** The part of a pino (or Fastify) logger the trail writes to. */
export interface AuditLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

export interface AuditTrailOptions {
  store: AuditEventStore;
  logger: AuditLogger;
  clock: Clock;
  random: RandomSource;
  /** How long an event may wait before it is written, in milliseconds. */
  flushDelayMs?: number;
  /** Events kept while the database is failing; older ones are dropped (and counted in the log) beyond it. */
  maxPending?: number;
}

/** An {@link AuditTrail} that can be flushed and closed with the server. */
export interface BackgroundAuditTrail extends AuditTrail {
  /** Writes every event recorded so far. */
  flush(): Promise<void>;
  /** Flushes, then stops the timer. */
  close(): Promise<void>;
}

/**
 * The audit trail: every event is logged at once (one JSON line, `msg: "audit"`) and written to the
 * `audit_events` table in batches, a few hundred milliseconds later. Writing in the background keeps the trail
 * off the request's critical path: a registration answers after its own commit, not after its event's, and an
 * audit write that fails never fails a request. The cost is that events of the last moment before a crash
 * may reach the log but not the table.
 */
export function createAuditTrail(options: AuditTrailOptions): BackgroundAuditTrail {
  const { store, logger, clock, random } = options;
  const flushDelayMs = options.flushDelayMs ?? 250;
  const maxPending = options.maxPending ?? 50_000;
  let pending: AuditEvent[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();
  let dropped = 0;

  const write = async (): Promise<void> => {
    timer = undefined;
    const batch = pending;
    pending = [];
    if (batch.length === 0) return;
    try {
      await store.appendAuditEvents(batch);
    } catch (error) {
      // Keep the events for the next attempt, within bounds: the log line already holds every one of them.
      pending = [...batch, ...pending];
      if (pending.length > maxPending) {
        dropped += pending.length - maxPending;
        pending = pending.slice(pending.length - maxPending);
      }
      logger.warn({ err: error, pending: pending.length, dropped }, 'audit events could not be written; will retry');
      schedule(flushDelayMs * 8);
    }
  };
  const schedule = (delay: number): void => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      writing = writing.then(write);
    }, delay);
    timer.unref();
  };

  return {
    record(entry: AuditEntry) {
      const event: AuditEvent = {
        id: random.uuid(),
        at: clock.now(),
        type: entry.type,
        clientId: entry.clientId ?? null,
        userId: entry.userId ?? null,
        actor: entry.actor ?? null,
        ip: entry.ip ?? null,
        data: entry.data ?? {},
      };
      logger.info({ audit: event }, 'audit');
      pending.push(event);
      schedule(flushDelayMs);
    },
    async flush() {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      }
      writing = writing.then(write);
      await writing;
    },
    async close() {
      await this.flush();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
    },
  };
}
