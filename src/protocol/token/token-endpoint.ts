import { OAuthError } from '../../errors/oauth-error.js';
import { authenticateClient, type PresentedClientCredentials } from '../client-authentication.js';
import { jwtBearerGrantType, type GrantType } from '../../ports/client-metadata.js';
import { validateResource } from '../resources.js';
import { exchangeAuthorizationCode } from './authorization-code.js';
import { exchangeClientCredentials } from './client-credentials.js';
import { exchangeIdentityAssertion } from './jwt-bearer.js';
import { exchangeRefreshToken } from './refresh-token.js';
import type { TokenContext, TokenResponse } from './token-context.js';

const handlers: Record<GrantType, typeof exchangeAuthorizationCode> = {
  authorization_code: exchangeAuthorizationCode,
  refresh_token: exchangeRefreshToken,
  client_credentials: exchangeClientCredentials,
  [jwtBearerGrantType]: exchangeIdentityAssertion,
};

/**
 * The token endpoint: authenticate the client, check that it registered the grant type, then hand over to
 * that grant's handler.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-3.2
 */
export async function exchangeToken(
  params: Record<string, string>,
  credentials: PresentedClientCredentials,
  context: TokenContext,
): Promise<TokenResponse> {
  const grantType = params['grant_type'];
  if (!grantType) throw new OAuthError('invalid_request', 'grant_type is required');
  const handler = Object.hasOwn(handlers, grantType) ? handlers[grantType as GrantType] : undefined;
  if (!handler) throw new OAuthError('unsupported_grant_type', 'grant_type must be authorization_code, refresh_token, client_credentials or urn:ietf:params:oauth:grant-type:jwt-bearer');
  const client = await authenticateClient(credentials, {
    clients: context.clients,
    nowSeconds: Math.floor(context.clock.now() / 1000),
    assertions: context.clientAssertions && { ...context.clientAssertions, endpointUrl: `${context.config.issuer}/token` },
  });
  if (!client.metadata.grant_types.includes(grantType as GrantType)) {
    throw new OAuthError('unauthorized_client', `the client did not register the ${grantType} grant type`);
  }
  const resource = params['resource'];
  if (resource !== undefined) validateResource(resource);
  return handler(params, client, context);
}
