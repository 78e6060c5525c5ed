import type { FastifyInstance } from 'fastify';

/** What the host knows about a request that a web-standard `Request` does not carry. */
export interface FetchRequestInfo {
  /**
   * The address of the peer (the socket's remote address). Rate limits and the audit trail key on it, with
   * `trustProxy` applied as for the standalone server. Without it, every request counts as one peer (`127.0.0.1`
   * here), so one client's burst would exhaust everyone's limit: hosts should pass it. `undefined` is accepted as
   * absent, since Node's `socket.remoteAddress` is `string | undefined` (a closed socket).
   */
  clientAddress?: string | undefined;
}

/** Request bodies are read whole (the authorization server takes small forms and JSON), up to this size. */
const maxBodyBytes = 64 * 1024;

/**
 * A web-standard handler, `fetch(request) → Response`, over a Fastify app that is ready: the request goes
 * through the app's whole lifecycle (hooks, parsers, error handler) by `inject`, without a socket. For Hono,
 * Next.js route handlers and any fetch runtime on Node.
 */
export function createFetchHandler(app: FastifyInstance): (request: Request, info?: FetchRequestInfo) => Promise<Response> {
  return async (request, info = {}) => {
    const url = new URL(request.url);
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => {
      headers[name] = value;
    });
    // Fastify answers 413 itself for a body over its limit; reading more than that first would only cost memory.
    const body = request.body === null ? undefined : await readBody(request, maxBodyBytes + 1);
    const response = await app.inject({
      method: request.method as 'GET',
      url: `${url.pathname}${url.search}`,
      headers,
      ...(body === undefined ? {} : { payload: body }),
      ...(info.clientAddress ? { remoteAddress: info.clientAddress } : {}),
    });
    const answer = new Headers();
    for (const [name, value] of Object.entries(response.headers)) {
      if (value === undefined || name === 'content-length' || name === 'transfer-encoding' || name === 'connection') continue;
      for (const one of Array.isArray(value) ? value : [String(value)]) answer.append(name, one);
    }
    const empty = response.statusCode === 204 || response.statusCode === 304 || request.method === 'HEAD';
    return new Response(empty ? null : response.rawPayload, { status: response.statusCode, headers: answer });
  };
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
