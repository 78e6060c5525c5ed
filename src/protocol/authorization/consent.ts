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
 * What a consent page showed, as a digest: the client as {@link clientFingerprint} sees it, the scope and the
 * resource. The page's form carries it, so that an allow counts only while the request is still what the user saw.
 */
export function consentShown(client: ClientRecord, request: { scope: string; audience: string }): string {
  return digestSecret(JSON.stringify([clientFingerprint(client), scopeTokens(request.scope).sort(), request.audience]));
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
