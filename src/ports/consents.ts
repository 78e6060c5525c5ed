import type { RegistrationSource } from './clients.js';

/**
 * A remembered consent: the scopes and resources a user allowed a client, and the fingerprint of the client as
 * it was shown to them (name, redirects, flags). A client that changed since is asked again.
 */
export interface Consent {
  /** Every scope allowed, for any resource (what `/account` shows). */
  scope: string;
  /** The scopes allowed per audience (a resource URI, or the issuer): a consent covers a request only for its own resource. */
  resources: Record<string, string>;
  clientFingerprint: string;
}

/** Remembered consent decisions. */
export interface ConsentStore {
  /** What a user has consented to for a client, or undefined. */
  findConsent(userId: string, clientId: string): Promise<Consent | undefined>;
  /** Stores (replaces) a user's consent for a client. */
  saveConsent(userId: string, clientId: string, consent: Consent, now: number): Promise<void>;
  deleteConsent(userId: string, clientId: string): Promise<boolean>;
  /** The clients a user has consented to (their "connected apps"), most recently granted first. */
  listConnectedApps(userId: string): Promise<ConnectedApp[]>;
  /**
   * Cuts a client off from a user: forgets the consent and revokes every grant of that user for that client
   * (their refresh tokens stop working at once), in one transaction. Resolves how many grants were revoked,
   * or `false` when there was neither a consent nor a live grant.
   */
  revokeConnectedApp(userId: string, clientId: string, now: number): Promise<{ grantsRevoked: number } | false>;
}

/** A client a user has authorized, as the connected-apps page shows it. */
export interface ConnectedApp {
  clientId: string;
  clientName: string | null;
  redirectUris: string[];
  registrationSource: RegistrationSource;
  /** The scopes consented to. */
  scope: string;
  /** When consent was first given, in milliseconds. */
  grantedAt: number;
  /** When consent was last given or a token issued for it, in milliseconds (coarse). */
  lastUsedAt: number | null;
}
