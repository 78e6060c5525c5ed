import type { JWTVerifyGetKey } from 'jose';
import { configuredKeySet, type KeySetOptions } from './configured-key-set.js';
import type { SoftwareStatementIssuer } from '../config/policies.js';

/** The keys of a trusted software statement issuer, by its `iss`; undefined for an issuer that is not trusted. */
export type StatementKeyResolver = (issuer: string) => JWTVerifyGetKey | undefined;

/** How the issuers' remote JWK Sets are fetched. */
export type StatementKeyOptions = KeySetOptions;

/**
 * The key resolver of software statement verification: for each configured issuer one jose key set, created
 * once here so that a remote JWKS is cached across registrations (inline `jwks` as a local set, `jwksUri` as a
 * remote set fetched without following redirects).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2.3
 */
export function createStatementKeyResolver(issuers: SoftwareStatementIssuer[], options: StatementKeyOptions = {}): StatementKeyResolver {
  const resolvers = new Map<string, JWTVerifyGetKey>();
  for (const entry of issuers) {
    // Configuration allows each issuer once in spirit; should it repeat, the first entry wins, as the
    // verifier's issuer lookup (Array.find) does too, so keys and policy always come from the same entry.
    if (resolvers.has(entry.issuer)) continue;
    const keys = configuredKeySet(entry.jwks, entry.jwksUri, options);
    if (keys) resolvers.set(entry.issuer, keys);
  }
  return (issuer) => resolvers.get(issuer);
}
