// Fetch-style hosts: Hono, Next.js route handlers, Bun, Deno, workers; anything with web-standard Request/Response.
import { type AuthInfo, authenticate } from './authenticate.js';
import type { ResourceServer } from './create-resource-server.js';
import { requestUrl } from './dpop.js';
import { toResponse } from './http-reply.js';

/**
 * Checks the bearer token of a web-standard `Request`: `{ auth }` to pass on (e.g. to the MCP SDK's
 * `transport.handleRequest(request, { authInfo: auth })`), or `{ response }`, the 401/403/503 to answer with.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export async function guardRequest(
  server: ResourceServer,
  request: Request,
  options: { requiredScopes?: readonly string[] } = {},
): Promise<{ auth: AuthInfo; response?: never } | { auth?: never; response: Response }> {
  // Headers joins a repeated header with ", ", which no single Bearer credential contains: it is refused.
  const url = new URL(request.url);
  const dpop = { proof: request.headers.get('dpop'), method: request.method, url: requestUrl(server.resource, url.pathname) };
  const outcome = await authenticate(server, request.headers.get('authorization'), { ...options, dpop });
  return outcome.refusal ? { response: toResponse(outcome.refusal) } : { auth: outcome.auth };
}

/** What a Hono-shaped middleware reads and sets on its context. */
export interface FetchGuardContext {
  req: { raw: Request };
  /** Stores the {@link AuthInfo} under `auth`; Hono's `c.set`. */
  set(key: 'auth', value: AuthInfo): void;
}

/**
 * Hono middleware (`app.use('/mcp', requireBearerTokenFetch(rs))`): with a valid bearer token it sets
 * `c.get('auth')` to the {@link AuthInfo} and continues; otherwise it answers with {@link guardRequest}'s
 * response. Declare `Variables: { auth: AuthInfo }` on the app to read it typed.
 *
 * @param options.requiredScopes the scopes this route needs, instead of the server's `requiredScopes`.
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export function requireBearerTokenFetch(server: ResourceServer, options: { requiredScopes?: readonly string[] } = {}) {
  return async (c: FetchGuardContext, next: () => Promise<void>): Promise<Response | undefined> => {
    const guarded = await guardRequest(server, c.req.raw, options);
    if (guarded.response) return guarded.response;
    c.set('auth', guarded.auth);
    await next();
    return undefined;
  };
}

/**
 * A fetch handler for the protected resource metadata document; route `server.metadataPath` to it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-3
 */
export function protectedResourceMetadataFetchHandler(server: ResourceServer) {
  return (_request?: Request): Response => server.metadataResponse();
}
