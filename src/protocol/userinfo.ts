import { OAuthError } from '../errors/oauth-error.js';
import type { UserStore } from '../ports/users.js';
import type { IntrospectionContext } from './introspection.js';
import { introspectToken } from './introspection.js';
import { scopeTokens } from './scope.js';
import { userClaims } from './tokens.js';

/** The access token presented, how, and for a DPoP token the thumbprint of the key its verified proof was signed with. */
export interface PresentedAccessToken {
  token: string;
  scheme: 'Bearer' | 'DPoP';
  jkt?: string;
}

/**
 * The UserInfo endpoint: the claims about the signed-in user that the access token's scope allows. The token
 * must be active (not revoked, grant not revoked), carry `openid`, and belong to a user. A token bound to a DPoP
 * key (`cnf.jkt`) must come with the `DPoP` scheme and a proof by that key; sent as a bearer token it is refused,
 * as a stolen one would be (RFC 9449 §7.2), and an unbound token is not taken under the `DPoP` scheme.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @see https://www.rfc-editor.org/rfc/rfc9449#section-7
 * @throws {OAuthError} `invalid_token` (401), `insufficient_scope` (403)
 */
export async function userInfo(
  presented: PresentedAccessToken | undefined,
  context: IntrospectionContext & { users: Pick<UserStore, 'findUserById'> },
): Promise<Record<string, unknown>> {
  if (presented === undefined) throw new OAuthError('invalid_token', 'an access token is required', { tokenPresented: false });
  const scheme = presented.scheme;
  const introspected = await introspectToken(presented.token, 'access_token', context);
  if (introspected['active'] !== true || (introspected['token_type'] !== 'Bearer' && introspected['token_type'] !== 'DPoP')) {
    throw new OAuthError('invalid_token', 'the access token is not valid', { scheme });
  }
  const boundTo = (introspected['cnf'] as { jkt?: unknown } | undefined)?.jkt;
  if (boundTo !== undefined && scheme !== 'DPoP') {
    throw new OAuthError('invalid_token', 'the access token is bound to a DPoP key: send it with the DPoP scheme and a proof', { scheme: 'DPoP' });
  }
  if (scheme === 'DPoP' && (boundTo === undefined || boundTo !== presented.jkt)) {
    throw new OAuthError('invalid_token', 'the access token is not bound to the key of the DPoP proof', { scheme });
  }
  const scope = String(introspected['scope'] ?? '');
  if (!scopeTokens(scope).includes('openid')) throw new OAuthError('insufficient_scope', 'the access token was not granted openid', { scheme });
  const user = await context.users.findUserById(String(introspected['sub']));
  if (!user) throw new OAuthError('invalid_token', 'the access token does not belong to a user', { scheme });
  return { sub: user.id, ...userClaims(scope, user) };
}
