import type { FastifyInstance } from 'fastify';
import { exchangeToken } from '../../protocol/token/token-endpoint.js';
import type { TokenContext } from '../../protocol/token/token-context.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { rateLimitKey } from '../../rate-limit/client-key.js';
import type { RateLimiter } from '../../rate-limit/limiter.js';
import { tokenRequestProof, type DpopRouteContext } from '../dpop.js';
import { presentedClientCredentials } from '../form-body.js';

/**
 * `POST /token` (RFC 6749 §3.2): form parameters in, a token response with `Cache-Control: no-store` out. Token
 * requests are limited per client address, counted before the body is read so that malformed requests (and
 * guessed client secrets or codes) count too. A `DPoP` proof (RFC 9449) binds the tokens to its key.
 */
export function tokenRoute(app: FastifyInstance, context: TokenContext & DpopRouteContext & { limiter: RateLimiter }, path: string): void {
  const url = new URL(path, context.config.issuer).href;
  app.post(path, {
    onRequest: async (request) => {
      const decision = await context.limiter.consume(rateLimitKey(request.ip));
      if (!decision.allowed) {
        throw new OAuthError('rate_limited', 'Too many token requests; try again later', { retryAfter: decision.retryAfterSeconds });
      }
    },
    handler: async (request, reply) => {
      const params = (request.body ?? {}) as Record<string, string>;
      const dpop = await tokenRequestProof(request, reply, url, { ...context, requireNonce: context.config.tokens.dpopNonce });
      const response = await exchangeToken(params, presentedClientCredentials(request), { ...context, ip: request.ip, dpop });
      request.log.debug({ client_id: params['client_id'], grant_type: params['grant_type'] }, 'tokens issued');
      return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },
  });
}
