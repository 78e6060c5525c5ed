import type { IdentityRule } from '../config/identity.js';
import { matchesRule } from '../identity/matches-rule.js';
import type { UpstreamProfile } from '../identity/upstream-client.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import type { IdentityStore, LinkedIdentity } from '../ports/identities.js';
import type { UserRecord, UserStore } from '../ports/users.js';
import { normalizeUsername, userFieldLimits, validateUsername } from './users.js';

/** What an upstream sign-in may do: who may sign in at all, and who is an administrator. */
export interface UpstreamRules {
  allow: IdentityRule;
  admins: IdentityRule;
}

export interface UpstreamAccountsContext {
  users: UserStore;
  identities: IdentityStore;
  clock: Clock;
  random: RandomSource;
  rules: UpstreamRules;
}

/** Why an upstream identity was not let in or not linked; the message is for the person at the browser. */
export type UpstreamRefusal =
  | { refused: 'not_allowed'; message: string }
  | { refused: 'linked_elsewhere'; message: string }
  | { refused: 'unknown_user'; message: string };

export type UpstreamSignInResult = { user: UserRecord; created: boolean; identity: LinkedIdentity } | UpstreamRefusal;

const notAllowed: UpstreamRefusal = {
  refused: 'not_allowed',
  message: 'Your account at this provider is not allowed to sign in here. Ask the administrator of this server, or sign in with another account.',
};

/**
 * The user an upstream identity signs in as. An identity is found by its provider and subject only; the first
 * allowed sign-in of an unknown one creates a user (and the link) in one transaction. The allow rule is checked
 * at every sign-in, so a person the rule no longer names (who left the domain or the group) is refused even
 * though their account exists. Never matched by email: an address is only as good as the provider that says it
 * is verified, and another provider (or a second account at the same one) may claim the same address.
 *
 * The admin rule: a user created by an upstream sign-in (no local password) is an administrator exactly while
 * the rule names them; a local user whom the rule names becomes one, and is never demoted by it (an operator made
 * them what they are). With no admin rule configured, upstream sign-ins change nobody's role.
 */
export async function signInUpstream(profile: UpstreamProfile, context: UpstreamAccountsContext): Promise<UpstreamSignInResult> {
  if (!matchesRule(context.rules.allow, profile)) return notAllowed;
  const now = context.clock.now();
  const found = await context.identities.findIdentity(profile.provider, profile.subject);
  if (found) {
    const user = await context.users.findUserById(found.userId);
    // Gone between the two reads (removed by an operator): the identity went with it, through the schema.
    if (!user) return { refused: 'unknown_user', message: 'Your account was removed. Sign in again to start over.' };
    await context.identities.recordSignIn(found.id, now, profileOf(profile));
    return { user: await withAdminRule(user, profile, context), created: false, identity: found };
  }
  return createFromProfile(profile, context, now);
}

/**
 * Links an upstream identity to a signed-in user (from `/account`). Refused when the identity belongs to another
 * user already: one person upstream is one user here, and moving an identity between users silently would let
 * whoever signs in second take the first one's account. An identity the admin rule names makes them an
 * administrator; one it does not name leaves their role alone.
 */
export async function linkUpstream(user: UserRecord, profile: UpstreamProfile, context: UpstreamAccountsContext): Promise<UpstreamSignInResult> {
  if (!matchesRule(context.rules.allow, profile)) return notAllowed;
  const now = context.clock.now();
  const found = await context.identities.findIdentity(profile.provider, profile.subject);
  if (found && found.userId !== user.id) return linkedElsewhere;
  if (found) {
    await context.identities.recordSignIn(found.id, now, profileOf(profile));
    return { user, created: false, identity: found };
  }
  const identity = newIdentity(profile, user.id, now, context.random);
  if (!(await context.identities.linkIdentity(identity))) return linkedElsewhere;
  // Linking may make an administrator of the user (the rule names this identity), never the opposite: that the
  // new identity is not named says nothing of the one they signed in with, which may be.
  const named = matchesRule(context.rules.admins, profile);
  return { user: named ? await withAdminRule(user, profile, context) : user, created: false, identity };
}

