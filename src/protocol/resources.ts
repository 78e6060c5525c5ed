import type { Config } from '../config/defaults.js';
import { identityScopes, resourceKey, type ProtectedResource } from '../config/resources.js';
import { OAuthError } from '../errors/oauth-error.js';

/** The resource a request is for: the audience its tokens carry, and its registry entry when there is one. */
export interface ResolvedResource {
  /** The token's `aud`: the registered URI as configured, or (with no resource configured) the URI as sent. */
  audience: string;
  entry: ProtectedResource | null;
}

/**
 * The resource a user's authorization is for (RFC 8707 §2). With resources configured, `resource` must name
 * one of them, matched tolerantly ({@link resourceKey}), and a request without one gets the default resource.
 * With none configured (zero set-up), any `https` or loopback `http` URI is accepted as sent, and a request
 * without one gets no resource (the token's audience is then the issuer).
 *
 * @throws {OAuthError} `invalid_target`
 * @see https://www.rfc-editor.org/rfc/rfc8707#section-2
 */
export function resolveResource(requested: string | undefined, config: Pick<Config, 'resources'>): ResolvedResource | null {
  const { resources } = config;
  if (requested === undefined) {
    const entry = resources.find((r) => r.default) ?? resources[0];
    return entry ? { audience: entry.uri, entry } : null;
  }
  validateResource(requested);
  const url = new URL(requested);
  // A resource names a server, never credentials for it (RFC 3986 §3.2.1 deprecates them in URIs).
  if (url.username || url.password) throw new OAuthError('invalid_target', 'resource must not carry user information');
  if (resources.length === 0) {
    if (!isUserFlowResource(requested)) throw new OAuthError('invalid_target', 'resource must be an https URI (or http on a loopback address)');
    return { audience: requested, entry: null };
  }
  const key = resourceKey(requested);
  const entry = resources.find((r) => resourceKey(r.uri) === key);
  if (!entry) throw new OAuthError('invalid_target', 'resource names no resource this server issues tokens for');
  return { audience: entry.uri, entry };
}

/**
 * The resource a machine client (`client_credentials`, no user) may get a token for: only a configured resource
 * that allows machine clients. With none configured, machine clients get no token at all (PRODUCT.md §8).
 *
 * @throws {OAuthError} `invalid_target`
 */
export function resolveMachineResource(requested: string | undefined, config: Pick<Config, 'resources'>): ResolvedResource & { entry: ProtectedResource } {
  if (!config.resources.some((r) => r.machineClients)) {
    throw new OAuthError('invalid_target', 'no resource here accepts tokens without a user');
  }
  const resolved = resolveResource(requested, config);
  if (!resolved?.entry?.machineClients) throw new OAuthError('invalid_target', 'this resource does not accept tokens without a user');
  return resolved as ResolvedResource & { entry: ProtectedResource };
}

/** Whether two resource URIs name the same resource (a `resource` at `/token` against the one of the grant). */
export function sameResource(presented: string, granted: string | null): boolean {
  return granted !== null && resourceKey(presented) === resourceKey(granted);
}

/**
 * The scopes that may be granted for a resource: with a registry entry, the identity scopes offered plus the
 * resource's own; otherwise every supported scope.
 */
export function resourceScopeLimit(resolved: ResolvedResource | null, config: Pick<Config, 'scopes'>): string[] {
  const supported = config.scopes.supported;
  if (!resolved?.entry) return supported;
  const own = resolved.entry.scopes;
  return supported.filter((scope) => identityScopes.includes(scope) || own.includes(scope));
}

/**
 * RFC 8707 §2: a resource indicator is an absolute URI without a fragment.
 *
 * @throws {OAuthError} `invalid_target`
 */
export function validateResource(resource: string): void {
  if (!URL.canParse(resource) || resource.includes('#') || !/^[a-z][a-z0-9+.-]*:/i.test(resource) || /[\s\\]/.test(resource)) {
    throw new OAuthError('invalid_target', 'resource must be an absolute URI without a fragment');
  }
}

/** An `https` URI, or `http` on a loopback address: what a user flow may name when no resource is configured. */
function isUserFlowResource(uri: string): boolean {
  const url = new URL(uri);
  if (url.username || url.password) return false;
  if (url.protocol === 'https:') return url.hostname !== '';
  return url.protocol === 'http:' && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
