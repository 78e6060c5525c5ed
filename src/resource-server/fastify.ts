// Fastify hosts, described by the few members used (the helper must not import Fastify).
import { authenticate } from './authenticate.js';
import type { ResourceServer } from './create-resource-server.js';
import { authorizationHeaders, nodeDpopRequest, type NodeBearerRequest } from './express.js';

/** What the hook reads from a Fastify request: Node's request, on which it sets `auth`. */
export interface FastifyBearerRequest {
  raw: NodeBearerRequest;
}

/** What the hook writes to a Fastify reply. */
export interface FastifyBearerReply {
  code(status: number): FastifyBearerReply;
  headers(values: Record<string, string>): FastifyBearerReply;
  send(body: string): unknown;
}

/**
 * A Fastify `preHandler` hook that lets a request through only with a valid bearer token, as
 * {@link requireBearerToken} does for Express: the verified token's `AuthInfo` goes on `request.raw.auth`, where
 * the MCP SDK's `StreamableHTTPServerTransport` reads it; a refusal is answered here (401 with the challenge,
 * 403 `insufficient_scope`, 503). A repeated `Authorization` header is refused, as in the Express middleware.
 *
 * @example app.post('/mcp', { preHandler: requireBearerTokenFastify(rs) }, handler)
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function requireBearerTokenFastify(server: ResourceServer, options: { requiredScopes?: readonly string[] } = {}) {
  return async (request: FastifyBearerRequest, reply: FastifyBearerReply): Promise<unknown> => {
    const outcome = await authenticate(server, authorizationHeaders(request.raw), { ...options, dpop: nodeDpopRequest(server, request.raw) });
    // Fastify stops the request's hooks when an async hook answers and returns the reply.
    if (outcome.refusal) return reply.code(outcome.refusal.status).headers(outcome.refusal.headers).send(outcome.refusal.body);
    request.raw.auth = outcome.auth;
    return undefined;
  };
}