const linkedElsewhere: UpstreamRefusal = {
  refused: 'linked_elsewhere',
  message: 'That account at the provider is already linked to another user here. Sign in with it instead, or ask an administrator to unlink it.',
};

async function createFromProfile(profile: UpstreamProfile, context: UpstreamAccountsContext, now: number): Promise<UpstreamSignInResult> {
  const isAdmin = matchesRule(context.rules.admins, profile);
  const candidates = usernameCandidates(profile, context.random);
  for (const username of candidates) {
    const user: Omit<UserRecord, 'sessionEpoch'> = {
      id: context.random.uuid(),
      username,
      passwordHash: null,
      name: clip(profile.name, userFieldLimits.name),
      email: profile.emailVerified ? clip(profile.email, userFieldLimits.email) : null,
      isAdmin,
      createdAt: now,
    };
    const identity = newIdentity(profile, user.id, now, context.random);
    const outcome = await context.identities.createUserWithIdentity(user, identity);
    if (outcome === 'created') return { user: { ...user, sessionEpoch: 0 }, created: true, identity };
    // Another instance created this person at the same moment: sign in as the user it created.
    if (outcome === 'identity_taken') return signInUpstream(profile, context);
  }
  throw new Error('no free username for an upstream sign-in after several attempts');
}

/**
 * Usernames to try, best first: the verified email, the provider's login or preferred username, then the
 * provider and a random suffix. A name already taken (by a local user, or by someone else at another provider)
 * is never reused: the next candidate is tried, since sharing a username would be sharing an account.
 *
 * A username with an `@` comes from a verified email only. At many providers `preferred_username` is whatever the
 * person typed (Keycloak, Auth0, Entra's UPN in another tenant): as a username here, `boss@example.com` would be
 * shown on the pages and released as `preferred_username` to apps as if it were that address, and would take the
 * name from the person who owns it.
 */
function usernameCandidates(profile: UpstreamProfile, random: RandomSource): string[] {
  const usable = (value: string | null | undefined): string | undefined => {
    if (!value) return undefined;
    const name = normalizeUsername(value.trim());
    return validateUsername(name) === undefined && name.length <= userFieldLimits.username - 7 ? name : undefined;
  };
  const login = profile.username?.includes('@') ? null : profile.username;
  const preferred = [usable(profile.emailVerified ? profile.email : null), usable(login)].filter((name) => name !== undefined);
  const stem = preferred[0] ?? profile.provider;
  const suffix = () => random.token(6).toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 8);
  return [...new Set(preferred), `${stem}-${suffix()}`, `${stem}-${suffix()}`, `${stem}-${suffix()}`];
}

/** Applies the admin rule to a user who just signed in (see {@link signInUpstream}). */
async function withAdminRule(user: UserRecord, profile: UpstreamProfile, context: UpstreamAccountsContext): Promise<UserRecord> {
  if (ruleIsEmpty(context.rules.admins)) return user;
  const named = matchesRule(context.rules.admins, profile);
  const isAdmin = user.passwordHash === null ? named : user.isAdmin || named;
  if (isAdmin === user.isAdmin) return user;
  await context.users.setAdmin(user.id, isAdmin);
  return { ...user, isAdmin };
}

function ruleIsEmpty(rule: IdentityRule): boolean {
  return !rule.emailDomains?.length && !rule.emails?.length && rule.claim === undefined;
}

function newIdentity(profile: UpstreamProfile, userId: string, now: number, random: RandomSource): LinkedIdentity {
  return { id: random.uuid(), userId, provider: profile.provider, subject: profile.subject, ...profileOf(profile), createdAt: now, lastSignedInAt: now };
}

/** What is kept of a profile: the verified email only, and a name for the pages. */
function profileOf(profile: UpstreamProfile): { email: string | null; displayName: string | null } {
  return {
    email: profile.emailVerified ? clip(profile.email, userFieldLimits.email) : null,
    displayName: clip(profile.name ?? profile.username, userFieldLimits.name),
  };
}

function clip(value: string | null | undefined, max: number): string | null {
  if (value === null || value === undefined) return null;
  const trimmed = value.trim();
  return trimmed === '' ? null : [...trimmed].slice(0, max).join('');
}
