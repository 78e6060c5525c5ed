import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OAuthError } from '../../errors/oauth-error.js';
import { registerClient, type RegistrationContext } from '../../protocol/registration/registration.js';
import { rateLimitKey } from '../../rate-limit/client-key.js';
import type { RateLimiter } from '../../rate-limit/limiter.js';
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

/** The parsed JSON object of a request, which the JSON content-type parser has already checked. */
export function requireObjectBody(request: FastifyRequest): Record<string, unknown> {
  const body = request.body;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new OAuthError('invalid_request', 'the request body must be a JSON object sent as application/json');
  }
  return body as Record<string, unknown>;
}
