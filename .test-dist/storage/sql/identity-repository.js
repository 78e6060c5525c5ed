import { userRow } from "./user-repository.js";
const idsPerQuery = 500;
class IdentityTaken extends Error {
}
function createIdentityRepository(db, guard, dialect) {
  const insertIdentity = async (trx, identity) => {
    const result = await trx.insertInto("user_identities").values(identityRow(identity)).onConflict((c) => c.columns(["provider", "subject"]).doNothing()).executeTakeFirst();
    return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
  };
  const findIdentity = async (trx, provider, subject) => {
    const row = await trx.selectFrom("user_identities").selectAll().where("provider", "=", provider).where("subject", "=", subject).executeTakeFirst();
    return row && fromRow(row);
  };
  return {
    findIdentity: (provider, subject) => guard(() => findIdentity(db, provider, subject)),
    // A user deleted meanwhile fails the foreign key: that rejects, as it is no "linked already".
    linkIdentity: (identity) => guard(() => insertIdentity(db, identity)),
    createUserWithIdentity: (user, identity) => {
      if (identity.userId !== user.id) return Promise.reject(new Error("createUserWithIdentity: the identity must belong to the new user"));
      return guard(async () => {
        try {
          return await db.transaction().execute(async (trx) => {
            const created = await trx.insertInto("users").values(userRow(user, dialect)).onConflict((c) => c.column("username").doNothing()).executeTakeFirst();
            if ((created.numInsertedOrUpdatedRows ?? 0n) !== 1n) {
              return await findIdentity(trx, identity.provider, identity.subject) ? "identity_taken" : "username_taken";
            }
            if (!await insertIdentity(trx, identity)) throw new IdentityTaken();
            return "created";
          });
        } catch (error) {
          if (error instanceof IdentityTaken) return "identity_taken";
          throw error;
        }
      });
    },
    listIdentities: (userId) => guard(async () => {
      const rows = await db.selectFrom("user_identities").selectAll().where("user_id", "=", userId).execute();
      return rows.map(fromRow).sort(byProviderThenAge);
    }),
    listIdentitiesOf: (userIds) => guard(async () => {
      const byUser = /* @__PURE__ */ new Map();
      const ids = [...new Set(userIds)];
      for (let start = 0; start < ids.length; start += idsPerQuery) {
        const rows = await db.selectFrom("user_identities").selectAll().where("user_id", "in", ids.slice(start, start + idsPerQuery)).execute();
        for (const identity of rows.map(fromRow)) {
          const list = byUser.get(identity.userId);
          if (list) list.push(identity);
          else byUser.set(identity.userId, [identity]);
        }
      }
      for (const list of byUser.values()) list.sort(byProviderThenAge);
      return byUser;
    }),
    unlinkIdentity: (userId, identityId) => guard(async () => {
      const result = await db.deleteFrom("user_identities").where("id", "=", identityId).where("user_id", "=", userId).executeTakeFirst();
      return result.numDeletedRows === 1n;
    }),
    recordSignIn: (identityId, at, profile) => guard(async () => {
      await db.updateTable("user_identities").set({ email: profile.email, display_name: profile.displayName, last_sign_in_ms: at }).where("id", "=", identityId).execute();
    })
  };
}
function byProviderThenAge(a, b) {
  if (a.provider !== b.provider) return a.provider < b.provider ? -1 : 1;
  if (a.createdAt !== b.createdAt) return a.createdAt - b.createdAt;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
function identityRow(identity) {
  return {
    id: identity.id,
    user_id: identity.userId,
    provider: identity.provider,
    subject: identity.subject,
    email: identity.email,
    display_name: identity.displayName,
    created_ms: identity.createdAt,
    last_sign_in_ms: identity.lastSignedInAt
  };
}
function fromRow(row) {
  return {
    id: row.id,
    userId: row.user_id,
    provider: row.provider,
    subject: row.subject,
    email: row.email,
    displayName: row.display_name,
    createdAt: Number(row.created_ms),
    lastSignedInAt: row.last_sign_in_ms === null ? null : Number(row.last_sign_in_ms)
  };
}
export {
  createIdentityRepository
};
//# sourceMappingURL=identity-repository.js.map
