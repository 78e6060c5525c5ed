import { OAuthError } from '../errors/oauth-error.js';
import type { ClientRecord, ClientStore } from '../ports/clients.js';
import { secretMatches } from './secrets.js';

/** Client credentials as presented at the token, revocation or introspection endpoint. */
export interface PresentedClientCredentials {
  /** From `Authorization: Basic`, already decoded (RFC 6749 §2.3.1). */
  basic?: { clientId: string; clientSecret: string } | undefined;
  /** `client_id` in the form body. */
  clientId?: string | undefined;
  /** `client_secret` in the form body. */
  clientSecret?: string | undefined;
}

/**
 * Authenticates a client by the method it registered: `client_secret_basic`, `client_secret_post`, or `none`
 * (a public client that only identifies itself). Every failure is `invalid_client` (401); an unknown client
 * too, which agents answer by registering again.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2 (token_endpoint_auth_method)
 * @throws {OAuthError} `invalid_request` when several methods are used at once, `invalid_client`
 */
export async function authenticateClient(
  presented: PresentedClientCredentials,
  context: { clients: Pick<ClientStore, 'findClient'>; nowSeconds: number },
): Promise<ClientRecord> {
  if (presented.basic && presented.clientSecret !== undefined) {
    throw new OAuthError('invalid_request', 'use one client authentication method, not several (RFC 6749 section 2.3)');
  }
  if (presented.basic && presented.clientId !== undefined && presented.clientId !== presented.basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body differs from the one in the Authorization header');
  }
  const clientId = presented.basic?.clientId ?? presented.clientId;
  if (clientId === undefined || clientId === '') {
    throw new OAuthError('invalid_client', 'client authentication is required', { tokenPresented: false });
  }
  const client = await context.clients.findClient(clientId);
  if (!client) throw new OAuthError('invalid_client', 'the client is not known; register it again', { detail: `unknown client ${clientId}` });

  const method = client.metadata.token_endpoint_auth_method;
  const used = presented.basic ? 'client_secret_basic' : presented.clientSecret !== undefined ? 'client_secret_post' : 'none';
  if (used !== method) {
    throw new OAuthError('invalid_client', `the client must authenticate with ${method}`, { detail: `used ${used}` });
  }
  if (method === 'none') return client;
  const secret = presented.basic?.clientSecret ?? presented.clientSecret!;
  if (!secretMatches(secret, client.clientSecretDigest)) throw new OAuthError('invalid_client', 'the client secret is not valid');
  if (client.clientSecretExpiresAt !== 0 && client.clientSecretExpiresAt <= context.nowSeconds) {
    throw new OAuthError('invalid_client', 'the client secret has expired');
  }
  return client;
}
