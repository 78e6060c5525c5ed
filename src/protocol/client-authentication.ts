import { OAuthError } from '../errors/oauth-error.js';
import type { ClientRecord, ClientStore } from '../ports/clients.js';
import { assertionSubject, verifyClientAssertion, jwtBearerAssertionType, type ClientAssertionServices } from './client-assertion.js';
import { secretMatches } from './secrets.js';

/** Client credentials as presented at the token, revocation or introspection endpoint. */
export interface PresentedClientCredentials {
  /** From `Authorization: Basic`, already decoded (RFC 6749 §2.3.1). */
  basic?: { clientId: string; clientSecret: string } | undefined;
  /** `client_id` in the form body. */
  clientId?: string | undefined;
  /** `client_secret` in the form body. */
  clientSecret?: string | undefined;
  /** `client_assertion_type` in the form body (RFC 7521 §4.2). */
  clientAssertionType?: string | undefined;
  /** `client_assertion` in the form body: a JWT signed by the client's key (RFC 7523 §2.2). */
  clientAssertion?: string | undefined;
}

/**
 * Authenticates a client by the method it registered: `client_secret_basic`, `client_secret_post`,
 * `private_key_jwt` (a signed assertion, checked in `client-assertion.ts`), or `none` (a public client that only
 * identifies itself). Every failure is `invalid_client` (401); an unknown client too, which agents answer by
 * registering again. Without `assertions` (an endpoint that does not take them) an assertion is refused.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-2.3
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2 (token_endpoint_auth_method)
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.2
 * @throws {OAuthError} `invalid_request` when several methods are used at once, `invalid_client`
 */
export async function authenticateClient(
  presented: PresentedClientCredentials,
  context: {
    clients: Pick<ClientStore, 'findClient'>;
    nowSeconds: number;
    /** What `private_key_jwt` needs, and the URL of the endpoint the credentials were sent to. */
    assertions?: (ClientAssertionServices & { endpointUrl: string }) | undefined;
  },
): Promise<ClientRecord> {
  const assertion = presented.clientAssertion;
  const withAssertion = assertion !== undefined || presented.clientAssertionType !== undefined;
  if ([presented.basic !== undefined, presented.clientSecret !== undefined, withAssertion].filter(Boolean).length > 1) {
    throw new OAuthError('invalid_request', 'use one client authentication method, not several (RFC 6749 section 2.3)');
  }
  if (withAssertion && presented.clientAssertionType !== jwtBearerAssertionType) {
    throw new OAuthError('invalid_client', `client_assertion_type must be ${jwtBearerAssertionType}`);
  }
  if (withAssertion && assertion === undefined) throw new OAuthError('invalid_client', 'client_assertion is required with client_assertion_type');
  if (presented.basic && presented.clientId !== undefined && presented.clientId !== presented.basic.clientId) {
    throw new OAuthError('invalid_request', 'client_id in the body differs from the one in the Authorization header');
  }
  // RFC 7523 §3: the assertion's `sub` is the client_id, which the request then need not repeat.
  const clientId = presented.basic?.clientId ?? presented.clientId ?? (assertion === undefined ? undefined : assertionSubject(assertion));
  if (clientId === undefined || clientId === '') {
    throw new OAuthError('invalid_client', 'client authentication is required', { tokenPresented: false });
  }
  const client = await context.clients.findClient(clientId);
  if (!client) throw new OAuthError('invalid_client', 'the client is not known; register it again', { detail: `unknown client ${clientId}` });

  const method = client.metadata.token_endpoint_auth_method;
  const used = presented.basic ? 'client_secret_basic' : presented.clientSecret !== undefined ? 'client_secret_post' : withAssertion ? 'private_key_jwt' : 'none';
  if (used !== method) {
    throw new OAuthError('invalid_client', `the client must authenticate with ${method}`, { detail: `used ${used}` });
  }
  if (method === 'none') return client;
  if (method === 'private_key_jwt') {
    if (!context.assertions) throw new OAuthError('invalid_client', 'private_key_jwt is not accepted at this endpoint');
    await verifyClientAssertion(assertion!, client, { ...context.assertions, nowMs: context.nowSeconds * 1000 });
    return client;
  }
  const secret = presented.basic?.clientSecret ?? presented.clientSecret!;
  if (!secretMatches(secret, client.clientSecretDigest)) throw new OAuthError('invalid_client', 'the client secret is not valid');
  if (client.clientSecretExpiresAt !== 0 && client.clientSecretExpiresAt <= context.nowSeconds) {
    throw new OAuthError('invalid_client', 'the client secret has expired');
  }
  return client;
}
