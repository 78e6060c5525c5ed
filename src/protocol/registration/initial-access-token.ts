import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { InitialAccessTokenRecord, InitialAccessTokenStore } from '../../ports/initial-access-tokens.js';
import type { Clock } from '../../ports/clock.js';
import { digestSecret } from '../secrets.js';

/** Whether a token can still be used at `now`: not revoked, not expired, not used up. */
export function isUsable(record: InitialAccessTokenRecord, now: number): boolean {
  return (
    record.revokedAt === null &&
    (record.expiresAt === null || record.expiresAt > now) &&
    (record.maxUses === null || record.uses < record.maxUses)
  );
}

/** How an initial access token stands at `now`, for people (the dashboard, `latchkey iat list`). */
export function initialAccessTokenStatus(record: InitialAccessTokenRecord, now: number): 'active' | 'revoked' | 'expired' | 'used up' {
  if (record.revokedAt !== null) return 'revoked';
  if (record.expiresAt !== null && record.expiresAt <= now) return 'expired';
  return isUsable(record, now) ? 'active' : 'used up';
}

/**
 * The initial access token a registration presents (RFC 7591 §3: as an OAuth 2.0 bearer token), looked up by
 * digest. With `registration.mode: "protected"` one is required; in open mode one may still be presented, to
 * register under its policy. A missing (when required), unknown, revoked, expired or used-up token is
 * `401 invalid_token`; every unusable token gets the same description, so the answer tells nothing about
 * which tokens exist. The use is only counted when the client is stored (see `ClientStore.insertClient`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-3.1
 */
export async function authenticateInitialAccessToken(
  token: string | undefined,
  context: { store: Pick<InitialAccessTokenStore, 'findInitialAccessToken'>; config: Config; clock: Clock },
): Promise<{ record: InitialAccessTokenRecord; tokenDigest: string } | undefined> {
  if (token === undefined) {
    if (context.config.registration.mode !== 'protected') return undefined;
    throw new OAuthError('invalid_token', 'registration requires an initial access token (Authorization: Bearer)', {
      tokenPresented: false,
    });
  }
  const tokenDigest = digestSecret(token);
  const record = await context.store.findInitialAccessToken(tokenDigest);
  if (!record || !isUsable(record, context.clock.now())) {
    throw new OAuthError('invalid_token', 'the initial access token is invalid, expired, revoked or used up', {
      detail: record ? `initial access token ${record.id} is not usable` : 'unknown initial access token',
    });
  }
  return { record, tokenDigest };
}
