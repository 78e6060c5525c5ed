import { identityScopes } from '../../config/resources.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord } from '../../ports/clients.js';
import type { GrantRecord } from '../../ports/grants.js';
import { mayUseClientCredentials } from '../client-permissions.js';
import { resolveMachineResource } from '../resources.js';
import { grantableScope } from '../scope.js';
import { tokenResponse, type TokenContext, type TokenResponse } from './token-context.js';

/**
 * The `client_credentials` grant, for confidential clients acting on their own behalf: no user, no refresh
 * token (RFC 6749 §4.4.3). Only for clients an operator vouched for, and only for a resource that accepts
 * machine clients; the scope is what the client registered, limited to that resource's scopes. The grant is
 * not stored: the token says it has no user (`gty`), and introspection finds it active by its signature and
 * its client.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 */
export async function exchangeClientCredentials(params: Record<string, string>, client: ClientRecord, context: TokenContext): Promise<TokenResponse> {
  if (client.metadata.token_endpoint_auth_method === 'none') {
    throw new OAuthError('unauthorized_client', 'client_credentials is for confidential clients only');
  }
  if (!mayUseClientCredentials(client, context.config)) {
    throw new OAuthError('unauthorized_client', 'client_credentials is only for clients created by an operator or registered under a policy that allows it');
  }
  const resource = resolveMachineResource(params['resource'], context.config);
  const registered = client.metadata.scope.split(' ').filter((s) => s !== '' && !identityScopes.includes(s));
  const scope = grantableScope(params['scope'], registered.join(' '), registered.filter((s) => resource.entry.scopes.includes(s)));
  const grant: GrantRecord = {
    id: context.random.uuid(),
    clientId: client.clientId,
    userId: null,
    scope,
    resource: resource.audience,
    authTime: null,
    createdAt: context.clock.now(),
    revokedAt: null,
  };
  return tokenResponse(grant, client, scope, context, { grantType: 'client_credentials' });
}
