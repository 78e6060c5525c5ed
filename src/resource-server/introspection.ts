import { ResourceServerError } from './resource-server-error.js';

/** How to reach Latchkey's introspection endpoint (RFC 7662) as a confidential client. */
export interface IntrospectionOptions {
  endpoint: string;
  clientId: string;
  clientSecret: string;
  /** How long an active answer is trusted, in seconds; 30 by default. */
  cacheSeconds?: number;
}

/**
 * Asks the introspection endpoint whether a token is active, authenticating with `client_secret_basic`, and
 * remembers the answer by `jti`: an active one for at most `cacheSeconds` (and never past `exp`), an inactive
 * one until `exp` (revocation is final).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7662#section-2
 */
export function createIntrospector(config: IntrospectionOptions, clock: { now(): number }) {
  const maxEntries = 10_000;
  const cache = new Map<string, { active: boolean; until: number }>();
  // RFC 6749 §2.3.1: the id and secret are form-encoded before they are joined and base64-encoded.
  const basic = btoa(`${encodeURIComponent(config.clientId)}:${encodeURIComponent(config.clientSecret)}`);
  const cacheMs = (config.cacheSeconds ?? 30) * 1000;

  return async (token: string, claims: { jti: string; exp: number }): Promise<boolean> => {
    const now = clock.now();
    const cached = cache.get(claims.jti);
    if (cached && cached.until > now) return cached.active;
    let active: unknown;
    try {
      const response = await fetch(config.endpoint, {
        method: 'POST',
        headers: { Authorization: `Basic ${basic}`, 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`The introspection endpoint answered ${response.status}.`);
      active = ((await response.json()) as { active?: unknown }).active;
      if (typeof active !== 'boolean') throw new Error('The introspection response has no boolean "active".');
    } catch (error) {
      throw new ResourceServerError('temporarily_unavailable', 'The access token could not be checked; try again.', [], { cause: error });
    }
    cache.delete(claims.jti);
    if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
    cache.set(claims.jti, { active, until: active ? Math.min(now + cacheMs, claims.exp * 1000) : claims.exp * 1000 });
    return active;
  };
}
