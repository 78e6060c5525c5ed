import type { FastifyInstance } from 'fastify';
import { exchangeToken } from '../../protocol/token/token-endpoint.js';
import type { TokenContext } from '../../protocol/token/token-context.js';
import { presentedClientCredentials } from '../form-body.js';

/** `POST /token` (RFC 6749 §3.2): form parameters in, a token response with `Cache-Control: no-store` out. */
export function tokenRoute(app: FastifyInstance, context: TokenContext, path: string): void {
  app.post(path, async (request, reply) => {
    const params = (request.body ?? {}) as Record<string, string>;
    const response = await exchangeToken(params, presentedClientCredentials(request), context);
    request.log.info({ client_id: params['client_id'], grant_type: params['grant_type'] }, 'tokens issued');
    return reply.header('cache-control', 'no-store').header('pragma', 'no-cache').send(response);
  });
}
