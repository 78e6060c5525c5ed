function createUserRepository(db, guard, dialect) {
  return {
    createUser: (user) => guard(async () => {
      const result = await db.insertInto("users").values(userRow(user, dialect)).onConflict((c) => c.column("username").doNothing()).executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
    }),
    findUserByUsername: (username) => guard(async () => fromRow(await db.selectFrom("users").selectAll().where("username", "=", username).executeTakeFirst())),
    findUserById: (id) => guard(async () => fromRow(await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst())),
    listUsers: () => guard(async () => (await db.selectFrom("users").selectAll().orderBy("username").execute()).map((row) => fromRow(row))),
    setPasswordHash: (username, passwordHash) => guard(async () => {
      const result = await db.updateTable("users").set((eb) => ({ password_hash: passwordHash, session_epoch: eb("session_epoch", "+", 1) })).where("username", "=", username).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    }),
    setAdmin: (userId, isAdmin) => guard(async () => {
      await db.updateTable("users").set({ is_admin: dialect === "postgres" ? isAdmin : Number(isAdmin) }).where("id", "=", userId).execute();
    }),
    endSessions: (userId) => guard(async () => {
      await db.updateTable("users").set((eb) => ({ session_epoch: eb("session_epoch", "+", 1) })).where("id", "=", userId).execute();
    }),
    deleteUser: (username) => guard(async () => (await db.deleteFrom("users").where("username", "=", username).executeTakeFirst()).numDeletedRows === 1n)
  };
}
function userRow(user, dialect) {
  return {
    id: user.id,
    username: user.username,
    password_hash: user.passwordHash ?? "",
    name: user.name,
    email: user.email,
    is_admin: dialect === "postgres" ? user.isAdmin : Number(user.isAdmin),
    created_ms: user.createdAt
  };
}
function fromRow(row) {
  if (!row) return void 0;
  return {
    id: row.id,
    username: row.username,
    passwordHash: row.password_hash === "" ? null : row.password_hash,
    name: row.name,
    email: row.email,
    isAdmin: Boolean(row.is_admin),
    createdAt: Number(row.created_ms),
    sessionEpoch: Number(row.session_epoch)
  };
}
export {
  createUserRepository,
  userRow
};
//# sourceMappingURL=user-repository.js.map
