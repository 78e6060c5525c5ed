import { presentedToken } from './bearer-token.js';
import type { AccessTokenClaims, ResourceServer } from './create-resource-server.js';
import type { DpopRequest } from './dpop.js';
import type { HttpReply } from './http-reply.js';
import { ResourceServerError } from './resource-server-error.js';

/**
 * A verified token in the shape of the MCP SDK's `AuthInfo`: set as `req.auth` (Express) or passed as
 * `handleRequest(request, { authInfo })` (fetch), the SDK's Streamable HTTP transports hand it to every tool
 * handler as `extra.authInfo`. `extra.sub` is the user (or, for a machine token, the client); `extra.claims`
 * holds every claim of the token.
 */
export type AuthInfo = {
  token: string;
  clientId: string;
  scopes: string[];
  /** Seconds since the epoch. */
  expiresAt: number;
  /** The resource (RFC 8707) the token was issued for. */
  resource: URL;
  extra: { sub: string; claims: AccessTokenClaims };
};

/** The outcome of {@link authenticate}: the request's `auth`, or the reply that refuses it. */
export type Authentication = { auth: AuthInfo; refusal?: never } | { auth?: never; refusal: HttpReply };

/**
 * Checks the `Authorization` header(s) of a request: exactly one, scheme `Bearer`, or `DPoP` for a token bound to
 * a key with `options.dpop` the request and its proof (RFC 9449 §7; a token in the query string or
 * the body is never read: this resource advertises `bearer_methods_supported: ["header"]`), verified as
 * {@link ResourceServer.verifyAccessToken} does. A refusal is the reply to send: 401 with a challenge, 403
 * `insufficient_scope` naming every scope needed, 503 when the keys could not be fetched. Errors other than a
 * refusal (none are expected) are thrown.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3
 * @see https://www.rfc-editor.org/rfc/rfc9728#section-5.1
 */
export async function authenticate(
  server: ResourceServer,
  authorization: string | readonly string[] | null | undefined,
  options: { requiredScopes?: readonly string[]; dpop?: DpopRequest | undefined } = {},
): Promise<Authentication> {
  const requiredScopes = options.requiredScopes ?? server.requiredScopes;
  try {
    const presented = presentedToken(authorization, requiredScopes);
    // Without a token verifyAccessToken refuses with missing_token, carrying the scopes for the challenge.
    const claims = await server.verifyAccessToken(presented && `${presented.scheme} ${presented.token}`, { requiredScopes, dpop: options.dpop });
    return { auth: authInfo(presented!.token, claims, server.resource) };
  } catch (error) {
    if (error instanceof ResourceServerError) return { refusal: server.refusal(error) };
    throw error;
  }
}

function authInfo(token: string, claims: AccessTokenClaims, resource: string): AuthInfo {
  return {
    token,
    clientId: claims.client_id,
    scopes: typeof claims.scope === 'string' ? claims.scope.split(' ').filter(Boolean) : [],
    expiresAt: claims.exp,
    resource: new URL(resource),
    extra: { sub: claims.sub, claims },
  };
}
