import { OAuthError } from '../errors/oauth-error.js';
import type { UserStore } from '../ports/users.js';
import type { IntrospectionContext } from './introspection.js';
import { introspectToken } from './introspection.js';
import { scopeTokens } from './scope.js';
import { userClaims } from './tokens.js';

/**
 * The UserInfo endpoint: the claims about the signed-in user that the access token's scope allows. The token
 * must be active (not revoked, grant not revoked), carry `openid`, and belong to a user.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#UserInfo
 * @throws {OAuthError} `invalid_token` (401), `insufficient_scope` (403)
 */
export async function userInfo(
  token: string | undefined,
  context: IntrospectionContext & { users: Pick<UserStore, 'findUserById'> },
): Promise<Record<string, unknown>> {
  if (token === undefined) throw new OAuthError('invalid_token', 'an access token is required', { tokenPresented: false });
  const introspected = await introspectToken(token, 'access_token', context);
  if (introspected['active'] !== true || introspected['token_type'] !== 'Bearer') {
    throw new OAuthError('invalid_token', 'the access token is not valid');
  }
  const scope = String(introspected['scope'] ?? '');
  if (!scopeTokens(scope).includes('openid')) throw new OAuthError('insufficient_scope', 'the access token was not granted openid');
  const user = await context.users.findUserById(String(introspected['sub']));
  if (!user) throw new OAuthError('invalid_token', 'the access token does not belong to a user');
  return { sub: user.id, ...userClaims(scope, user) };
}
