import { spendInitialAccessToken } from "./client-repository.js";
function createInitialAccessTokenRepository(db, guard) {
  return {
    createInitialAccessToken: (record) => guard(async () => {
      await db.insertInto("initial_access_tokens").values({
        id: record.id,
        token_digest: record.tokenDigest,
        description: record.description,
        policy: record.policy,
        max_uses: record.maxUses,
        uses: record.uses,
        created_ms: record.createdAt,
        expires_ms: record.expiresAt,
        revoked_ms: record.revokedAt
      }).execute();
    }),
    listInitialAccessTokens: () => guard(async () => {
      const rows = await db.selectFrom("initial_access_tokens").selectAll().orderBy("created_ms", "desc").orderBy("id").execute();
      return rows.map(fromRow);
    }),
    findInitialAccessToken: (tokenDigest) => guard(async () => {
      const row = await db.selectFrom("initial_access_tokens").selectAll().where("token_digest", "=", tokenDigest).executeTakeFirst();
      return row && fromRow(row);
    }),
    revokeInitialAccessToken: (id, now) => guard(async () => {
      const result = await db.updateTable("initial_access_tokens").set({ revoked_ms: now }).where("id", "=", id).where("revoked_ms", "is", null).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    }),
    useInitialAccessToken: (tokenDigest, now) => guard(async () => {
      const row = await spendInitialAccessToken(db, { tokenDigest, now }).returningAll().executeTakeFirst();
      return row && fromRow(row);
    })
  };
}
function fromRow(row) {
  return {
    id: row.id,
    tokenDigest: row.token_digest,
    description: row.description,
    policy: row.policy,
    maxUses: row.max_uses === null ? null : Number(row.max_uses),
    uses: Number(row.uses),
    createdAt: Number(row.created_ms),
    expiresAt: row.expires_ms === null ? null : Number(row.expires_ms),
    revokedAt: row.revoked_ms === null ? null : Number(row.revoked_ms)
  };
}
export {
  createInitialAccessTokenRepository
};
//# sourceMappingURL=initial-access-token-repository.js.map
