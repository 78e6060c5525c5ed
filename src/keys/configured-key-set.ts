import { createLocalJWKSet, createRemoteJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';

/** How remote JWK Sets are fetched. The defaults suit production; tests shorten the cooldown. */
export interface KeySetOptions {
  /** How long one JWKS request may take, in milliseconds (default 5 s): the request being verified waits for it. */
  timeoutMs?: number;
  /**
   * The least time between two fetches, in milliseconds (default 30 s). An unknown `kid` triggers a re-fetch
   * (the keys were rotated), but not more often than this, so that JWTs with made-up `kid`s cannot turn the
   * server into a request amplifier against the key owner.
   */
  cooldownMs?: number;
  /** How long a fetched JWKS is used before it is fetched again, in milliseconds (default 10 min). */
  cacheMaxAgeMs?: number;
}

/**
 * The jose key set of an operator-configured key owner (a software statement issuer, an enterprise IdP): inline
 * `jwks` as a local set, or `jwksUri` as a remote set (fetched without following redirects, cached). Created once
 * per owner, so that a remote JWKS is cached across requests; undefined when neither is given.
 */
export function configuredKeySet(
  jwks: unknown,
  jwksUri: string | null | undefined,
  options: KeySetOptions = {},
): JWTVerifyGetKey | undefined {
  if (jwks !== null && jwks !== undefined) return createLocalJWKSet(jwks as JSONWebKeySet);
  if (jwksUri === null || jwksUri === undefined) return undefined;
  return createRemoteJWKSet(new URL(jwksUri), {
    timeoutDuration: options.timeoutMs ?? 5_000,
    cooldownDuration: options.cooldownMs ?? 30_000,
    cacheMaxAge: options.cacheMaxAgeMs ?? 600_000,
  });
}
