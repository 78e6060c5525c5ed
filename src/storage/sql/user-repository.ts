import type { Insertable, Kysely, Selectable } from 'kysely';
import type { UserRecord, UserStore } from '../../ports/users.js';
import { createBatchedLookup } from './postgres-token-statements.js';
import type { Database, UsersTable, Guard } from './schema.js';

/**
 * The {@link UserStore} over Kysely, for both dialects. `dialect` decides how booleans are written: SQLite has
 * no boolean type and its driver binds only numbers. With `postgresBatches` (PostgreSQL), concurrent reads by id
 * share one query (see `createBatchedLookup`): every code exchange with `openid` reads its user for the ID token,
 * and on PostgreSQL a query of its own took a pool connection and a round trip (socket writes were a fifth of the
 * code exchange's CPU in its profile).
 */
export function createUserRepository(
  db: Kysely<Database>,
  guard: Guard,
  dialect: 'sqlite' | 'postgres',
  postgresBatches?: { maxBatch: number; maxInFlight: number },
): UserStore {
  const findUserRow = postgresBatches
    ? createBatchedLookup<Selectable<UsersTable>>(db, guard, 'SELECT * FROM users WHERE id = ANY($1::text[])', 'id', postgresBatches)
    : (id: string) => guard(async () => db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst());
  return {
    createUser: (user) =>
      guard(async () => {
        const result = await db
          .insertInto('users')
          .values(userRow(user, dialect))
          .onConflict((c) => c.column('username').doNothing())
          .executeTakeFirst();
        return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
      }),
    findUserByUsername: (username) =>
      guard(async () => fromRow(await db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst())),
    findUserById: async (id) => fromRow(await findUserRow(id)),
    listUsers: () =>
      guard(async () => (await db.selectFrom('users').selectAll().orderBy('username').execute()).map((row) => fromRow(row)!)),
    setPasswordHash: (username, passwordHash) =>
      guard(async () => {
        const result = await db
          .updateTable('users')
          .set((eb) => ({ password_hash: passwordHash, session_epoch: eb('session_epoch', '+', 1) }))
          .where('username', '=', username)
          .executeTakeFirst();
        return result.numUpdatedRows === 1n;
      }),
    setAdmin: (userId, isAdmin) =>
      guard(async () => {
        await db
          .updateTable('users')
          .set({ is_admin: dialect === 'postgres' ? isAdmin : Number(isAdmin) })
          .where('id', '=', userId)
          .execute();
      }),
    endSessions: (userId) =>
      guard(async () => {
        await db.updateTable('users').set((eb) => ({ session_epoch: eb('session_epoch', '+', 1) })).where('id', '=', userId).execute();
      }),
    deleteUser: (username) =>
      guard(async () => (await db.deleteFrom('users').where('username', '=', username).executeTakeFirst()).numDeletedRows === 1n),
  };
}

/**
 * A new user's row (session epoch 0, the column's default). No local password is stored as '': the column is
 * NOT NULL since 0002, and '' is never a scrypt hash, so no password can match it.
 */
export function userRow(user: Omit<UserRecord, 'sessionEpoch'>, dialect: 'sqlite' | 'postgres'): Insertable<UsersTable> {
  return {
    id: user.id,
    username: user.username,
    password_hash: user.passwordHash ?? '',
    name: user.name,
    email: user.email,
    is_admin: dialect === 'postgres' ? user.isAdmin : Number(user.isAdmin),
    created_ms: user.createdAt,
  };
}

function fromRow(row: Selectable<UsersTable> | undefined): UserRecord | undefined {
  if (!row) return undefined;
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash === '' ? null : row.password_hash,
    name: row.name,
    email: row.email,
    isAdmin: Boolean(row.is_admin),
    createdAt: Number(row.created_ms),
    sessionEpoch: Number(row.session_epoch),
  };
}
