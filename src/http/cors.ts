import type { FastifyInstance } from 'fastify';

/** What cross-origin callers may do: the methods and request headers a preflight allows, and for how long. */
export interface CorsPolicy {
  methods: readonly string[];
  allowedHeaders: readonly string[];
  /** Response headers a cross-origin script may read (DPoP-Nonce, for a browser client's retry). */
  exposedHeaders?: readonly string[];
  maxAgeSeconds: number;
}

/**
 * CORS for the API endpoints, which take no cookies (only bearer tokens and client credentials), so any origin
 * may call them: every response in `api` says `Access-Control-Allow-Origin: *` (never with credentials), and
 * each of its routes' URLs answers a preflight (`OPTIONS`) itself. Call it before registering the routes and
 * await the returned function after: it adds the `OPTIONS` routes for the URLs registered meanwhile.
 *
 * Written out rather than taken from @fastify/cors: its catch-all `OPTIONS *` route and its request decorator
 * live in the root context of a host's Fastify (where these routes are), so they would answer the host's own
 * preflights with this policy, and a host that registers @fastify/cors itself could not mount Latchkey.
 *
 * @see https://fetch.spec.whatwg.org/#http-cors-protocol
 */
export function allowAnyOrigin(api: FastifyInstance, policy: CorsPolicy): () => Promise<void> {
  const urls = new Set<string>();
  api.addHook('onRoute', (route) => void urls.add(route.url));
  const exposed = policy.exposedHeaders?.join(', ');
  api.addHook('onRequest', async (_request, reply) => {
    reply.header('access-control-allow-origin', '*');
    if (exposed) reply.header('access-control-expose-headers', exposed);
  });
  const methods = policy.methods.join(', ');
  const allowedHeaders = policy.allowedHeaders.join(', ');
  return async () => {
    await api.register(async (preflights) => {
      for (const url of [...urls]) {
        preflights.options(url, async (_request, reply) =>
          reply
            .code(204)
            .header('access-control-allow-methods', methods)
            .header('access-control-allow-headers', allowedHeaders)
            .header('access-control-max-age', String(policy.maxAgeSeconds))
            .send(),
        );
      }
    });
  };
}
