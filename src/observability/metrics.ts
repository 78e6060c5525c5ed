import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import type { AuditEntry, AuditTrail } from '../ports/audit-trail.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import type { LoginThrottle } from '../rate-limit/login-throttle.js';
import type { SweepKind, SweepObserver } from '../cleanup/sweep-observer.js';

/** The rate limits whose rejections are counted: `latchkey_rate_limit_rejections_total{limiter}`. */
export type LimiterName = 'registration' | 'token' | 'authorize' | 'sign-in' | 'gateway-user' | 'gateway-client';

/**
 * The metrics of one server (one app instance), in a registry of its own: tests and host applications build
 * many apps in one process, and the default global registry would mix (and refuse to re-register) them.
 */
export interface Metrics {
  /** `text/plain; version=0.0.4; charset=utf-8`. */
  readonly contentType: string;
  /** The Prometheus text of this server's metrics, then of the process's (memory, CPU, event loop, GC). */
  render(): Promise<string>;
  /**
   * Counts one answered request. `route` is the route pattern (`/register/*`), never the URL, so that
   * the number of series stays bounded.
   */
  observeRequest(route: string, method: string, status: number, seconds: number): void;
  /**
   * A trail that counts registrations (`client.registered`), token issues (`token.issued`), cleanup
   * deletions (`client.gc_deleted`), sign-ins and their failures (`user.signed_in`, `user.sign_in_failed`) and
   * created users (`user.created`), by provider, then hands every entry to `trail`. The audit trail is the one place every
   * one of these events already passes through, so protocol code needs no metrics of its own.
   */
  countingAuditTrail(trail: AuditTrail): AuditTrail;
  /**
   * Counts one tool call through the gateway and its duration. `tool` must come from a bounded set (the gateway
   * passes `other` for names it has not seen in a `tools/list`): callers choose tool names.
   */
  observeToolCall(tool: string, outcome: string, seconds: number): void;
  /** A limiter that counts its refusals under `name`, then answers as `limiter` does. */
  countingLimiter(limiter: RateLimiter, name: LimiterName): RateLimiter;
  /** A sign-in throttle that counts the attempts it refuses (under `sign-in`), then answers as `throttle` does. */
  countingThrottle(throttle: LoginThrottle): LoginThrottle;
  /**
   * Where the cleanup and retention sweeps report (pass it as their `observer`): rows deleted, each batch's
   * duration (how long it held the database) and each sweep's, by kind.
   */
  readonly sweeps: SweepObserver;
}

/** A request's two series, looked up once per route, method and status instead of hashed label objects. */
interface RequestSeries {
  count: { inc(): void };
  duration: { observe(value: number): void };
}

/**
 * Label values that exist before their first event, as zeros: `rate()` and alerts on a series that appears
 * only with its first increment miss that increment.
 */
const knownLabels = {
  source: ['dynamic', 'iat', 'software_statement'],
  grantType: ['authorization_code', 'refresh_token', 'client_credentials'],
  limiter: ['registration', 'token', 'authorize', 'sign-in', 'gateway-user', 'gateway-client'] satisfies LimiterName[],
  reason: ['unused', 'idle'],
  sweep: ['clients', 'refresh_tokens', 'retired_refresh_tokens', 'authorization_codes', 'revoked_access_tokens', 'used_values', 'pushed_requests', 'audit_events'] satisfies SweepKind[],
};

