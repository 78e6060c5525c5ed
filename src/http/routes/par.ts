import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../errors/oauth-error.js';
import { pushAuthorizationRequest, type PushContext } from '../../protocol/authorization/pushed-request.js';
import { rateLimitKey } from '../../rate-limit/client-key.js';
import type { RateLimiter } from '../../rate-limit/limiter.js';
import { presentedClientCredentials } from '../form-body.js';

/**
 * `POST /par` (RFC 9126 §2): the authorization request's parameters and the client's credentials as a form, a
 * `201` with the `request_uri` out, with `Cache-Control: no-store`. Limited with the token endpoint's limiter,
 * counted before the body is read: both take client credentials, which must not be guessed faster here.
 */
export function parRoute(app: FastifyInstance, context: PushContext & { limiter: RateLimiter }, path: string): void {
  app.post(path, {
    onRequest: async (request) => {
      const decision = await context.limiter.consume(rateLimitKey(request.ip));
      if (!decision.allowed) {
        throw new OAuthError('rate_limited', 'Too many requests; try again later', { retryAfter: decision.retryAfterSeconds });
      }
    },
    handler: async (request, reply) => {
      const params = (request.body ?? {}) as Record<string, string>;
      const response = await pushAuthorizationRequest(params, presentedClientCredentials(request), context);
      request.log.debug({ client_id: params['client_id'] }, 'authorization request pushed');
      return reply.code(201).header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
    },
  });
}
