import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { SoftwareStatementIssuer } from '../config/policies.js';

/** The keys of a trusted software statement issuer, by its `iss`; undefined for an issuer that is not trusted. */
export type StatementKeyResolver = (issuer: string) => JWTVerifyGetKey | undefined;

/** How remote JWK Sets are fetched. The defaults suit production; tests shorten the cooldown. */
export interface StatementKeyOptions {
  /** How long one JWKS request may take, in milliseconds (default 5 s): a registration waits for it. */
  timeoutMs?: number;
  /**
   * The least time between two fetches, in milliseconds (default 30 s). An unknown `kid` triggers a re-fetch
   * (the issuer rotated its keys), but not more often than this, so that statements with made-up `kid`s
   * cannot turn the server into a request amplifier against the issuer.
   */
  cooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again, in milliseconds (default 10 min). */
  cacheMaxAgeMs?: number;
}

/**
 * The key resolver of software statement verification: for each configured issuer one jose key set, created
 * once here so that a remote JWKS is cached across registrations (inline `jwks` as a local set, `jwksUri` as a
 * remote set fetched without following redirects).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2.3
 */
export function createStatementKeyResolver(issuers: SoftwareStatementIssuer[], options: StatementKeyOptions = {}): StatementKeyResolver {
  const remoteOptions = {
    timeoutDuration: options.timeoutMs ?? 5_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  };
  const resolvers = new Map<string, JWTVerifyGetKey>();
  for (const entry of issuers) {
    // Configuration allows each issuer once in spirit; should it repeat, the first entry wins, as the
    // verifier's issuer lookup (Array.find) does too, so keys and policy always come from the same entry.
    if (resolvers.has(entry.issuer)) continue;
    if (entry.jwks !== undefined) {
      resolvers.set(entry.issuer, createLocalJWKSet(entry.jwks as unknown as JSONWebKeySet));
    } else if (entry.jwksUri !== undefined) {
      resolvers.set(entry.issuer, createRemoteJWKSet(new URL(entry.jwksUri), remoteOptions));
    }
  }
  return (issuer) => resolvers.get(issuer);
}
