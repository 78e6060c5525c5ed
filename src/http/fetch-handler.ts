import type { FastifyInstance } from 'fastify';
import type { TrustProxy } from '../config/trust-proxy.js';
import { errorCodes } from '../errors/codes.js';

/** What the host knows about a request that a web-standard `Request` does not carry. */
export interface FetchRequestInfo {
  /**
   * The address of the peer (the socket's remote address). Rate limits and the audit trail key on it, with
   * `trustProxy` applied as for the standalone server. Without it, every request counts as one peer (`127.0.0.1`
   * here), so one client's burst would exhaust everyone's limit: hosts should pass it. Nor is an unknown peer a
   * trusted proxy: its `X-Forwarded-For` and `X-Request-Id` are ignored unless `trustProxy` is `true`.
   * `undefined` is accepted as absent, since Node's `socket.remoteAddress` is `string | undefined` (a closed socket).
   */
  clientAddress?: string | undefined;
}

/** Which requests the handler serves, and how far it believes forwarding headers. */
export interface FetchHandlerOptions {
  /** Whether a path is Latchkey's; any other gets `404` (the standalone server's metrics and health checks too). */
  owns(path: string): boolean;
  /** The configured `trustProxy`. */
  trustProxy: TrustProxy;
}

/** Request bodies are read whole (the authorization server takes small forms and JSON), up to this size. */
const maxBodyBytes = 64 * 1024;

/** Headers in which a proxy speaks for the client: believed only from a peer the host names and trusts. */
const forwardingHeaders = new Set(['x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'forwarded', 'x-request-id']);

/**
 * A web-standard handler, `fetch(request) → Response`, over a Fastify app that is ready: the request goes
 * through the app's whole lifecycle (hooks, parsers, error handler) by `inject`, without a socket. For Hono,
 * Next.js route handlers and any fetch runtime on Node.
 */
export function createFetchHandler(
  app: FastifyInstance,
  options: FetchHandlerOptions,
): (request: Request, info?: FetchRequestInfo) => Promise<Response> {
  let warned = false;
  return async (request, info = {}) => {
    const url = new URL(request.url);
    if (!options.owns(url.pathname)) return errorResponse('not_found');
    if (request.bodyUsed) {
      throw new Error('Latchkey received a request whose body the host has already read: pass it to latchkey.fetch() before reading it (in Hono, before c.req.json())');
    }
    const peer = info.clientAddress || undefined;
    const peerKnown = peer !== undefined;
    if (!peerKnown && !warned) {
      warned = true;
      app.log.warn('latchkey.fetch() was called without { clientAddress }: every such request counts as one client for the rate limits and the sign-in throttle, so one client can exhaust them for all');
    }
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      // The default peer (127.0.0.1) may be among the trusted proxies: a client must not speak through it.
      if (!peerKnown && options.trustProxy !== true && forwardingHeaders.has(name)) return;
      headers[name] = value;
    });
    // Fastify answers 413 itself for a body over its limit; reading more than that first would only cost memory.
    const body = request.body === null ? undefined : await readBody(request, maxBodyBytes + 1);
    let response;
    try {
      response = await app.inject({
        method: request.method as 'GET',
        url: `${url.pathname}${url.search}`,
        headers,
        ...(body === undefined ? {} : { payload: body }),
        ...(peer === undefined ? {} : { remoteAddress: peer }),
      });
    } catch (error) {
      // Closed (by `close()` or the host's Fastify): as the standalone server answers while it shuts down.
      if ((error as { code?: string }).code === 'FST_ERR_REOPENED_CLOSE_SERVER') return errorResponse('temporarily_unavailable');
      throw error;
    }
    const answer = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
      for (const one of Array.isArray(value) ? value : [String(value)]) answer.append(name, one);
    }
    const empty = response.statusCode === 204 || response.statusCode === 304 || request.method === 'HEAD';
    return new Response(empty ? null : response.rawPayload, { status: response.statusCode, headers: answer });
  };
}

/** An error in the RFC 6749 shape, for requests that never reach the app. */
function errorResponse(code: 'not_found' | 'temporarily_unavailable'): Response {
  const { status, wire, description } = errorCodes[code];
  return new Response(JSON.stringify({ error: wire, error_description: description }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
  });
}

/** The body, or its first `limit` bytes when it is longer (Fastify then refuses it by its size). */
async function readBody(request: Request, limit: number): Promise<Buffer> {
  const reader = request.body!.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
    if (size >= limit) {
      await reader.cancel();
      break;
    }
  }
  return Buffer.concat(chunks);
}
