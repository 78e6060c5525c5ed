import type { ClientRecord } from '../ports/clients.js';
import type { GrantStore, RevokedAccessTokenStore } from '../ports/grants.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock } from '../ports/clock.js';
import type { TokenVerifier } from '../ports/token-signing.js';
import { refreshTokenKey, type RefreshTokenSeal } from './token/refresh-token-key.js';
import { findRetiredFamily } from './token/refresh-token.js';

export interface RevocationContext {
  grants: Pick<GrantStore, 'findRefreshToken' | 'revokeGrant' | 'findRefreshFamily'>;
  /** The MAC key of sealed refresh tokens: a retired one that is no longer stored still revokes its grant. */
  refreshTokenSeal?: RefreshTokenSeal;
  /** `tokens.refreshTokenTtlSeconds` in milliseconds: a retired token past it revokes nothing. */
  refreshTokenLifetimeMs?: number;
  revokedAccessTokens: Pick<RevokedAccessTokenStore, 'revokeAccessToken'>;
  verifier: TokenVerifier;
  clock: Clock;
  audit?: AuditTrail;
}

/**
 * Revokes a token the client holds. A refresh token revokes its whole grant: the refresh tokens and, through
 * introspection, the access tokens issued from it (RFC 7009 §2.1 "SHOULD also invalidate"). An access token is
 * remembered as revoked until it would have expired. Unknown, invalid and other clients' tokens are answered
 * the same way as success, so the endpoint tells nothing about tokens the caller does not hold (RFC 7009 §2.2).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009#section-2.1
 */
export async function revokeToken(token: string, hint: string | undefined, client: ClientRecord, context: RevocationContext): Promise<void> {
  const tryAccessTokenFirst = hint === 'access_token';
  if (tryAccessTokenFirst && (await revokeAccessToken(token, client, context))) return;
  if (await revokeRefreshToken(token, client, context)) return;
  if (!tryAccessTokenFirst) await revokeAccessToken(token, client, context);
}

async function revokeRefreshToken(token: string, client: ClientRecord, context: RevocationContext): Promise<boolean> {
  // A retired token revokes its grant as a stored one does, whether the sweep has deleted it yet or not.
  const grant = (await context.grants.findRefreshToken(refreshTokenKey(token)))?.grant ?? (await findRetiredFamily(token, context.refreshTokenSeal, context.grants, context.clock.now(), context.refreshTokenLifetimeMs ?? 0));
  if (!grant) return false;
  if (grant.clientId === client.clientId && (await context.grants.revokeGrant(grant.id, context.clock.now()))) {
    context.audit?.record({
      type: 'token.revoked',
      clientId: client.clientId,
      userId: grant.userId,
      data: { token_type: 'refresh_token', grant_id: grant.id },
    });
  }
  return true;
}

async function revokeAccessToken(token: string, client: ClientRecord, context: RevocationContext): Promise<boolean> {
  if (token.split('.').length !== 3) return false;
  const claims = await context.verifier.verifyAccessToken(token);
  if (!claims) return false;
  if (claims['client_id'] === client.clientId) {
    await context.revokedAccessTokens.revokeAccessToken(String(claims['jti']), Number(claims['exp']) * 1000);
    context.audit?.record({ type: 'token.revoked', clientId: client.clientId, data: { token_type: 'access_token', jti: claims['jti'] } });
  }
  return true;
}
