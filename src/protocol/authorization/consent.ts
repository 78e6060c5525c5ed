import type { ClientRecord, Consent } from '../../storage/ports.js';
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

/** The audience a consent is recorded under: the resource, or the issuer for a request that named none. */
export function consentAudience(resource: string | null, issuer: string): string {
  return resource ?? issuer;
}

/** Whether a remembered consent covers this request: the same client as shown then, the resource and every scope. */
export function consentCovers(consent: Consent | undefined, client: ClientRecord, request: { scope: string; audience: string }): boolean {
  return (
    consent !== undefined &&
    consent.clientFingerprint === clientFingerprint(client) &&
    consent.resources.includes(request.audience) &&
    isScopeSubset(request.scope, consent.scope)
  );
}

/**
 * The consent to remember after the user allowed a request: added to the previous one while the client is
 * unchanged (step by step, a user allows the union), replacing it once the client changed.
 */
export function mergeConsent(previous: Consent | undefined, client: ClientRecord, request: { scope: string; audience: string }): Consent {
  const fingerprint = clientFingerprint(client);
  const kept = previous?.clientFingerprint === fingerprint ? previous : undefined;
  return {
    scope: [...new Set([...scopeTokens(kept?.scope), ...scopeTokens(request.scope)])].join(' '),
    resources: [...new Set([...(kept?.resources ?? []), request.audience])],
    clientFingerprint: fingerprint,
  };
}
