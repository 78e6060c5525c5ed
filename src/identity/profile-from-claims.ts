import type { IdentityProvider } from '../config/identity.js';
import type { UpstreamProfile } from './upstream-client.js';

/**
 * Whether the provider vouches for the email address. OpenID Connect says so with `email_verified` (a boolean; a
 * few providers send the string "true"). Microsoft Entra ID sends no `email_verified`; its `xms_edov` optional
 * claim says the domain of the address is verified by the tenant that owns it, which is what Microsoft advises
 * relying on. Both speak of the `email` claim only: an address read from another claim (`claims.email` set to
 * `upn`) is unverified. Anything unverified never links or matches an email rule.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 * @see https://learn.microsoft.com/entra/identity-platform/optional-claims-reference
 */
function emailVerified(claims: Record<string, unknown>): boolean {
  const verified = claims['email_verified'];
  if (verified !== undefined) return verified === true || verified === 'true';
  return claims['xms_edov'] === true || claims['xms_edov'] === 'true';
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value : null;
}

/** A list claim (or a single string) as a list of its string members. */
function listClaim(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

/**
 * The profile from verified ID token claims and, when it was read, the userinfo response. The ID token's claims
 * win where both have one: they are signed, and userinfo is only asked for what the token lacks.
 */
export function profileFromClaims(provider: Pick<IdentityProvider, 'id' | 'claims'>, idToken: Record<string, unknown>, userinfo: Record<string, unknown> = {}): UpstreamProfile {
  const claims = { ...userinfo, ...idToken };
  const names = provider.claims;
  const email = stringClaim(claims[names.email]);
  return {
    provider: provider.id,
    subject: idToken['sub'] as string,
    email,
    emailVerified: email !== null && names.email === 'email' && emailVerified(claims),
    name: stringClaim(claims[names.name]),
    username: stringClaim(claims[names.username]),
    groups: listClaim(claims[names.groups]),
    claims,
  };
}
