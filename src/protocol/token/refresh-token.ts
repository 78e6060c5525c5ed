import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord } from '../../ports/clients.js';
import type { GrantRecord, GrantStore } from '../../ports/grants.js';
import { checkRefreshTokenBinding } from '../dpop/token-binding.js';
import { sameResource } from '../resources.js';
import { isScopeSubset, scopeTokens } from '../scope.js';
import { openSealedRefreshToken, refreshTokenKey, type RefreshTokenSeal } from './refresh-token-key.js';
import { mintRefreshToken, recordGrantRevoked, tokenResponse, type TokenContext, type TokenResponse } from './token-context.js';

/**
 * The `refresh_token` grant with rotation: every use returns a new refresh token and retires the old one. A
 * retired token presented again means it leaked (or the client raced itself): the whole grant is revoked.
 * A token presented by a client it was not issued to is treated the same way.
 *
 * The exception is the reuse grace window (`tokens.refreshReuseGraceSeconds`): agents refresh in parallel
 * when a token expires during several tool calls, and all but one of them present a token that was just
 * retired. Such a token, from the generation just before the newest and retired less than the window ago, is
 * `reissued`: it gets a new access token and a new refresh token of the same grant, beside the successor that
 * the first rotation returned (that one cannot be returned again: only its digest is stored). The next
 * rotation of any of them retires the others, so two branches never outlive it; the other branch's next use
 * is then reuse, and the grant is revoked. This is Auth0's "reuse interval" (only the previous token
 * qualifies); node-oidc-provider has no window.
 *
 * A retired sealed token may no longer be stored (the retention sweep deletes them after the grace window): one
 * that is authentic and older than its grant's newest stored generation is reuse all the same (see
 * {@link findRetiredFamily}).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc9700#section-4.14.2 (refresh token rotation)
 */
export async function exchangeRefreshToken(params: Record<string, string>, client: ClientRecord, context: TokenContext): Promise<TokenResponse> {
  const presented = params['refresh_token'];
  if (!presented) throw new OAuthError('invalid_request', 'refresh_token is required');
  const now = context.clock.now();
  const digest = refreshTokenKey(presented);
  const found = await context.grants.findRefreshToken(digest);
  if (!found) return refuseUnknown(presented, context, now);

  // Every check of the request comes before rotation: a refused request must not retire the token, or the
  // client's next, correct refresh would look like reuse and revoke the grant. (A token presented by another
  // client is the exception: it is rotated, found to be someone else's and the grant revoked, below.)
  const scope = params['scope'] === undefined ? found.token.scope : scopeTokens(params['scope']).join(' ');
  if (!isScopeSubset(scope, found.token.scope)) throw new OAuthError('invalid_scope', 'scope exceeds what was granted');
  const resource = params['resource'];
  if (found.grant.clientId === client.clientId && resource !== undefined && !sameResource(resource, found.grant.resource)) {
    throw new OAuthError('invalid_target', 'resource differs from the one the grant is for');
  }
  if (found.grant.clientId === client.clientId) checkRefreshTokenBinding(found.grant, context.dpop);
  const next = mintRefreshToken(found.grant.id, found.generation + 1, found.token.scope, context);
  const reuseGraceMs = context.config.tokens.refreshReuseGraceSeconds * 1000;
  // The grant as found serves the answer; the store reads again only its revocation (see GrantStore).
  const rotation = await context.grants.rotateRefreshToken(digest, next.record, now, reuseGraceMs, found.grant);
  // Gone since it was read: deleted as retired by the sweep, or with its grant.
  if (rotation.status === 'unknown') return refuseUnknown(presented, context, now);
  const { grant, token } = rotation;
  // `reissued` (reuse within the grace window) is answered like `rotated`, by the same checks.
  if (rotation.status === 'reused' || grant.clientId !== client.clientId) {
    if (await context.grants.revokeGrant(grant.id, now)) {
      const reason = rotation.status === 'rotated' ? 'refresh_token_of_another_client' : 'refresh_token_reused';
      recordGrantRevoked({ grantId: grant.id, clientId: grant.clientId, userId: grant.userId }, reason, context);
    }
    throw reuseError();
  }
  if (grant.revokedAt !== null) throw new OAuthError('invalid_grant', 'the grant was revoked');
  if (token.expiresAt <= now) throw new OAuthError('invalid_grant', 'the refresh token has expired');
  return tokenResponse(grant, client, scope, context, { grantType: 'refresh_token', refreshToken: next.value });
}

function reuseError(): OAuthError {
  return new OAuthError('invalid_grant', 'the refresh token was already used or belongs to another client; the grant is revoked');
}

/** Refuses a token that is not stored; one that is a retired sealed token of a live grant revokes the grant first. */
async function refuseUnknown(presented: string, context: TokenContext, now: number): Promise<never> {
  const grant = await findRetiredFamily(presented, context.refreshTokenSeal, context.grants, now, context.config.tokens.refreshTokenTtlSeconds * 1000);
  if (!grant) throw new OAuthError('invalid_grant', 'the refresh token is not valid');
  if (await context.grants.revokeGrant(grant.id, now)) {
    recordGrantRevoked({ grantId: grant.id, clientId: grant.clientId, userId: grant.userId }, 'refresh_token_reused', context);
  }
  throw reuseError();
}

/**
 * The grant of `presented` if it is a retired sealed refresh token that is no longer stored: made under `seal`
 * (so not forged), not expired (issued less than `lifetimeMs` before `now`: an expired token, stored or not, never
 * revoked anything, and one leaked long ago from a log or a backup must not end a live grant), of a grant that still
 * exists and whose newest stored generation is later than its own (so it was rotated). A token of the newest
 * generation, or of a grant with none stored, is not taken for reuse: its grant has no token left that reuse could
 * compromise.
 */
export async function findRetiredFamily(
  presented: string,
  seal: RefreshTokenSeal | undefined,
  grants: Pick<GrantStore, 'findRefreshFamily'>,
  now: number,
  lifetimeMs: number,
): Promise<GrantRecord | undefined> {
  const sealed = seal && openSealedRefreshToken(seal, presented);
  if (!sealed || sealed.issuedAt + lifetimeMs <= now) return undefined;
  const family = await grants.findRefreshFamily(sealed.grantId);
  if (!family || family.newestGeneration === null || sealed.generation >= family.newestGeneration) return undefined;
  return family.grant;
}
