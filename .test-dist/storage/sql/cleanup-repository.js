import { SqliteAdapter, sql } from "kysely";
const collectableSources = ["dynamic", "iat", "software_statement", "cimd"];
const expiringKeys = { refresh_tokens: "token_digest", authorization_codes: "code_digest", revoked_access_tokens: "jti" };
const sweeps = [
  { reason: "unused", condition: neverAuthorized, index: "clients_never_used", order: "c.created_ms" },
  { reason: "idle", condition: neverUsedIdle, index: "clients_never_used", order: "c.created_ms" },
  { reason: "idle", condition: usedIdle, index: "clients_last_used_ms", order: "c.last_used_ms" }
];
function createCleanupRepository(db, guard) {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const candidates = (index) => sql`clients`.as(sqlite ? sql`c indexed by ${sql.raw(index)}` : sql`c`);
  const deleteWhere = async (trx, sweep, criteria, limit) => {
    if (limit <= 0) return [];
    const rows = await trx.deleteFrom("clients").where(
      "client_id",
      "in",
      (eb) => eb.selectFrom(candidates(sweep.index)).select("c.client_id").where((w) => w.and([sweep.condition(w, criteria), holdsNothingLive(w, criteria)])).orderBy(sweep.order).limit(limit)
    ).returning("client_id").execute();
    return rows.map((row) => ({ clientId: row.client_id, reason: sweep.reason }));
  };
  return {
    deleteExpired: (kind, before, limit) => guard(async () => {
      const key = expiringKeys[kind];
      const expired = db.selectFrom(kind).select(key).where("expires_ms", "<", before).orderBy("expires_ms").limit(limit);
      const result = await db.deleteFrom(kind).where(key, "in", expired).executeTakeFirst();
      return Number(result.numDeletedRows);
    }),
    deleteUnusedClients: (criteria, limit) => guard(
      () => db.transaction().execute(async (trx) => {
        const deleted = [];
        for (const sweep of sweeps) deleted.push(...await deleteWhere(trx, sweep, criteria, limit - deleted.length));
        return deleted;
      })
    )
  };
}
function neverAuthorized(eb, { unusedRegisteredBefore }) {
  return eb.and([
    eb("c.registration_source", "in", collectableSources),
    eb("c.last_used_ms", "is", null),
    eb("c.created_ms", "<", unusedRegisteredBefore),
    eb.not(eb.exists(eb.selectFrom("grants as g").select("g.id").whereRef("g.client_id", "=", "c.client_id")))
  ]);
}
function neverUsedIdle(eb, { idleSince }) {
  return eb.and([
    eb("c.registration_source", "in", collectableSources),
    eb("c.last_used_ms", "is", null),
    eb("c.created_ms", "<", idleSince),
    noGrantSince(eb, idleSince)
  ]);
}
function usedIdle(eb, { idleSince }) {
  return eb.and([eb("c.registration_source", "in", collectableSources), eb("c.last_used_ms", "<", idleSince), noGrantSince(eb, idleSince)]);
}
function noGrantSince(eb, since) {
  return eb.not(eb.exists(eb.selectFrom("grants as g").select("g.id").whereRef("g.client_id", "=", "c.client_id").where("g.created_ms", ">=", since)));
}
function holdsNothingLive(eb, { now, accessTokensIssuedAfter }) {
  return eb.and([
    eb.or([eb("c.last_used_ms", "is", null), eb("c.last_used_ms", "<=", accessTokensIssuedAfter)]),
    eb.not(
      eb.exists(
        eb.selectFrom("grants as g").select("g.id").whereRef("g.client_id", "=", "c.client_id").where("g.revoked_ms", "is", null).where(
          (g) => g.or([
            g("g.created_ms", ">", accessTokensIssuedAfter),
            g.exists(
              g.selectFrom("refresh_tokens as r").select("r.token_digest").whereRef("r.grant_id", "=", "g.id").where("r.used_ms", "is", null).where("r.expires_ms", ">", now)
            )
          ])
        )
      )
    ),
    // A code issued and not yet redeemed: the client is completing an authorization right now.
    eb.not(
      eb.exists(
        eb.selectFrom("authorization_codes as a").select("a.code_digest").whereRef("a.client_id", "=", "c.client_id").where("a.used_ms", "is", null).where("a.expires_ms", ">", now)
      )
    )
  ]);
}
export {
  createCleanupRepository
};
//# sourceMappingURL=cleanup-repository.js.map
