import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { metadataPaths } from '../protocol/server-metadata.js';

/**
 * A request as Express and Connect hand it on: Node's, with the URL the app was mounted under cut off `url` and
 * kept whole in `originalUrl`.
 */
export type NodeRequest = IncomingMessage & { originalUrl?: string };

/**
 * Connect-style middleware (Express, Connect, or `node:http` without `next`): requests for Latchkey's URLs go
 * through its Fastify app on the real socket (so the client address, streaming and keep-alive are the host's);
 * any other request goes on to `next()`, or gets a `404` without one.
 */
export type NodeMiddleware = (request: NodeRequest, response: ServerResponse, next?: (error?: unknown) => void) => void;

/**
 * Which paths are Latchkey's: everything below the issuer's path, and the metadata documents (RFC 8414 §3) at
 * the host's root. With an issuer at the host's root, the first path segments of its routes.
 */
export function latchkeyPaths(issuer: string, routes: readonly string[]): (path: string) => boolean {
  const base = new URL(issuer).pathname.replace(/\/+$/, '');
  const exact = new Set(metadataPaths(issuer));
  // A catch-all (`*`) or the root itself would make every path of the host Latchkey's.
  const segments = routes.filter((route) => route.startsWith('/') && !route.startsWith('/.well-known/')).map((route) => route.split('/')[1] ?? '');
  const prefixes = base ? [base] : [...new Set(segments.filter((segment) => segment !== '' && !segment.includes('*')).map((segment) => `/${segment}`))];
  return (path) => exact.has(path) || prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** The middleware over `app` (ready), for the paths `owns` accepts. */
export function createNodeMiddleware(app: FastifyInstance, owns: (path: string) => boolean): NodeMiddleware {
  return (request, response, next) => {
    // Express cuts the mount path off `url`; Latchkey's routes are the issuer's, so it needs the whole URL.
    const url = request.originalUrl ?? request.url ?? '/';
    const path = url.split('?', 1)[0]!;
    if (!owns(path)) {
      if (next) return next();
      response.writeHead(404, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      return response.end(JSON.stringify({ error: 'not_found', error_description: 'There is nothing at this URL.' }));
    }
    // A body parser of the host that ran first has read the body: Latchkey would wait for it forever.
    if (request.readableEnded && hasBody(request)) {
      const error = new Error(
        'Latchkey received a request whose body the host has already read: mount Latchkey before body-parsing middleware (e.g. express.json())',
      );
      if (next) return next(error);
      response.writeHead(500, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
      return response.end(JSON.stringify({ error: 'server_error' }));
    }
    request.url = url;
    app.routing(request, response);
  };
}

function hasBody(request: IncomingMessage): boolean {
  return request.headers['content-length'] !== undefined ? request.headers['content-length'] !== '0' : request.headers['transfer-encoding'] !== undefined;
}
