import type { ClientRecord } from '../../ports/clients.js';
import type { Consent } from '../../ports/consents.js';
import { digestSecret } from '../secrets.js';
import { isScopeSubset, scopeTokens } from '../scope.js';

/**
 * What the user saw of a client when they consented, as a digest: its name, where it redirects, its home page,
 * how it registered and whether it was flagged. A remembered consent applies only while this is unchanged, so
 * an RFC 7592 update that moves the redirect elsewhere, a changed metadata document or a new look-alike flag
 * makes the next authorization ask again (RFC 9700 §4.1, §4.11: no code for a redirect the user never saw).
 */
export function clientFingerprint(client: ClientRecord): string {
  const { metadata } = client;
  return digestSecret(
    JSON.stringify([
      metadata.client_name ?? null,
      [...metadata.redirect_uris].sort(),
      metadata.client_uri ?? null,
      client.registrationSource,
      client.lookAlikeOf,
    ]),
  );
}

/**
 * What a consent page showed, as a digest: the client as {@link clientFingerprint} sees it, the scope, the
 * resource, and which of the scopes it showed as already allowed (step-up). The page's form carries it, so that an
 * allow counts only while the request is still what the user saw: had the user cut the app off in another tab
 * meanwhile, scopes shown as "already allowed" would be allowed again by a click that never saw them as new.
 */
export function consentShown(client: ClientRecord, request: { scope: string; audience: string }, alreadyAllowed = ''): string {
  return digestSecret(JSON.stringify([clientFingerprint(client), scopeTokens(request.scope).sort(), request.audience, scopeTokens(alreadyAllowed).sort()]));
}

/**
 * The scopes of a request that a remembered consent already allows for its resource, in the request's order: on
 * a step-up (a client that has some scopes asks for more) the consent page asks only for the others, and shows
 * these as already allowed. Nothing is already allowed once the client changed since the consent (its fingerprint
 * differs): the user is then asked about everything again, as {@link consentCovers} does.
 */
export function alreadyAllowedScope(consent: Consent | undefined, client: ClientRecord, request: { scope: string; audience: string }): string {
  if (consent === undefined || consent.clientFingerprint !== clientFingerprint(client)) return '';
  const allowed = Object.hasOwn(consent.resources, request.audience) ? scopeTokens(consent.resources[request.audience]) : [];
  return scopeTokens(request.scope).filter((token) => allowed.includes(token)).join(' ');
}

/** The audience a consent is recorded under: the resource, or the issuer for a request that named none. */
export function consentAudience(resource: string | null, issuer: string): string {
  return resource ?? issuer;
}

/**
 * Whether a remembered consent covers this request: the same client as shown then, and every scope allowed for
 * this very resource (scopes allowed for one resource say nothing of another).
 */
export function consentCovers(consent: Consent | undefined, client: ClientRecord, request: { scope: string; audience: string }): boolean {
  if (consent === undefined || consent.clientFingerprint !== clientFingerprint(client)) return false;
  const allowed = Object.hasOwn(consent.resources, request.audience) ? consent.resources[request.audience] : undefined;
  return allowed !== undefined && isScopeSubset(request.scope, allowed);
}

/**
 * The consent to remember after the user allowed a request: added to the previous one while the client is
 * unchanged (step by step, a user allows the union), replacing it once the client changed.
 */
export function mergeConsent(previous: Consent | undefined, client: ClientRecord, request: { scope: string; audience: string }): Consent {
  const fingerprint = clientFingerprint(client);
  const kept = previous?.clientFingerprint === fingerprint ? previous : undefined;
  const resources: Record<string, string> = { ...kept?.resources };
  const before = Object.hasOwn(resources, request.audience) ? resources[request.audience] : undefined;
  resources[request.audience] = union(before, request.scope);
  return { scope: union(kept?.scope, request.scope), resources, clientFingerprint: fingerprint };
}

function union(a: string | undefined, b: string): string {
  return [...new Set([...scopeTokens(a), ...scopeTokens(b)])].join(' ');
}
