import type { FastifyInstance } from 'fastify';
import { rateLimitKey } from '../rate-limit/client-key.js';
import type { RateLimiter } from '../rate-limit/limiter.js';
import { errorPage } from '../ui/authorization-pages.js';
import { sendPage } from './send-page.js';

/**
 * The per-address limit on the authorization pages: `GET /authorize` (where each new metadata-document
 * `client_id` costs an outbound fetch), the sign-in and consent forms it leads to, and the upstream sign-ins. Counted before anything
 * else runs, so a refused request fetches nothing; refused with a page (these are a browser's requests), `429`
 * and `Retry-After`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6585#section-4 (429 Too Many Requests)
 */
export function limitAuthorizationPages(pages: FastifyInstance, limiter: RateLimiter, base: string): void {
  const limited = new Set([
    `GET ${base}/authorize`,
    `HEAD ${base}/authorize`,
    `POST ${base}/login`,
    `POST ${base}/consent`,
    // Each upstream sign-in costs outbound requests to the provider (discovery, the token endpoint, its keys).
    `POST ${base}/signin/upstream/:provider`,
    `POST ${base}/signin/link/:provider`,
    `GET ${base}/signin/callback/:provider`,
  ]);
  pages.addHook('onRequest', async (request, reply) => {
    if (!limited.has(`${request.method} ${request.routeOptions.url}`)) return;
    const decision = await limiter.consume(rateLimitKey(request.ip));
    if (decision.allowed) return;
    request.log.info({ error: 'rate_limited', retryAfter: decision.retryAfterSeconds }, 'request refused');
    const minutes = Math.ceil(decision.retryAfterSeconds / 60);
    reply.header('retry-after', String(decision.retryAfterSeconds));
    return sendPage(reply, 429, (nonce) =>
      errorPage({ nonce, title: 'Too many requests', message: `Too many sign-in requests came from your network. Try again in ${minutes} minute${minutes === 1 ? '' : 's'}.` }),
    );
  });
}
