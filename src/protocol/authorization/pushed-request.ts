import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import type { PushedRequestStore } from '../../ports/pushed-requests.js';
import type { ClientAssertionServices } from '../client-assertion.js';
import { authenticateClient, type PresentedClientCredentials } from '../client-authentication.js';
import { digestSecret } from '../secrets.js';
import { AuthorizationPageError, AuthorizationRedirectError, parseAuthorizationRequest } from './authorization-request.js';

/** RFC 9126 §2.2: the URN prefix of a `request_uri`; what follows it is a random secret, stored by its digest. */
export const requestUriPrefix = 'urn:ietf:params:oauth:request_uri:';

/**
 * How long a `request_uri` may wait for `/authorize`. RFC 9126 §2.2 suggests 5 to 600 seconds; the browser is
 * sent on at once, so a minute is plenty and keeps a leaked `request_uri` short-lived.
 */
export const pushedRequestLifetimeSeconds = 60;

/** The body parameters that authenticate the client at `/par` (as at `/token`): never part of the stored request. */
const clientAuthenticationParams = ['client_secret', 'client_assertion', 'client_assertion_type'];

/** The answer to a pushed authorization request (RFC 9126 §2.2), sent with `201 Created`. */
export interface PushedAuthorizationResponse {
  request_uri: string;
  expires_in: number;
}

/** What pushing needs: the clients, where pushed requests go, time and randomness. */
export interface PushContext {
  config: Config;
  clients: Pick<ClientStore, 'findClient'>;
  pushedRequests: Pick<PushedRequestStore, 'save'>;
  clock: Clock;
  random: RandomSource;
  /** What `private_key_jwt` client authentication needs; without it, client assertions are refused. */
  clientAssertions?: ClientAssertionServices | undefined;
}

/**
 * Accepts a pushed authorization request: the client authenticates as at the token endpoint, the request is
 * validated as `/authorize` would validate it before a user is involved (client, redirect URI, response type,
 * PKCE, resource, prompt), and stored under the digest of a fresh `request_uri`.
 *
 * @param params the form body: the authorization request parameters and the client's credentials
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-2
 * @throws {OAuthError} `invalid_request` (a `request_uri` in the body, a bad parameter), `invalid_client`, or the
 *   error `/authorize` would redirect with (`unsupported_response_type`, `unauthorized_client`, `invalid_target`)
 */
export async function pushAuthorizationRequest(
  params: Record<string, string>,
  presented: PresentedClientCredentials,
  context: PushContext,
): Promise<PushedAuthorizationResponse> {
  // RFC 9126 §2.1: "The request_uri authorization request parameter is one exception, and it MUST NOT be provided."
  if (params['request_uri'] !== undefined) throw new OAuthError('invalid_request', 'request_uri must not be pushed (RFC 9126 section 2.1)');
  const client = await authenticateClient(presented, {
    clients: context.clients,
    nowSeconds: Math.floor(context.clock.now() / 1000),
    // RFC 9126 §2: the client authenticates as at the token endpoint; an assertion may name either endpoint.
    assertions: context.clientAssertions && { ...context.clientAssertions, endpointUrl: `${context.config.issuer}/par` },
  });
  const request: Record<string, string> = { ...params, client_id: client.clientId };
  for (const name of clientAuthenticationParams) delete request[name];
  await validatePushedRequest(request, client, context.config);

  const secret = context.random.token(32);
  const now = context.clock.now();
  await context.pushedRequests.save({
    digest: digestSecret(secret),
    clientId: client.clientId,
    params: request,
    expiresAt: now + pushedRequestLifetimeSeconds * 1000,
  });
  return { request_uri: `${requestUriPrefix}${secret}`, expires_in: pushedRequestLifetimeSeconds };
}

/**
 * Validates the pushed request with `/authorize`'s own parser, for the client just authenticated. Its errors,
 * which `/authorize` shows on a page or redirects, are answered here directly (RFC 9126 §2.3): the client is
 * the one asking.
 */
async function validatePushedRequest(request: Record<string, string>, client: ClientRecord, config: Config): Promise<void> {
  const authenticated = { findClient: async (clientId: string) => (clientId === client.clientId ? client : undefined) };
  try {
    await parseAuthorizationRequest(request, { config, clients: authenticated });
  } catch (error) {
    if (error instanceof AuthorizationPageError) throw new OAuthError(error.code, error.description);
    if (error instanceof AuthorizationRedirectError) throw error.error;
    throw error;
  }
}

/**
 * The parameters of the pushed request that `query.request_uri` names, taken from storage: it is used once
 * (RFC 9126 §4), and the other parameters of the query are ignored except `client_id`, which must be the
 * pushing client's. Every refusal is an {@link AuthorizationPageError}: without the stored request there is no
 * trustworthy redirect URI to send an error to.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9126#section-4
 */
export async function takePushedRequest(
  query: Record<string, string>,
  context: { pushedRequests: Pick<PushedRequestStore, 'take'>; clock: Clock },
): Promise<Record<string, string>> {
  const requestUri = query['request_uri'] ?? '';
  const clientId = query['client_id'];
  if (!clientId) throw new AuthorizationPageError('invalid_request', 'The request has no client_id.');
  if (!requestUri.startsWith(requestUriPrefix) || requestUri.length === requestUriPrefix.length) {
    throw new AuthorizationPageError('invalid_request', 'The request_uri was not issued by this server.');
  }
  const record = await context.pushedRequests.take(digestSecret(requestUri.slice(requestUriPrefix.length)), context.clock.now());
  if (!record) {
    throw new AuthorizationPageError('invalid_request', 'This authorization request has expired or was already used. Go back to the application and start again.');
  }
  if (record.clientId !== clientId) throw new AuthorizationPageError('invalid_request', 'The request_uri was pushed by another application.');
  return record.params;
}
