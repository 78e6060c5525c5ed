import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/defaults.js';
import { OAuthError } from '../errors/oauth-error.js';
import { bearerToken } from '../http/bearer.js';
import type { Metrics } from './metrics.js';
import { digestSecret, secretMatches } from '../protocol/secrets.js';

/**
 * Counts and times every answered request (one `onResponse` hook, labelled by route pattern, `unmatched` for
 * requests no route matched) and serves the metrics at `metrics.path`. Called only when `metrics.enabled`:
 * disabled, no hook runs at all.
 * (Rate-limit refusals are counted by the limiters themselves: see `Metrics.countingLimiter`.)
 */
export function instrumentApp(app: FastifyInstance, config: Config, metrics: Metrics): void {
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    const status = reply.statusCode;
    metrics.observeRequest(route, request.method, status, reply.elapsedTime / 1000);
    done();
  });

  const expected = config.metrics.bearerToken === null ? null : digestSecret(config.metrics.bearerToken);
  // Probes and scrapes come every few seconds: their lines would drown the log, so only warnings are logged.
  app.get(config.metrics.path, { logLevel: 'warn' }, async (request, reply) => {
    if (expected !== null) {
      const presented = bearerToken(request.headers.authorization);
      if (presented === undefined || !secretMatches(presented, expected)) {
        throw new OAuthError('invalid_token', 'the metrics need the configured bearer token', { tokenPresented: presented !== undefined });
      }
    }
    const text = await metrics.render();
    return reply.header('content-type', metrics.contentType).header('cache-control', 'no-store').send(text);
  });
}

