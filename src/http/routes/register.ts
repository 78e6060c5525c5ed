import type { FastifyInstance } from 'fastify';
import { OAuthError } from '../../errors/oauth-error.js';
import { registerClient, type RegistrationContext } from '../../protocol/registration/registration.js';
import { rateLimitKey } from '../../rate-limit/client-key.js';
import type { RateLimiter } from '../../rate-limit/limiter.js';
import { requireObjectBody } from '../json-body.js';
import { bearerToken } from '../bearer.js';

/**
 * `POST <registration path>` (RFC 7591 §3), at the configured path and each alias. The rate limit is counted
 * before the body is read, so that malformed requests count too.
 */
export function registerRoute(
  app: FastifyInstance,
  context: RegistrationContext & { limiter: RateLimiter },
  endpoints: { path: string; url: string }[],
): void {
  for (const { path, url } of endpoints) {
    app.post(path, {
      onRequest: async (request) => {
        const decision = await context.limiter.consume(rateLimitKey(request.ip));
        if (!decision.allowed) {
          throw new OAuthError('rate_limited', 'Too many registration requests; try again later', {
            retryAfter: decision.retryAfterSeconds,
          });
        }
      },
      handler: async (request, reply) => {
        const result = await registerClient(
          { body: requireObjectBody(request), initialAccessToken: bearerToken(request.headers.authorization), ip: request.ip },
          context,
          url,
        );
        return reply.code(201).header('cache-control', 'no-store').header('pragma', 'no-cache').send(result.response);
      },
    });
  }
}
