import type { UserRecord } from './users.js';

/**
 * An upstream identity linked to a user: one subject of one configured provider (an OpenID Connect `sub`, a
 * GitHub user id, a host app's user id). Users are found by this pair only, never by an email address, which
 * another provider (or another account at the same one) may also claim.
 */
export interface LinkedIdentity {
  id: string;
  userId: string;
  /** The configured provider's id (`google`, `github`, `host`, …). */
  provider: string;
  /** The provider's stable subject for the person. */
  subject: string;
  /** The email address as last seen, only when the provider said it is verified; otherwise null. For pages and rules, never for matching. */
  email: string | null;
  /** A name or login as last seen, for pages only. */
  displayName: string | null;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /** Milliseconds since the epoch; null until the first sign-in after linking. */
  lastSignedInAt: number | null;
}

/** The upstream identities linked to users. (provider, subject) is unique: one person upstream is one user here. */
export interface IdentityStore {
  findIdentity(provider: string, subject: string): Promise<LinkedIdentity | undefined>;
  /** Links an identity to an existing user; resolves `false` (changing nothing) when (provider, subject) is linked already. */
  linkIdentity(identity: LinkedIdentity): Promise<boolean>;
  /** Creates a user and links their first identity in one transaction: either both are stored or neither is. */
  createUserWithIdentity(user: Omit<UserRecord, 'sessionEpoch'>, identity: LinkedIdentity): Promise<'created' | 'username_taken' | 'identity_taken'>;
  /** The identities of one user, by provider, then by when they were linked. */
  listIdentities(userId: string): Promise<LinkedIdentity[]>;
  /** The identities of several users (the dashboard's list), by user id; users without any are absent. */
  listIdentitiesOf(userIds: readonly string[]): Promise<Map<string, LinkedIdentity[]>>;
  /** Unlinks one identity of that user; `false` when the user has no identity of that id. */
  unlinkIdentity(userId: string, identityId: string): Promise<boolean>;
  /** After a sign-in with the identity: its profile as the provider sent it now, and when. */
  recordSignIn(identityId: string, at: number, profile: { email: string | null; displayName: string | null }): Promise<void>;
}
