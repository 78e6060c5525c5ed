import type { JWTVerifyGetKey } from 'jose';
import { configuredKeySet, type KeySetOptions } from './configured-key-set.js';
import type { EnterpriseProvider } from '../config/enterprise-providers.js';

/** The keys of a configured enterprise provider, by its id; undefined for an id not configured. */
export type EnterpriseKeyResolver = (providerId: string) => JWTVerifyGetKey | undefined;

/** How the providers' remote JWK Sets are fetched. */
export type EnterpriseKeyOptions = KeySetOptions;

/**
 * The key resolver of identity assertion verification: one jose key set per configured enterprise provider,
 * created once so that a remote JWKS is cached across token requests (inline `jwks` as a local set, `jwksUri`
 * as a remote set, which jose fetches without following redirects). The URL is the operator's, not a
 * stranger's, so it is not put behind the SSRF guard of metadata documents.
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
export function createEnterpriseKeyResolver(providers: readonly EnterpriseProvider[], options: EnterpriseKeyOptions = {}): EnterpriseKeyResolver {
  const resolvers = new Map<string, JWTVerifyGetKey>();
  for (const provider of providers) {
    const keys = configuredKeySet(provider.jwks, provider.jwksUri, options);
    if (keys) resolvers.set(provider.id, keys);
  }
  return (providerId) => resolvers.get(providerId);
}
