import type { Config } from '../../config/defaults.js';
import type { RegistrationPolicy } from '../../config/policies.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientMetadata } from '../../ports/client-metadata.js';
import { redirectHost } from '../../ports/redirect-host.js';

/** Whether `host` matches a pattern: the same name, or `*.suffix` for any name below `suffix` (not `suffix` itself). */
export function hostMatches(host: string, pattern: string): boolean {
  if (pattern.startsWith('*.')) return host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1;
  return host === pattern;
}

/**
 * Applies a registration policy to validated metadata: redirect schemes and hosts against the allow- and
 * deny-lists (the deny-list wins), the number of redirect URIs, the token endpoint authentication method,
 * and the scopes. A redirect outside the policy is `invalid_redirect_uri` and a method outside it
 * `invalid_client_metadata`, as RFC 7591 §3.2.2 says for values the server does not accept. Scopes outside
 * the policy are dropped (RFC 7591 §2: the server may register fewer than asked); when a request named only
 * disallowed scopes, it is refused, since the client asked for nothing it can have.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-3.2.2
 */
export function applyRegistrationPolicy(
  metadata: ClientMetadata,
  policy: RegistrationPolicy,
  options: { scopeRequested: boolean },
): ClientMetadata {
  const { redirect_uris: uris } = metadata;
  if (policy.maxRedirectUris !== undefined && uris.length > policy.maxRedirectUris) {
    throw new OAuthError('invalid_redirect_uri', `at most ${policy.maxRedirectUris} redirect_uris may be registered`);
  }
  uris.forEach((uri, index) => checkRedirect(uri, `redirect_uris[${index}]`, policy));

  const methods = policy.allowTokenEndpointAuthMethods;
  if (methods && !methods.includes(metadata.token_endpoint_auth_method)) {
    throw new OAuthError(
      'invalid_client_metadata',
      `token_endpoint_auth_method ${metadata.token_endpoint_auth_method} is not allowed; use one of: ${methods.join(', ')}`,
    );
  }

  const allowed = policy.allowScopes;
  if (!allowed) return metadata;
  const kept = metadata.scope.split(' ').filter((scope) => scope !== '' && allowed.includes(scope));
  if (kept.length === 0 && options.scopeRequested) {
    throw new OAuthError('invalid_client_metadata', `none of the requested scopes is allowed; allowed: ${allowed.join(' ')}`);
  }
  return { ...metadata, scope: (kept.length > 0 ? kept : allowed).join(' ') };
}

function checkRedirect(uri: string, label: string, policy: RegistrationPolicy): void {
  const scheme = uri.slice(0, uri.indexOf(':')).toLowerCase();
  if (policy.allowRedirectSchemes && !policy.allowRedirectSchemes.includes(scheme)) {
    throw new OAuthError('invalid_redirect_uri', `${label} uses the scheme ${scheme}, which is not allowed here`);
  }
  const host = redirectHost(uri);
  if (host !== undefined && policy.denyRedirectHosts?.some((pattern) => hostMatches(host, pattern))) {
    throw new OAuthError('invalid_redirect_uri', `${label} redirects to a host that is not allowed`);
  }
  if (policy.allowRedirectHosts) {
    // A URI without a host cannot be checked against an allow-list, so it is outside it.
    if (host === undefined || !policy.allowRedirectHosts.some((pattern) => hostMatches(host, pattern))) {
      throw new OAuthError('invalid_redirect_uri', `${label} redirects to a host that is not on the allow-list`);
    }
  }
}

/** The policy a client registered under, if it still exists in the configuration. */
export function clientPolicy(client: { policy: string | null }, config: Config): RegistrationPolicy | undefined {
  return client.policy === null ? undefined : config.registration.policies[client.policy];
}

/** The scopes a client may be granted under its policy: `scopes` without those the policy does not allow. */
export function policyScopes(scopes: string[], policy: RegistrationPolicy | undefined): string[] {
  const allowed = policy?.allowScopes;
  return allowed ? scopes.filter((scope) => allowed.includes(scope)) : scopes;
}