export function createMetrics(): Metrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'latchkey_http_requests_total',
    help: 'HTTP requests answered, by route pattern (or "unmatched"), method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    registers: [registry],
  });
  const durations = new Histogram({
    name: 'latchkey_http_request_duration_seconds',
    help: 'Time from receiving a request to finishing its response, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  const registrations = new Counter({
    name: 'latchkey_registrations_total',
    help: 'Clients registered, by registration source (dynamic, iat, software_statement).',
    labelNames: ['source'] as const,
    registers: [registry],
  });
  const tokens = new Counter({
    name: 'latchkey_tokens_issued_total',
    help: 'Successful token responses, by grant type.',
    labelNames: ['grant_type'] as const,
    registers: [registry],
  });
  const rejections = new Counter({
    name: 'latchkey_rate_limit_rejections_total',
    help: 'Requests refused with 429 by a rate limit: registration, token, or sign-in (failed sign-ins per account and address).',
    labelNames: ['limiter'] as const,
    registers: [registry],
  });
  const gcDeleted = new Counter({
    name: 'latchkey_gc_deleted_clients_total',
    help: 'Unused or idle self-registered clients deleted by the cleanup, by reason.',
    labelNames: ['reason'] as const,
    registers: [registry],
  });
  const signIns = new Counter({
    name: 'latchkey_sign_ins_total',
    help: 'Successful sign-ins, by provider (`local` for a password, `host` for the host app, else the configured provider id).',
    labelNames: ['provider'] as const,
    registers: [registry],
  });
  const signInFailures = new Counter({
    name: 'latchkey_sign_in_failures_total',
    help: 'Failed sign-ins, by provider and reason (`bad_credentials`, `not_allowed`, `access_denied`, `state_mismatch`, `invalid_id_token`, …).',
    labelNames: ['provider', 'reason'] as const,
    registers: [registry],
  });
  const usersCreated = new Counter({
    name: 'latchkey_users_created_total',
    help: 'Users created, by provider (`local` by an operator, else the provider whose first sign-in created them).',
    labelNames: ['provider'] as const,
    registers: [registry],
  });
  const toolCalls = new Counter({
    name: 'latchkey_gateway_tool_calls_total',
    help: 'Tool calls through the gateway, by tool (`other` for names no `tools/list` showed) and outcome (`ok`, `tool_error`, `error`, `refused`, `rate_limited`, `upstream_failed`, `no_response`).',
    labelNames: ['tool', 'outcome'] as const,
    registers: [registry],
  });
  const toolCallDurations = new Histogram({
    name: 'latchkey_gateway_tool_call_duration_seconds',
    help: 'How long tool calls through the gateway took, from the request to the response, by tool.',
    labelNames: ['tool'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  });
  const sweepDeleted = new Counter({
    name: 'latchkey_cleanup_deleted_total',
    help: 'Rows deleted by the cleanup and retention sweeps, by kind (clients, refresh_tokens, retired_refresh_tokens, authorization_codes, revoked_access_tokens, used_values, pushed_requests, audit_events).',
    labelNames: ['kind'] as const,
    registers: [registry],
  });
  const sweepBatches = new Histogram({
    name: 'latchkey_cleanup_batch_duration_seconds',
    help: 'How long one cleanup batch (one transaction) took, by kind: how long it held the database.',
    labelNames: ['kind'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [registry],
  });
  const sweepDurations = new Histogram({
    name: 'latchkey_cleanup_sweep_duration_seconds',
    help: 'How long one sweep took, by kind, its batches and the pauses between them included.',
    labelNames: ['kind'] as const,
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
    registers: [registry],
  });
  for (const kind of knownLabels.sweep) sweepDeleted.labels(kind).inc(0);
  for (const source of knownLabels.source) registrations.labels(source).inc(0);
  for (const grantType of knownLabels.grantType) tokens.labels(grantType).inc(0);
  for (const limiter of knownLabels.limiter) rejections.labels(limiter).inc(0);
  for (const reason of knownLabels.reason) gcDeleted.labels(reason).inc(0);

  const series = new Map<string, RequestSeries>();
  const processRegistry = processMetrics();

  return {
    contentType: registry.contentType,
    async render() {
      return (await registry.metrics()) + (await processRegistry.metrics());
    },
    observeRequest(route, method, status, seconds) {
      const key = `${method} ${status} ${route}`;
      let found = series.get(key);
      if (found === undefined) {
        const code = String(status);
        found = { count: requests.labels(route, method, code), duration: durations.labels(route, method, code) };
        series.set(key, found);
      }
      found.count.inc();
      found.duration.observe(seconds);
    },
    countingAuditTrail(trail) {
      return {
        record(entry: AuditEntry) {
          switch (entry.type) {
            case 'client.registered':
              registrations.labels(labelOf(entry, 'source')).inc();
              break;
            case 'token.issued':
              tokens.labels(labelOf(entry, 'grant_type')).inc();
              break;
            case 'client.gc_deleted':
              gcDeleted.labels(labelOf(entry, 'reason')).inc();
              break;
            case 'user.signed_in':
              signIns.labels(labelOf(entry, 'provider', 'local')).inc();
              break;
            case 'user.sign_in_failed':
              signInFailures.labels(labelOf(entry, 'provider', 'local'), labelOf(entry, 'reason', 'bad_credentials')).inc();
              break;
            case 'user.created':
              usersCreated.labels(labelOf(entry, 'provider', 'local')).inc();
              break;
            default:
              break;
          }
          trail.record(entry);
        },
      };
    },
    observeToolCall(tool, outcome, seconds) {
      toolCalls.labels(tool, outcome).inc();
      toolCallDurations.labels(tool).observe(seconds);
    },
    countingLimiter(limiter, name) {
      return {
        async consume(key) {
          const decision = await limiter.consume(key);
          if (!decision.allowed) rejections.labels(name).inc();
          return decision;
        },
      };
    },
    sweeps: {
      batch(kind, deleted, seconds) {
        sweepDeleted.labels(kind).inc(deleted);
        sweepBatches.labels(kind).observe(seconds);
      },
      sweep(kind, seconds) {
        sweepDurations.labels(kind).observe(seconds);
      },
    },
    countingThrottle(throttle) {
      return {
        async check(username, ip) {
          const decision = await throttle.check(username, ip);
          if (!decision.allowed) rejections.labels('sign-in').inc();
          return decision;
        },
        recordFailure: (username, ip) => throttle.recordFailure(username, ip),
        recordSuccess: (username, ip) => throttle.recordSuccess(username, ip),
      };
    },
  };
}

/**
 * A label value from an audit event's data; the values are the code's own enums or configured provider ids, so
 * the series stay few. `absent` names an event written without it (a local password sign-in has no provider).
 */
function labelOf(entry: AuditEntry, name: string, absent = 'unknown'): string {
  const value = entry.data?.[name];
  return typeof value === 'string' ? value : absent;
}

let processRegistry: Registry | undefined;

/**
 * The process's metrics (`process_*`, `nodejs_*`), collected once per process: they describe the process,
 * not a server, and each collection starts an event-loop monitor and a GC observer that are never stopped.
 */
function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry();
    collectDefaultMetrics({ register: processRegistry });
  }
  return processRegistry;
}
