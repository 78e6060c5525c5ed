import type { ClientStore } from '../ports/clients.js';
import type { GrantStore, RevokedAccessTokenStore } from '../ports/grants.js';
import type { Clock } from '../ports/clock.js';
import type { TokenVerifier } from '../ports/token-signing.js';
import { refreshTokenKey } from './token/refresh-token-key.js';

export interface IntrospectionContext {
  issuer: string;
  grants: Pick<GrantStore, 'findRefreshToken' | 'findGrant'>;
  clients: Pick<ClientStore, 'findClient'>;
  revokedAccessTokens: Pick<RevokedAccessTokenStore, 'isAccessTokenRevoked'>;
  verifier: TokenVerifier;
  clock: Clock;
}

/**
 * Whether a token is active, and what it carries. An access token is inactive when it is expired, badly
 * signed, revoked itself, or its grant was revoked (a refresh token replay, a revoked app): introspection is
 * how a resource server learns of revocation before the token expires.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2.2
 */
export async function introspectToken(token: string, hint: string | undefined, context: IntrospectionContext): Promise<Record<string, unknown>> {
  const first = hint === 'refresh_token' ? introspectRefreshToken : introspectAccessToken;
  const second = hint === 'refresh_token' ? introspectAccessToken : introspectRefreshToken;
  return (await first(token, context)) ?? (await second(token, context)) ?? { active: false };
}

async function introspectAccessToken(token: string, context: IntrospectionContext): Promise<Record<string, unknown> | undefined> {
  if (token.split('.').length !== 3) return undefined;
  const claims = await context.verifier.verifyAccessToken(token);
  if (!claims) return undefined;
  if (await context.revokedAccessTokens.isAccessTokenRevoked(String(claims['jti']))) return { active: false };
  if (typeof claims['gid'] === 'string') {
    const grant = await context.grants.findGrant(claims['gid']);
    if (!grant || grant.revokedAt !== null) return { active: false };
  } else if (!(await context.clients.findClient(String(claims['client_id'])))) {
    // A token without a user has no stored grant: it lives as long as its client does.
    return { active: false };
  }
  const { gid: _gid, ...visible } = claims;
  // RFC 9449 §6.2: a DPoP-bound token is introspected with its `cnf` (among the claims) and token_type DPoP.
  const bound = typeof (claims['cnf'] as { jkt?: unknown } | undefined)?.jkt === 'string';
  return { active: true, token_type: bound ? 'DPoP' : 'Bearer', ...visible };
}

async function introspectRefreshToken(token: string, context: IntrospectionContext): Promise<Record<string, unknown> | undefined> {
  const found = await context.grants.findRefreshToken(refreshTokenKey(token));
  if (!found) return undefined;
  const { token: record, used, grant } = found;
  if (used || grant.revokedAt !== null || record.expiresAt <= context.clock.now()) return { active: false };
  return {
    active: true,
    token_type: 'refresh_token',
    scope: record.scope,
    client_id: grant.clientId,
    sub: grant.userId ?? grant.clientId,
    iss: context.issuer,
    iat: Math.floor(record.createdAt / 1000),
    exp: Math.floor(record.expiresAt / 1000),
  };
}
