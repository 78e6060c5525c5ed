// Express and connect-style hosts (anything with Node's `IncomingMessage`/`ServerResponse`), described by the few
// members used: the helper must not import Express, which the MCP server may not even have.
import { authenticate } from './authenticate.js';
import type { ResourceServer } from './create-resource-server.js';
import { requestUrl, type DpopRequest } from './dpop.js';
import type { HttpReply } from './http-reply.js';

/** What the middleware reads from a Node request, and the `auth` it sets on it. */
export interface NodeBearerRequest {
  headers: { authorization?: string | readonly string[] | undefined; dpop?: string | readonly string[] | undefined };
  /** The method and path, for the DPoP proof of a DPoP-bound token (RFC 9449 §4.3: `htm`, `htu`). */
  method?: string | undefined;
  url?: string | undefined;
  /** Express's full path when the middleware is mounted under a prefix (`req.url` is then relative to it). */
  originalUrl?: string | undefined;
  /** Node's raw header list, in which a repeated `Authorization` header is still visible. */
  rawHeaders?: readonly string[];
  /** Set to the `AuthInfo` of the verified token, where the MCP SDK's `StreamableHTTPServerTransport` reads it. */
  auth?: unknown;
}

/** What the middleware writes to a Node response. */
export interface NodeReplyResponse {
  statusCode: number;
  setHeader(name: string, value: string): unknown;
  end(body: string): unknown;
}

/**
 * Express (4 and 5) and connect middleware that lets a request through only with a valid bearer token in its
 * `Authorization` header: it sets `req.auth` (`AuthInfo`) and calls `next()`. Otherwise it answers itself:
 * 401 with `WWW-Authenticate: Bearer resource_metadata="…"` (and `error="invalid_token"` when a token was sent),
 * 403 `insufficient_scope` naming every scope needed, or 503 when the issuer's keys cannot be fetched.
 *
 * @param options.requiredScopes the scopes this route needs, instead of the server's `requiredScopes`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function requireBearerToken(server: ResourceServer, options: { requiredScopes?: readonly string[] } = {}) {
  return async (req: NodeBearerRequest, res: NodeReplyResponse, next: (error?: unknown) => void): Promise<void> => {
    let outcome;
    try {
      outcome = await authenticate(server, authorizationHeaders(req), { ...options, dpop: nodeDpopRequest(server, req) });
    } catch (error) {
      next(error);
      return;
    }
    if (outcome.refusal) return writeReply(res, outcome.refusal);
    req.auth = outcome.auth;
    next();
  };
}

/**
 * Express and connect handler for the protected resource metadata document; mount it at
 * `server.metadataPath`, e.g. `app.get(rs.metadataPath, protectedResourceMetadataHandler(rs))`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadataHandler(server: ResourceServer) {
  return (_req: unknown, res: NodeReplyResponse): void => writeReply(res, server.metadataReply());
}

/** Every `Authorization` header of the request: Node keeps only the first in `headers`, so read the raw list. */
export function authorizationHeaders(req: NodeBearerRequest): string | readonly string[] | undefined {
  if (!req.rawHeaders) return req.headers.authorization;
  return req.rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'authorization');
}

/**
 * The DPoP side of a Node request: every `DPoP` header (from the raw list, where a repeat is still visible), the
 * method and the URL as the client named it (the configured resource's origin and the request's path).
 */
export function nodeDpopRequest(server: ResourceServer, req: NodeBearerRequest): DpopRequest | undefined {
  const path = req.originalUrl ?? req.url;
  if (req.method === undefined || path === undefined) return undefined;
  const proof = req.rawHeaders ? req.rawHeaders.filter((_, i, raw) => i % 2 === 1 && raw[i - 1]!.toLowerCase() === 'dpop') : req.headers.dpop;
  return { proof, method: req.method, url: requestUrl(server.resource, path) };
}

function writeReply(res: NodeReplyResponse, reply: HttpReply): void {
  res.statusCode = reply.status;
  for (const [name, value] of Object.entries(reply.headers)) res.setHeader(name, value);
  res.end(reply.body);
}
