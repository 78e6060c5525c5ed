import { parseMetadata } from "./client-repository.js";
function createConsentRepository(db, guard) {
  return {
    findConsent: (userId, clientId) => guard(async () => {
      const row = await db.selectFrom("consents").select(["scope", "resources", "client_fingerprint"]).where("user_id", "=", userId).where("client_id", "=", clientId).executeTakeFirst();
      return row && { scope: row.scope, resources: parseResources(row.resources), clientFingerprint: row.client_fingerprint };
    }),
    saveConsent: (userId, clientId, consent, now) => guard(async () => {
      const values = { scope: consent.scope, resources: JSON.stringify(consent.resources), client_fingerprint: consent.clientFingerprint };
      await db.insertInto("consents").values({ user_id: userId, client_id: clientId, ...values, created_ms: now, updated_ms: now }).onConflict((c) => c.columns(["user_id", "client_id"]).doUpdateSet({ ...values, updated_ms: now })).execute();
    }),
    deleteConsent: (userId, clientId) => guard(async () => {
      const result = await db.deleteFrom("consents").where("user_id", "=", userId).where("client_id", "=", clientId).executeTakeFirst();
      return result.numDeletedRows === 1n;
    }),
    listConnectedApps: (userId) => guard(async () => {
      const rows = await db.selectFrom("consents as c").innerJoin("clients as k", "k.client_id", "c.client_id").select(["c.client_id", "c.scope", "c.created_ms", "c.updated_ms", "k.metadata", "k.registration_source"]).select((eb) => [
        eb.selectFrom("grants as g").whereRef("g.user_id", "=", "c.user_id").whereRef("g.client_id", "=", "c.client_id").select((g) => g.fn.max("g.created_ms").as("m")).as("last_grant_ms"),
        eb.selectFrom("grants as g").innerJoin("refresh_tokens as r", "r.grant_id", "g.id").whereRef("g.user_id", "=", "c.user_id").whereRef("g.client_id", "=", "c.client_id").select((g) => g.fn.max("r.created_ms").as("m")).as("last_refresh_ms")
      ]).where("c.user_id", "=", userId).orderBy("c.created_ms", "desc").orderBy("c.client_id").execute();
      return rows.map((row) => {
        const metadata = parseMetadata(row.metadata);
        const times = [row.updated_ms, row.last_grant_ms, row.last_refresh_ms].filter((t) => t !== null).map(Number);
        return {
          clientId: row.client_id,
          clientName: metadata.client_name ?? null,
          redirectUris: metadata.redirect_uris ?? [],
          registrationSource: row.registration_source,
          scope: row.scope,
          grantedAt: Number(row.created_ms),
          lastUsedAt: times.length > 0 ? Math.max(...times) : null
        };
      });
    }),
    revokeConnectedApp: (userId, clientId, now) => guard(
      () => db.transaction().execute(async (trx) => {
        const consent = await trx.deleteFrom("consents").where("user_id", "=", userId).where("client_id", "=", clientId).executeTakeFirst();
        await trx.updateTable("authorization_codes").set({ used_ms: now }).where("user_id", "=", userId).where("client_id", "=", clientId).where("used_ms", "is", null).execute();
        const grants = await trx.updateTable("grants").set({ revoked_ms: now }).where("user_id", "=", userId).where("client_id", "=", clientId).where("revoked_ms", "is", null).executeTakeFirst();
        const grantsRevoked = Number(grants.numUpdatedRows);
        return consent.numDeletedRows === 0n && grantsRevoked === 0 ? false : { grantsRevoked };
      })
    )
  };
}
function createRevokedAccessTokenRepository(db, guard) {
  return {
    revokeAccessToken: (jti, expiresAt) => guard(async () => {
      await db.insertInto("revoked_access_tokens").values({ jti, expires_ms: expiresAt }).onConflict((c) => c.column("jti").doNothing()).execute();
    }),
    isAccessTokenRevoked: (jti) => guard(async () => await db.selectFrom("revoked_access_tokens").select("jti").where("jti", "=", jti).executeTakeFirst() !== void 0)
  };
}
function parseResources(text) {
  if (text === "") return {};
  const parsed = JSON.parse(text);
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return {};
  return Object.fromEntries(Object.entries(parsed).filter((entry) => typeof entry[1] === "string"));
}
export {
  createConsentRepository,
  createRevokedAccessTokenRepository
};
//# sourceMappingURL=consent-repository.js.map
