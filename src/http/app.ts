import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { createAuditTrail, type BackgroundAuditTrail } from '../observability/audit-trail.js';
import { createLogger } from '../observability/logger.js';
import type { AuditTrail, Clock, RandomSource } from '../protocol/context.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import { createRateLimiters } from '../rate-limit/limiters.js';
import { createLoginThrottle } from '../rate-limit/login-throttle.js';
import type { Storage } from '../storage/ports.js';
import { systemClock, systemRandom } from '../system.js';
import { latchkeyPlugin } from './plugin.js';
import { createKeyManager, type KeyManager } from '../keys/key-manager.js';
import { renderError } from './render-error.js';
import { OAuthError } from '../errors/oauth-error.js';

export interface AppOptions {
  config: Config;
  storage: Storage;
  clock?: Clock;
  random?: RandomSource;
  logger?: Logger;
  /** The per-IP limit on registrations; by default the one `registration.rateLimit` and `redis.url` describe. */
  registrationLimiter?: RateLimiter;
  /** The per-IP limit on token requests; by default the one `token.rateLimit` and `redis.url` describe. */
  tokenLimiter?: RateLimiter;
  /** Where audit events go; by default the `audit_events` table (in the background) and the log. */
  audit?: AuditTrail;
  /** The signing keys; by default, the ones in `storage` (generated on first start). */
  keys?: KeyManager;
  /** How Client ID Metadata Documents are fetched: a CA to trust, for tests with a self-signed server. */
  cimdFetchOptions?: { ca?: string };
}

/** Request bodies larger than this are refused with `413` before they are read. */
export const bodyLimit = 64 * 1024;

/**
 * Requests too malformed for Fastify to route (broken framing, bad headers) are answered on the socket in the
 * same RFC 6749 shape as every other error, instead of Node's or Fastify's default body.
 */
function answerMalformedRequest(error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) return;
  const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
  const body = JSON.stringify({
    error: 'invalid_request',
    error_description: tooLarge ? 'The request headers are too large.' : 'The request is not well-formed HTTP.',
  });
  socket.end(
    `HTTP/1.1 ${tooLarge ? '431 Request Header Fields Too Large' : '400 Bad Request'}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\nCache-Control: no-store\r\nConnection: close\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/**
 * The standalone server: a Fastify instance with Latchkey's plugin, JSON 404s, health checks and security
 * headers. It does not listen; `main.ts` does, and tests use `inject()`.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, storage } = options;
  const logger: FastifyBaseLogger = options.logger ?? createLogger(config.logLevel);
  const app = Fastify({
    loggerInstance: logger,
    trustProxy: config.trustProxy,
    bodyLimit,
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    clientErrorHandler: answerMalformedRequest,
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('x-content-type-options', 'nosniff');
  });
  app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
  app.setNotFoundHandler((request, reply) => renderError(request, reply, new OAuthError('not_found')));

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const database = (await storage.ping()) ? 'ok' : 'unavailable';
    return reply.code(database === 'ok' ? 200 : 503).send({ status: database === 'ok' ? 'ready' : 'not ready', database });
  });

  const clock = options.clock ?? systemClock;
  const keys = options.keys ?? createKeyManager({ store: storage.signingKeys, clock, config: config.keys });
  await keys.ensureKey();
  const random = options.random ?? systemRandom;
  const cookieSecret = await storage.secrets.getOrCreateSecret('cookie-signing', () => random.token(32), clock.now());
  const audit = options.audit ?? createAuditTrail({ store: storage.auditEvents, logger, clock, random });
  // Registered first, so it runs after every other onClose hook: events of the last requests are written.
  if (!options.audit) app.addHook('onClose', () => (audit as BackgroundAuditTrail).close());
  // Created after the awaits above, and closed if registering fails, so that a failed start leaves no Redis
  // connection holding the process open. Waiting for the connection lets the first requests count together.
  const limiters = createRateLimiters(config, logger);
  app.addHook('onClose', () => limiters.close());
  await limiters.ready();
  try {
    await app.register(latchkeyPlugin, {
      keys,
      cookieSecret,
      loginThrottle: createLoginThrottle(
        { maxFailures: config.login.maxFailures, windowSeconds: config.login.windowSeconds },
        limiters.loginCounters,
      ),
      config,
      storage,
      clock,
      random,
      audit,
      registrationLimiter: options.registrationLimiter ?? limiters.registration,
      tokenLimiter: options.tokenLimiter ?? limiters.token,
    ...(options.cimdFetchOptions ? { cimdFetchOptions: options.cimdFetchOptions } : {}),
    });
  } catch (error) {
    await limiters.close();
    throw error;
  }
  return app;
}
