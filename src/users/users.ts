import type { UserRecord, UserStore } from '../ports/users.js';
import { dummyVerify, hashPassword, passwordNeedsRehash, validateNewPassword, verifyPassword } from './password.js';

/** Why a user operation was refused; `switch (error.code)` narrows. */
export type UserErrorCode = 'invalid_username' | 'invalid_password' | 'invalid_profile' | 'username_taken' | 'unknown_user';

/** A user operation refused for a reason the caller can state (the message is meant for the operator). */
export class UserError extends Error {
  constructor(
    readonly code: UserErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

/** The longest username, display name and email address accepted. */
export const userFieldLimits = Object.freeze({ username: 64, name: 200, email: 254 });

/**
 * The canonical form of a username: lower case. Usernames are ASCII only (see {@link validateUsername}), so
 * lower-casing is exact, and `Alice` and `alice` are one account, one login throttle counter, and cannot be
 * registered as two look-alike users.
 */
export function normalizeUsername(username: string): string {
  return username.toLowerCase();
}

/**
 * Why `username` cannot be a username, or `undefined` when it can: 1–64 ASCII letters, digits and `. _ - @`.
 * ASCII only so that no two usernames look alike (no Cyrillic `а` for a Latin `a`), and so that a username is
 * safe in logs, URLs and the throttle key without escaping.
 */
export function validateUsername(username: string): string | undefined {
  if (username.length === 0) return 'The username is empty.';
  if (username.length > userFieldLimits.username) return `The username is too long: it may have at most ${userFieldLimits.username} characters.`;
  if (!/^[A-Za-z0-9._@-]+$/.test(username)) return 'The username may only contain letters a–z, digits and the characters . _ - @.';
  return undefined;
}

export interface NewUser {
  username: string;
  password: string;
  isAdmin?: boolean | undefined;
  name?: string | undefined;
  email?: string | undefined;
}

/**
 * Validates and creates a local user: the username is normalised ({@link normalizeUsername}) and the password
 * stored only as a scrypt hash. Throws {@link UserError} (`invalid_username`, `invalid_password`,
 * `invalid_profile`, `username_taken`).
 */
export async function createUser(store: UserStore, input: NewUser, deps: { now: number; newId: () => string }): Promise<UserRecord> {
  const usernameProblem = validateUsername(input.username);
  if (usernameProblem) throw new UserError('invalid_username', usernameProblem);
  const username = normalizeUsername(input.username);
  const passwordProblem = validateNewPassword(input.password);
  if (passwordProblem) throw new UserError('invalid_password', passwordProblem);
  const name = optionalField('name', input.name, userFieldLimits.name);
  const email = optionalField('email', input.email, userFieldLimits.email);
  if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UserError('invalid_profile', `The email address ${JSON.stringify(email)} is not valid.`);

  // Checked before hashing only to fail fast; the store's unique constraint is what decides under concurrency.
  if (await store.findUserByUsername(username)) throw taken(username);
  const user: UserRecord = {
    id: deps.newId(),
    username,
    passwordHash: await hashPassword(input.password),
    name,
    email,
    isAdmin: input.isAdmin ?? false,
    createdAt: deps.now,
    sessionEpoch: 0,
  };
  if (!(await store.createUser(user))) throw taken(username);
  return user;
}

/** Replaces a user's password. Throws {@link UserError} (`invalid_password`, `unknown_user`). */
export async function setUserPassword(store: UserStore, username: string, password: string): Promise<void> {
  const problem = validateNewPassword(password);
  if (problem) throw new UserError('invalid_password', problem);
  const passwordHash = await hashPassword(password);
  if (!(await store.setPasswordHash(normalizeUsername(username), passwordHash))) throw unknown(username);
}

/** Deletes a user (and, through the schema, their consents, grants and linked identities). Throws {@link UserError} (`unknown_user`). */
export async function removeUser(store: UserStore, username: string): Promise<void> {
  if (!(await store.deleteUser(normalizeUsername(username)))) throw unknown(username);
}

/**
 * The user whose username and password these are, or `undefined`. An unknown (or malformed) username costs one
 * scrypt like a wrong password ({@link dummyVerify}), so the response time does not reveal which usernames
 * exist; so does a user without a local password (one created by an upstream sign-in), whom no password signs
 * in, so that the time does not tell them apart from users with one either. A correct password stored with old
 * scrypt parameters is re-hashed with the current ones.
 *
 * This does not throttle: callers check the login throttle first and record the outcome after.
 */
export async function authenticate(store: UserStore, username: string, password: string): Promise<UserRecord | undefined> {
  const user = validateUsername(username) === undefined ? await store.findUserByUsername(normalizeUsername(username)) : undefined;
  if (!user || user.passwordHash === null) return dummyVerify(password).then(() => undefined);
  if (!(await verifyPassword(password, user.passwordHash))) return undefined;
  if (passwordNeedsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(password);
    await store.setPasswordHash(user.username, passwordHash);
    return { ...user, passwordHash };
  }
  return user;
}

function optionalField(field: 'name' | 'email', value: string | undefined, max: number): string | null {
  if (value === undefined) return null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  if ([...trimmed].length > max) throw new UserError('invalid_profile', `The ${field} is too long: it may have at most ${max} characters.`);
  return trimmed;
}

function taken(username: string): UserError {
  return new UserError('username_taken', `A user named ${JSON.stringify(username)} already exists.`);
}

function unknown(username: string): UserError {
  return new UserError('unknown_user', `There is no user named ${JSON.stringify(normalizeUsername(username))}.`);
}
