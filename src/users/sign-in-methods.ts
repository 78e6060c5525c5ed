import type { UserRecord } from '../ports/users.js';

/** A configured upstream provider as the pages show it: its id (in URLs) and its name (on buttons). */
export interface SignInProvider {
  id: string;
  name: string;
}

/**
 * How people may sign in on this server: the configured upstream providers, and whether local usernames and
 * passwords are accepted. The pages offer exactly these, and the account page's rules depend on them.
 */
export interface SignInMethods {
  providers: readonly SignInProvider[];
  localPasswords: boolean;
}

/**
 * Whether the user has a local password. A user created by an upstream sign-in has none (stored as an empty
 * hash, read as `null`): they sign in only through their linked identities.
 */
export function hasLocalPassword(user: Pick<UserRecord, 'passwordHash'>): boolean {
  return Boolean(user.passwordHash);
}

/**
 * Whether unlinking one of the user's identities leaves them a way to sign in: another linked identity, or a
 * local password while local passwords are accepted. Unlinking the last way would lock the user out of their
 * own account (nobody but an operator could let them back in), so the account page refuses it.
 *
 * Every other identity counts, also one of a provider no longer configured or the host app's (`host`): whether
 * it still signs in is the operator's configuration, which may change back, and a rule that guessed could
 * refuse to unlink an identity the user wants gone.
 */
export function canUnlinkIdentity(input: { hasPassword: boolean; localPasswords: boolean; identityCount: number }): boolean {
  return input.identityCount > 1 || (input.hasPassword && input.localPasswords);
}

/** The name a page shows for a provider id: the configured name, or the id itself (a provider since removed, `host`). */
export function providerName(methods: Pick<SignInMethods, 'providers'>, id: string): string {
  return methods.providers.find((provider) => provider.id === id)?.name ?? id;
}
