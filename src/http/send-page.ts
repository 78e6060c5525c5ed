import { randomBytes } from 'node:crypto';
import type { FastifyReply } from 'fastify';

/**
 * Sends a page with the headers every page gets: no caching, no framing (clickjacking on a consent page would
 * let another site collect approvals), a Content-Security-Policy that allows only this page's own styles.
 */
export function sendPage(reply: FastifyReply, status: number, render: (nonce: string) => string): FastifyReply {
  const nonce = randomBytes(16).toString('base64url');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'`)
    .send(render(nonce));
}
