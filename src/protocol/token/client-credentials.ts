import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord, GrantRecord } from '../../storage/ports.js';
import { grantableScope } from '../scope.js';
import { tokenResponse, type TokenContext, type TokenResponse } from './token-context.js';

/** Scopes that only mean something for a user, never for a client acting on its own behalf. */
const userOnlyScopes = new Set(['openid', 'profile', 'email', 'offline_access']);

/**
 * The `client_credentials` grant, for confidential clients acting on their own behalf: no user, no refresh
 * token (RFC 6749 §4.4.3), scope limited to what the client registered.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function exchangeClientCredentials(params: Record<string, string>, client: ClientRecord, context: TokenContext): Promise<TokenResponse> {
  if (client.metadata.token_endpoint_auth_method === 'none') {
    throw new OAuthError('unauthorized_client', 'client_credentials is for confidential clients only');
  }
  const registered = client.metadata.scope.split(' ').filter((s) => !userOnlyScopes.has(s));
  const scope = grantableScope(params['scope'], registered.join(' '), registered.filter((s) => context.config.scopes.supported.includes(s)));
  const now = context.clock.now();
  const grant: GrantRecord = {
    id: context.random.uuid(),
    clientId: client.clientId,
    userId: null,
    scope,
    resource: params['resource'] ?? null,
    authTime: null,
    createdAt: now,
    revokedAt: null,
  };
  return tokenResponse(grant, client, scope, context, { grantType: 'client_credentials' });
}
