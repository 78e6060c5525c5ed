import type { AccessTokenClaims } from '../resource-server/create-resource-server.js';
import type { Clock } from '../ports/clock.js';
import type { GrantStore, RevokedAccessTokenStore } from '../ports/grants.js';

/**
 * Whether a verified access token still stands: it was not revoked itself (RFC 7009) and its grant was not (an
 * app revoked by its user or an operator, a refresh token replay). A resource server apart from Latchkey learns
 * this by introspection; the gateway, in the same process as the database, reads it, and remembers each answer
 * for `cacheMs` so that a busy agent costs a read every few seconds rather than one per request.
 */
export function createRevocationCheck(
  stores: { grants: Pick<GrantStore, 'findGrant'>; revokedAccessTokens: Pick<RevokedAccessTokenStore, 'isAccessTokenRevoked'> },
  clock: Clock,
  cacheMs: number,
  maxEntries = 10_000,
): (claims: AccessTokenClaims) => Promise<boolean> {
  const answers = new Map<string, { active: boolean; until: number }>();
  return async function stillActive(claims) {
    const now = clock.now();
    const key = `${claims.jti}\n${claims.gid ?? ''}`;
    const known = answers.get(key);
    if (known !== undefined && known.until > now) return known.active;
    const [revoked, grant] = await Promise.all([
      stores.revokedAccessTokens.isAccessTokenRevoked(claims.jti),
      claims.gid === undefined ? undefined : stores.grants.findGrant(claims.gid),
    ]);
    const active = !revoked && (claims.gid === undefined || (grant !== undefined && grant.revokedAt === null));
    if (answers.size >= maxEntries) {
      for (const [k, entry] of answers) if (entry.until <= now) answers.delete(k);
      if (answers.size >= maxEntries) answers.delete(answers.keys().next().value!);
    }
    answers.set(key, { active, until: now + cacheMs });
    return active;
  };
}
