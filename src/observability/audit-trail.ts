import type { AuditEntry, AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import type { AuditEvent, AuditEventStore, AuditEventType } from '../ports/audit-events.js';

/** The part of a pino (or Fastify) logger the trail writes to. */
/**
 * Events that come with every request of a busy endpoint (a registration, a token, a tool call through the
 * gateway), whose request already has its line at `info` ("request completed"): they are kept in the table (and
 * counted) like every event, and logged at `debug`, so that a busy server writes one line a request, not two or
 * three. The rarer events (revocations, deletions, sign-ins, an operator's changes) stay at `info`.
 */
const perRequestEvents: ReadonlySet<AuditEventType> = new Set(['client.registered', 'token.issued', 'gateway.tool_called']);

export interface AuditLogger {
  debug(object: object, message: string): void;
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
  /** Events waiting that start a write at once, without waiting for the delay. */
  writeAt?: number;
  /** Events kept while the database is failing; older ones are dropped (and counted in the log) beyond it. */
  maxPending?: number;
  /** Events written per transaction, at most. */
  maxBatch?: number;
  /**
   * How long one write should take, in milliseconds: a write that took longer makes the next batch smaller in
   * proportion (down to {@link minBatch}), one that took less than half of it lets the next grow back.
   */
  batchTargetMs?: number;
  /** A monotonic clock in milliseconds, for timing the writes (`performance.now` unless a test gives another). */
  elapsed?: () => number;
}

/** The fewest events a write is sized down to: below it, per-transaction costs (an fsync on SQLite) dominate. */
const minBatch = 100;

/** An {@link AuditTrail} that can be flushed and closed with the server. */
export interface BackgroundAuditTrail extends AuditTrail {
  /** Writes every event recorded so far. */
  flush(): Promise<void>;
  /** Flushes, then stops the timer. */
  close(): Promise<void>;
}

/**
 * The audit trail: every event is logged at once (one JSON line, `msg: "audit"`) and written to the
 * `audit_events` table in batches: 250 ms later (`flushDelayMs`), sooner once 256 events wait (`writeAt`); after
 * a failed write, the next waits 8 delays, however many events wait. Writing in the background keeps the trail
 * off the request's critical path: a registration answers after its own commit, not after its event's, and an
 * audit write that fails never fails a request. The cost is that events of the last moment before a crash may
 * reach the log but not the table.
 */
export function createAuditTrail(options: AuditTrailOptions): BackgroundAuditTrail {
  const { store, logger, clock, random } = options;
  const flushDelayMs = options.flushDelayMs ?? 250;
  const writeAt = options.writeAt ?? 256;
  const maxPending = options.maxPending ?? 50_000;
  const maxBatch = options.maxBatch ?? 5000;
  const batchTargetMs = options.batchTargetMs ?? 25;
  const elapsed = options.elapsed ?? (() => performance.now());
  let batchSize = maxBatch;
  let pending: AuditEvent[] = [];
  /** A timer set for the next write, not yet gone off. */
  let timer: NodeJS.Timeout | undefined;
  /** The delay `timer` was set for. */
  let timerDelay = 0;
  /** Whether a timer has gone off and its write waits in `writing` for the one before it. */
  let queued = false;
  /** Whether the last write failed: until one succeeds, no write starts by itself before `retryAt`. */
  let failing = false;
  /** When (on the `elapsed` clock) a write may start by itself again after a failure. */
  let retryAt = 0;
  let closed = false;
  let writing: Promise<void> = Promise.resolve();
  let dropped = 0;

  const cancelTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  /** A write in `delay` ms, unless one is already set or waiting: one chain of writes, never two. */
  const schedule = (delay: number): void => {
    if (timer !== undefined || queued || closed) return;
    timerDelay = delay;
    timer = setTimeout(() => {
      timer = undefined;
      queued = true;
      writing = writing.then(() => write(false));
    }, delay);
    timer.unref();
  };

  /** Writes a batch. `forced` (a flush) writes even while failing; a write started by a timer waits for `retryAt`. */
  const write = async (forced: boolean): Promise<void> => {
    if (!forced) {
      queued = false;
      if (closed) return;
      // A timer set before the failure (or while a slow failing write ran) must not cut the retry's delay short.
      const wait = failing ? retryAt - elapsed() : 0;
      if (wait > 0) {
        schedule(wait);
        return;
      }
    }
    // Bounded batches, the next one after the event loop has turned. Under load a write starts at `writeAt`
    // events: on SQLite a batch of 2,000 (250 ms of registrations) held the connection, and the event loop, for
    // 7-15 ms, and each request beside it waited as long. The fsync after a batch runs in the thread pool, shared
    // with the commits beside it, so smaller batches cost little. Sized by time too: SQLite's one connection
    // serves nothing else while a write runs, and the events of a cleanup sweep (thousands of `client.deleted` at
    // once) took 25-105 ms a write, the longest waits of requests beside it.
    const batch = pending.splice(0, batchSize);
    if (batch.length === 0) return;
    if (pending.length > 0) schedule(0);
    try {
      const started = elapsed();
      await store.appendAuditEvents(batch);
      const took = elapsed() - started;
      failing = false;
      if (took > batchTargetMs) batchSize = Math.min(batchSize, Math.max(minBatch, Math.floor((batch.length * batchTargetMs) / took)));
      else if (took < batchTargetMs / 2 && batch.length >= batchSize) batchSize = Math.min(maxBatch, batchSize * 2);
    } catch (error) {
      // Keep the events for the next attempt, within bounds: the log line already holds every one of them.
      failing = true;
      retryAt = elapsed() + flushDelayMs * 8;
      pending = [...batch, ...pending];
      if (pending.length > maxPending) {
        dropped += pending.length - maxPending;
        pending = pending.slice(pending.length - maxPending);
      }
      logger.warn({ err: error, pending: pending.length, dropped }, 'audit events could not be written; will retry');
      cancelTimer();
      schedule(flushDelayMs * 8);
    }
  };

  return {
    record(entry: AuditEntry) {
      const at = clock.now();
      const event: AuditEvent = {
        // Time-ordered, so that events are appended to the table's primary key rather than spread over it.
        id: random.timeOrderedUuid(at),
        at,
        type: entry.type,
        clientId: entry.clientId ?? null,
        userId: entry.userId ?? null,
        actor: entry.actor ?? null,
        ip: entry.ip ?? null,
        data: entry.data ?? {},
      };
      if (perRequestEvents.has(event.type)) logger.debug({ audit: event }, 'audit');
      else logger.info({ audit: event }, 'audit');
      pending.push(event);
      if (pending.length < writeAt || failing) schedule(flushDelayMs);
      else {
        // Enough to write now (see `write`): a timer set for the delay gives way. Held for the whole delay, a busy
        // server's events also outlived several of V8's young-generation collections, each copying them.
        if (timerDelay > 0) cancelTimer();
        schedule(0);
      }
    },
    async flush() {
      // Batch after batch until everything recorded so far is written, or a write fails (the events stay pending).
      let before: number;
      do {
        before = pending.length;
        cancelTimer();
        writing = writing.then(() => write(true));
        await writing;
      } while (pending.length > 0 && pending.length < before);
    },
    async close() {
      await this.flush();
      closed = true;
      cancelTimer();
    },
  };
}
