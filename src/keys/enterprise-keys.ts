import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { EnterpriseProvider } from '../config/enterprise-providers.js';

/** The keys of a configured enterprise provider, by its id; undefined for an id not configured. */
export type EnterpriseKeyResolver = (providerId: string) => JWTVerifyGetKey | undefined;

/** How remote JWK Sets are fetched. The defaults suit production; tests shorten the cooldown. */
export interface EnterpriseKeyOptions {
  /** How long one JWKS request may take, in milliseconds (default 5 s): a token request waits for it. */
  timeoutMs?: number;
  /**
   * The least time between two fetches, in milliseconds (default 30 s). An unknown `kid` triggers a re-fetch
   * (the IdP rotated its keys), but not more often than this, so that assertions with made-up `kid`s cannot
   * turn the server into a request amplifier against the IdP.
   */
  cooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again, in milliseconds (default 10 min). */
  cacheMaxAgeMs?: number;
}

/**
 * The key resolver of identity assertion verification: one jose key set per configured enterprise provider,
 * created once so that a remote JWKS is cached across token requests (inline `jwks` as a local set, `jwksUri`
 * as a remote set, which jose fetches without following redirects). The URL is the operator's, not a
 * stranger's, so it is not put behind the SSRF guard of metadata documents.
 *
 * @see https://datatracker.ietf.org/doc/draft-ietf-oauth-identity-assertion-authz-grant/
 */
export function createEnterpriseKeyResolver(providers: readonly EnterpriseProvider[], options: EnterpriseKeyOptions = {}): EnterpriseKeyResolver {
  const remoteOptions = {
    timeoutDuration: options.timeoutMs ?? 5_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  };
  const resolvers = new Map<string, JWTVerifyGetKey>();
  for (const provider of providers) {
    if (provider.jwks !== null) resolvers.set(provider.id, createLocalJWKSet(provider.jwks as unknown as JSONWebKeySet));
    else if (provider.jwksUri !== null) resolvers.set(provider.id, createRemoteJWKSet(new URL(provider.jwksUri), remoteOptions));
  }
  return (providerId) => resolvers.get(providerId);
}
