import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { createLogger } from '../observability/logger.js';
import type { Clock, RandomSource } from '../protocol/context.js';
import { unlimited, type RateLimiter } from '../rate-limit/limiter.js';
import { createLoginThrottle } from '../rate-limit/login-throttle.js';
import { createMemoryRateLimiter } from '../rate-limit/memory.js';
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
  registrationLimiter?: RateLimiter;
  /** The signing keys; by default, the ones in `storage` (generated on first start). */
  keys?: KeyManager;
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

  const { rateLimit } = config.registration;
  const clock = options.clock ?? systemClock;
  const keys = options.keys ?? createKeyManager({ store: storage.signingKeys, clock, config: config.keys });
  await keys.ensureKey();
  const random = options.random ?? systemRandom;
  await app.register(latchkeyPlugin, {
    keys,
    cookieSecret: await storage.secrets.getOrCreateSecret('cookie-signing', () => random.token(32), clock.now()),
    loginThrottle: createLoginThrottle({ maxFailures: config.login.maxFailures, windowSeconds: config.login.windowSeconds }),
    config,
    storage,
    clock,
    random,
    registrationLimiter:
      options.registrationLimiter ?? (rateLimit.enabled ? createMemoryRateLimiter(rateLimit) : unlimited),
  });
  return app;
}
