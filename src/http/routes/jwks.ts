import type { FastifyInstance } from 'fastify';
import type { KeyManager } from '../../keys/key-manager.js';

/**
 * `GET <path>` (the `jwks_uri`): the public keys that verify Latchkey's tokens, current and retired within their
 * grace period. Cached for five minutes, far shorter than any grace period (at least an hour), so that a cached
 * set always still holds the key of any token that verifies. Errors go to the app's error handler.
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 * @see https://www.rfc-editor.org/rfc/rfc8414#section-2 (`jwks_uri`)
 */
export function jwksRoute(app: FastifyInstance, keys: KeyManager, path: string): void {
  app.get(path, async (_request, reply) => {
    const jwks = await keys.jwks();
    // application/json rather than application/jwk-set+json: every JWKS client accepts it, not all the other.
    return reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'public, max-age=300')
      .send(JSON.stringify(jwks));
  });
}
