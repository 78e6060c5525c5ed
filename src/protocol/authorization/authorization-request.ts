import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import { validateCodeChallenge } from '../pkce.js';
import { grantableScope } from '../scope.js';
import { clientPolicy, policyScopes } from '../registration/registration-policy.js';
import { resolveResource, resourceScopeLimit } from '../resources.js';
import { redirectUriMatches } from './redirect-match.js';

/** A validated authorization request: what the consent page shows and the code will be bound to. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  state: string | null;
  /** The scope that will be granted: the supported subset of what was asked for. */
  scope: string;
  codeChallenge: string;
  /** The audience of the tokens: the registered resource (RFC 8707), or null for the issuer itself. */
  resource: string | null;
  /** The resource's display name from the registry, when it is a registered one. */
  resourceName: string | null;
  nonce: string | null;
  prompt: 'none' | 'login' | 'consent' | null;
}

/**
 * An error found before the redirect URI is known to be the client's: it is shown to the user on a page and
 * never sent to the redirect URI, which could be anyone's (no open redirect).
 */
export class AuthorizationPageError extends Error {
  constructor(
    readonly code: 'invalid_request' | 'invalid_client',
    readonly description: string,
  ) {
    super(description);
    this.name = 'AuthorizationPageError';
  }
}

/**
 * An error found once the client and redirect URI are known: it goes back to the client at its redirect URI,
 * with `state` and `iss`.
 */
export class AuthorizationRedirectError extends Error {
  constructor(
    readonly error: OAuthError,
    readonly redirectUri: string,
    readonly state: string | null,
    /** The client the redirect URI was validated for. */
    readonly client: ClientRecord,
  ) {
    super(error.description);
    this.name = 'AuthorizationRedirectError';
  }
}

/**
 * Validates an authorization request. First the client and the redirect URI, whose errors are shown on a page;
 * then the rest, whose errors are redirected to the client.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-4.1.1
 */
export async function parseAuthorizationRequest(
  query: Record<string, string>,
  context: {
    config: Config;
    clients: Pick<ClientStore, 'findClient'>;
    /** The request came in `/authorize`'s query, not pushed (RFC 9126): refused where pushing is required. */
    notPushed?: boolean;
  },
): Promise<{ request: AuthorizationRequest; client: ClientRecord }> {
  const clientId = query['client_id'];
  if (!clientId) throw new AuthorizationPageError('invalid_request', 'The request has no client_id.');
  const client = await context.clients.findClient(clientId).catch((error: unknown) => {
    // A client whose metadata document cannot be fetched or is invalid is as unknown as an unregistered one: its
    // redirect URI is not trusted, so the reason is shown on a page.
    if (error instanceof OAuthError && error.code === 'invalid_client') throw new AuthorizationPageError('invalid_client', error.description);
    throw error;
  });
  if (!client) throw new AuthorizationPageError('invalid_client', 'This application is not registered here. It may register again and retry.');
  const redirectUri = resolveRedirectUri(query['redirect_uri'], client);
  const state = query['state'] ?? null;
  const fail = (code: ConstructorParameters<typeof OAuthError>[0], description: string): never => {
    throw new AuthorizationRedirectError(new OAuthError(code, description), redirectUri, state, client);
  };

  if (context.notPushed && (context.config.authorize.requirePushedRequests || client.metadata.require_pushed_authorization_requests === true)) {
    fail('invalid_request', 'authorization requests must be pushed to the pushed_authorization_request_endpoint first (RFC 9126)');
  }
  if (query['request'] !== undefined || query['request_uri'] !== undefined) fail('invalid_request', 'request objects are not supported');
  if (query['response_type'] !== 'code') fail('unsupported_response_type', 'response_type must be code');
  if (!client.metadata.grant_types.includes('authorization_code')) fail('unauthorized_client', 'the client did not register the authorization_code grant');
  let codeChallenge = '';
  try {
    codeChallenge = validateCodeChallenge(query['code_challenge'], query['code_challenge_method']);
  } catch (error) {
    fail('invalid_request', (error as OAuthError).description);
  }
  let resolved: ReturnType<typeof resolveResource> = null;
  try {
    resolved = resolveResource(query['resource'], context.config);
  } catch (error) {
    fail('invalid_target', (error as OAuthError).description);
  }
  const prompt = query['prompt'] ?? null;
  if (prompt !== null && prompt !== 'none' && prompt !== 'login' && prompt !== 'consent') fail('invalid_request', 'prompt must be none, login or consent');
  return {
    client,
    request: {
      clientId,
      redirectUri,
      state,
      // A client registered under a policy with allowed scopes is never granted others, whatever it asks for.
      // Only the resource's own scopes (and the identity scopes) are granted for it.
      scope: grantableScope(query['scope'], client.metadata.scope, policyScopes(resourceScopeLimit(resolved, context.config), clientPolicy(client, context.config))),
      codeChallenge,
      resource: resolved?.audience ?? null,
      resourceName: resolved?.entry?.name ?? null,
      nonce: query['nonce'] ?? null,
      prompt: prompt as AuthorizationRequest['prompt'],
    },
  };
}

/** OAuth 2.1 §2.3.2: `redirect_uri` may be omitted only when the client registered exactly one. */
function resolveRedirectUri(presented: string | undefined, client: ClientRecord): string {
  const registered = client.metadata.redirect_uris;
  if (presented === undefined) {
    if (registered.length === 1) return registered[0]!;
    throw new AuthorizationPageError('invalid_request', 'The request has no redirect_uri, and the application registered several.');
  }
  if (!redirectUriMatches(registered, presented)) {
    throw new AuthorizationPageError('invalid_request', 'The redirect_uri is not one this application registered.');
  }
  return presented;
}

/**
 * The URL the browser is sent to: the redirect URI with the response parameters added to its query, including
 * `iss` so the client can tell which server answered (RFC 9207).
 *
 * @see https://www.rfc-editor.org/rfc/rfc9207#section-2
 */
export function authorizationResponseUrl(redirectUri: string, params: Record<string, string | null>): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(params)) if (value !== null) url.searchParams.append(name, value);
  return url.href;
}
