/** A local user account. */
export interface UserRecord {
  id: string;
  username: string;
  /**
   * scrypt, as `scrypt$<N>$<r>$<p>$<salt>$<hash>` (base64url); null when the user has no local password (created by
   * an upstream sign-in): no password signs them in.
   */
  passwordHash: string | null;
  name: string | null;
  email: string | null;
  isAdmin: boolean;
  /** Milliseconds since the epoch. */
  createdAt: number;
  /**
   * Session cookies carry it and are honoured only while it is unchanged: raising it ends every session of
   * the user at once (see {@link UserStore.endSessions}). 0 for a new user.
   */
  sessionEpoch: number;
}

/** Local user accounts. */
export interface UserStore {
  /** Adds a user (with session epoch 0); resolves `false` (and changes nothing) when the username is taken. */
  createUser(user: Omit<UserRecord, 'sessionEpoch'>): Promise<boolean>;
  findUserByUsername(username: string): Promise<UserRecord | undefined>;
  findUserById(id: string): Promise<UserRecord | undefined>;
  /** Every user, by username. */
  listUsers(): Promise<UserRecord[]>;
  /** Resolves `false` when there is no such user. A new password also ends the user's sessions. */
  setPasswordHash(username: string, passwordHash: string): Promise<boolean>;
  /** Makes the user an administrator or not (an upstream sign-in's admin rule, a host app's answer). */
  setAdmin(userId: string, isAdmin: boolean): Promise<void>;
  /** Ends every session of the user (raises {@link UserRecord.sessionEpoch}). */
  endSessions(userId: string): Promise<void>;
  /** Deletes a user and, through the schema, their consents, grants, codes and linked identities; `false` when there was none. */
  deleteUser(username: string): Promise<boolean>;
}
