import { OAuthError } from '../../errors/oauth-error.js';
import type { AuthorizationCodeRecord, GrantRecord } from '../../ports/grants.js';
import type { ClientRecord } from '../../ports/clients.js';
import { refreshTokenBinding } from '../dpop/token-binding.js';
import { verifierMatches } from '../pkce.js';
import { sameResource } from '../resources.js';
import { digestSecret } from '../secrets.js';
import { mintRefreshToken, recordGrantRevoked, tokenResponse, type TokenContext, type TokenResponse } from './token-context.js';

/**
 * The `authorization_code` grant: a single-use code, bound to the client, the redirect URI, the PKCE challenge
 * and the resource. A code presented a second time is refused and the grant its first use issued is revoked,
 * as the code has evidently leaked.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.6
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2.2
 */
export async function exchangeAuthorizationCode(
  params: Record<string, string>,
  client: ClientRecord,
  context: TokenContext,
): Promise<TokenResponse> {
  const code = params['code'];
  const verifier = params['code_verifier'];
  if (!code) throw new OAuthError('invalid_request', 'code is required');
  if (!verifier) throw new OAuthError('invalid_request', 'code_verifier is required (PKCE)');
  const now = context.clock.now();

  const digest = digestSecret(code);
  const found = await context.codes.findCode(digest);
  if (!found) throw new OAuthError('invalid_grant', 'the authorization code is not valid');
  if (found.usedAt !== null) await refuseReplay(found.grantId, found.code, context, now);
  const stored = found.code;
  if (stored.clientId !== client.clientId) throw new OAuthError('invalid_grant', 'the authorization code was issued to another client');
  if (stored.expiresAt <= now) throw new OAuthError('invalid_grant', 'the authorization code has expired');
  checkRedirectUri(params['redirect_uri'], stored.redirectUri, client);
  if (!verifierMatches(verifier, stored.codeChallenge)) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
  const resource = params['resource'];
  if (resource !== undefined && !sameResource(resource, stored.resource)) {
    throw new OAuthError('invalid_target', 'resource differs from the one the authorization was for');
  }

  const grant: GrantRecord = {
    id: context.random.timeOrderedUuid(now),
    clientId: client.clientId,
    userId: stored.userId,
    scope: stored.scope,
    resource: stored.resource,
    authTime: stored.authTime,
    createdAt: now,
    revokedAt: null,
    dpopJkt: refreshTokenBinding(client, context.dpop),
  };
  const refresh = client.metadata.grant_types.includes('refresh_token') ? mintRefreshToken(grant.id, 0, grant.scope, context) : undefined;
  // Marking the code used and creating the grant share one commit; a concurrent redemption that won makes this a replay.
  if (!(await context.grants.redeemCode(digest, now, grant, refresh?.record ?? null))) {
    await refuseReplay((await context.codes.findCode(digest))?.grantId ?? null, stored, context, now);
  }
  return tokenResponse(grant, client, grant.scope, context, {
    grantType: 'authorization_code',
    refreshToken: refresh?.value,
    nonce: stored.nonce,
    withIdToken: true,
  });
}

/** A code presented again: the grant its first use issued is revoked, as the code has evidently leaked. */
async function refuseReplay(grantId: string | null, code: AuthorizationCodeRecord, context: TokenContext, now: number): Promise<never> {
  if (grantId !== null && (await context.grants.revokeGrant(grantId, now))) {
    recordGrantRevoked({ grantId, clientId: code.clientId, userId: code.userId }, 'code_replayed', context);
  }
  throw new OAuthError('invalid_grant', 'the authorization code was already used; the tokens issued from it are revoked');
}

/**
 * OAuth 2.1 §4.1.3: `redirect_uri` must equal the one of the authorization request when that request had one.
 * It may be left out only by a client with a single registered redirect URI, which could omit it then too.
 */
function checkRedirectUri(presented: string | undefined, stored: string, client: ClientRecord): void {
  if (presented === undefined) {
    if (client.metadata.redirect_uris.length === 1) return;
    throw new OAuthError('invalid_request', 'redirect_uri is required');
  }
  if (presented !== stored) throw new OAuthError('invalid_grant', 'redirect_uri differs from the one of the authorization request');
}
