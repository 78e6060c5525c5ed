import type { Clock, RandomSource } from '../ports/clock.js';
import type { IdentityStore } from '../ports/identities.js';
import type { UserRecord, UserStore } from '../ports/users.js';
import { normalizeUsername, userFieldLimits, validateUsername } from './users.js';

/** The provider id under which a host app's users are linked (reserved: no configured provider may take it). */
export const hostProvider = 'host';

/** Who the host app says is signed in (its `authenticate` hook's answer). */
export interface HostUser {
  /** The host's stable id of the user: they are linked by it, so it must never be reused for another person. */
  id: string;
  /** A username to show and to create the account under; by default the email, else `host-<id>`. */
  username?: string | undefined;
  name?: string | undefined;
  email?: string | undefined;
  /** Whether they administer Latchkey (its dashboard); the host decides at every request. Default false. */
  isAdmin?: boolean | undefined;
  /** When they signed in at the host (milliseconds), for `auth_time`; by default the time of the request (the host vouches for the user now). */
  authTime?: number | undefined;
}

/**
 * The Latchkey user of a host app's user: found by the host's id (linked as provider `host`), created at the first
 * request that names them. The host is the authority on who they are: their name, email and administrator flag
 * follow what the hook says now. Never matched by email or username.
 */
export async function userOfHost(
  hostUser: HostUser,
  context: { users: UserStore; identities: IdentityStore; clock: Clock; random: RandomSource },
): Promise<UserRecord> {
  const subject = String(hostUser.id);
  if (subject === '' || subject.length > 255) throw new TypeError('authenticate() returned a user whose id is empty or longer than 255 characters');
  const profile = { email: clip(hostUser.email, userFieldLimits.email), displayName: clip(hostUser.name, userFieldLimits.name) };
  const isAdmin = hostUser.isAdmin === true;
  for (let attempt = 0; attempt < 4; attempt++) {
    const found = await context.identities.findIdentity(hostProvider, subject);
    if (found) {
      const user = await context.users.findUserById(found.userId);
      if (!user) continue;
      if (user.isAdmin !== isAdmin) await context.users.setAdmin(user.id, isAdmin);
      if (found.email !== profile.email || found.displayName !== profile.displayName) {
        await context.identities.recordSignIn(found.id, context.clock.now(), profile);
      }
      return { ...user, isAdmin };
    }
    const now = context.clock.now();
    const user: Omit<UserRecord, 'sessionEpoch'> = {
      id: context.random.uuid(),
      username: usernameFor(hostUser, subject, attempt, context.random),
      passwordHash: null,
      name: profile.displayName,
      email: profile.email,
      isAdmin,
      createdAt: now,
    };
    const identity = { id: context.random.uuid(), userId: user.id, provider: hostProvider, subject, ...profile, createdAt: now, lastSignedInAt: now };
    const outcome = await context.identities.createUserWithIdentity(user, identity);
    if (outcome === 'created') return { ...user, sessionEpoch: 0 };
    // identity_taken: another request created them meanwhile (found on the next turn); username_taken: next name.
  }
  throw new Error(`could not create a user for the host app's user ${JSON.stringify(subject)}`);
}

function usernameFor(hostUser: HostUser, subject: string, attempt: number, random: RandomSource): string {
  const candidates = [hostUser.username, hostUser.email, `host-${subject}`].map((value) => (value === undefined ? undefined : normalizeUsername(value.trim())));
  const base = candidates.find((name) => name !== undefined && validateUsername(name) === undefined && name.length <= userFieldLimits.username - 7) ?? 'host';
  return attempt === 0 ? base : `${base}-${random.token(6).toLowerCase().replace(/[^a-z0-9]/g, '0').slice(0, 6)}`;
}

function clip(value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  const trimmed = String(value).trim();
  return trimmed === '' ? null : [...trimmed].slice(0, max).join('');
}
