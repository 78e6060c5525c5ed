import { createTransactionBatcher } from "./transaction-batcher.js";
import { compileOnce } from "./compiled-query.js";
function createCodeRepository(db, guard) {
  const findCodeQuery = compileOnce([marker.s1], (digest) => db.selectFrom("authorization_codes").selectAll().where("code_digest", "=", digest));
  return {
    insertCode: (code) => guard(async () => {
      await db.insertInto("authorization_codes").values({
        code_digest: code.codeDigest,
        client_id: code.clientId,
        user_id: code.userId,
        redirect_uri: code.redirectUri,
        code_challenge: code.codeChallenge,
        scope: code.scope,
        resource: code.resource,
        nonce: code.nonce,
        auth_time_ms: code.authTime,
        expires_ms: code.expiresAt
      }).execute();
    }),
    findCode: (codeDigest) => guard(async () => {
      const row = (await findCodeQuery(db, codeDigest)).rows[0];
      return row && { code: codeFromRow(row), usedAt: row.used_ms === null ? null : Number(row.used_ms), grantId: row.grant_id };
    })
  };
}
function createGrantRepository(db, guard, batcher = createTransactionBatcher(db, guard, { maxBatch: 200, maxInFlight: 1 })) {
  const findGrant = async (id) => {
    const row = await db.selectFrom("grants").selectAll().where("id", "=", id).executeTakeFirst();
    return row && grantFromRow(row);
  };
  const hot = hotQueries(db);
  return {
    createGrant: (grant, refreshToken, fromCodeDigest) => guard(
      () => db.transaction().execute(async (trx) => {
        await trx.insertInto("grants").values(grantRow(grant)).execute();
        if (refreshToken) await trx.insertInto("refresh_tokens").values(refreshTokenRow(refreshToken)).execute();
        if (fromCodeDigest) {
          await trx.updateTable("authorization_codes").set({ grant_id: grant.id }).where("code_digest", "=", fromCodeDigest).execute();
        }
      })
    ),
    drain: () => batcher.drain(),
    redeemCode: (codeDigest, now, grant, refreshToken) => batcher.run(async (trx) => {
      const consumed = await hot.consumeCode(trx, now, grant.id, codeDigest);
      if (consumed.numAffectedRows !== 1n) return false;
      await hot.insertGrant(trx, ...grantValues(grant));
      if (refreshToken) await hot.insertRefreshToken(trx, ...refreshTokenValues(refreshToken, 0));
      return true;
    }),
    findGrant: (id) => guard(() => findGrant(id)),
    revokeGrant: (id, now) => guard(async () => {
      const result = await db.updateTable("grants").set({ revoked_ms: now }).where("id", "=", id).where("revoked_ms", "is", null).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    }),
    rotateRefreshToken: (tokenDigest, next, now, reuseGraceMs = 0) => batcher.run(async (trx) => {
      const used = (await hot.useRefreshToken(trx, now, tokenDigest)).rows[0];
      const token = used ?? await trx.selectFrom("refresh_tokens").selectAll().where("token_digest", "=", tokenDigest).executeTakeFirst();
      if (!token) return { status: "unknown" };
      const grantRow2 = (await hot.selectGrant(trx, token.grant_id)).rows[0];
      if (!grantRow2) throw new Error(`refresh token of a missing grant ${token.grant_id}`);
      const result = { token: refreshTokenFromRow(token), grant: grantFromRow(grantRow2) };
      const generation = Number(token.generation) + 1;
      if (used) {
        if (Number(grantRow2.branched) !== 0) {
          await trx.updateTable("refresh_tokens").set({ used_ms: now }).where("grant_id", "=", token.grant_id).where("used_ms", "is", null).execute();
          await trx.updateTable("grants").set({ branched: 0 }).where("id", "=", token.grant_id).execute();
        }
        await hot.insertRefreshToken(trx, ...refreshTokenValues(next, generation));
        return { status: "rotated", ...result };
      }
      if (!withinGrace(token.used_ms, now, reuseGraceMs) || grantRow2.revoked_ms !== null) return { status: "reused", ...result };
      const newest = await trx.selectFrom("refresh_tokens").select((eb) => eb.fn.max("generation").as("g")).where("grant_id", "=", token.grant_id).executeTakeFirstOrThrow();
      if (Number(newest.g) !== generation) return { status: "reused", ...result };
      await trx.updateTable("grants").set({ branched: 1 }).where("id", "=", token.grant_id).execute();
      await trx.insertInto("refresh_tokens").values({ ...refreshTokenRow(next), generation }).execute();
      return { status: "reissued", ...result };
    }),
    // The token and its grant in one query (the token endpoint, introspection and revocation need both).
    findRefreshToken: (tokenDigest) => guard(async () => {
      const row = (await hot.findRefreshToken(db, tokenDigest)).rows[0];
      if (!row) return void 0;
      const { token_digest, token_scope, token_created_ms, expires_ms, used_ms, generation, ...grant } = row;
      const token = { token_digest, grant_id: grant.id, scope: token_scope, created_ms: token_created_ms, expires_ms, used_ms, generation };
      return { token: refreshTokenFromRow(token), used: used_ms !== null, grant: grantFromRow(grant) };
    }),
    listClientGrants: (clientId, now, limit) => guard(async () => {
      const rows = await db.selectFrom("grants as g").leftJoin("users as u", "u.id", "g.user_id").selectAll("g").select("u.username").select((eb) => [
        eb.selectFrom("refresh_tokens as r").whereRef("r.grant_id", "=", "g.id").select((r) => r.fn.max("r.created_ms").as("m")).as("last_refreshed_ms"),
        eb.exists(
          eb.selectFrom("refresh_tokens as r").select("r.token_digest").whereRef("r.grant_id", "=", "g.id").where("r.used_ms", "is", null).where("r.expires_ms", ">", now)
        ).as("has_live_token")
      ]).where("g.client_id", "=", clientId).orderBy("g.created_ms", "desc").orderBy("g.id", "desc").limit(limit).execute();
      return rows.map(({ username, last_refreshed_ms, has_live_token, ...row }) => {
        const grant = grantFromRow(row);
        return {
          ...grant,
          username,
          lastRefreshedAt: last_refreshed_ms === null ? null : Number(last_refreshed_ms),
          // EXISTS is 0/1 on SQLite, a boolean on PostgreSQL.
          refreshable: grant.revokedAt === null && Boolean(has_live_token)
        };
      });
    })
  };
}
function withinGrace(usedMs, now, reuseGraceMs) {
  return reuseGraceMs > 0 && usedMs !== null && now < Number(usedMs) + reuseGraceMs;
}
function grantRow(grant) {
  return {
    id: grant.id,
    client_id: grant.clientId,
    user_id: grant.userId,
    scope: grant.scope,
    resource: grant.resource,
    auth_time_ms: grant.authTime,
    created_ms: grant.createdAt,
    revoked_ms: grant.revokedAt,
    dpop_jkt: grant.dpopJkt ?? null
  };
}
function refreshTokenRow(token) {
  return {
    token_digest: token.tokenDigest,
    grant_id: token.grantId,
    scope: token.scope,
    created_ms: token.createdAt,
    expires_ms: token.expiresAt
  };
}
function codeFromRow(row) {
  return {
    codeDigest: row.code_digest,
    clientId: row.client_id,
    userId: row.user_id,
    redirectUri: row.redirect_uri,
    codeChallenge: row.code_challenge,
    scope: row.scope,
    resource: row.resource,
    nonce: row.nonce,
    authTime: Number(row.auth_time_ms),
    expiresAt: Number(row.expires_ms)
  };
}
function grantFromRow(row) {
  return {
    id: row.id,
    clientId: row.client_id,
    userId: row.user_id,
    scope: row.scope,
    resource: row.resource,
    authTime: row.auth_time_ms === null ? null : Number(row.auth_time_ms),
    createdAt: Number(row.created_ms),
    revokedAt: row.revoked_ms === null ? null : Number(row.revoked_ms),
    // Left out when unbound, as most grants are, so a grant reads back as it was created.
    ...row.dpop_jkt === null ? {} : { dpopJkt: row.dpop_jkt }
  };
}
function refreshTokenFromRow(row) {
  return {
    tokenDigest: row.token_digest,
    grantId: row.grant_id,
    scope: row.scope,
    createdAt: Number(row.created_ms),
    expiresAt: Number(row.expires_ms)
  };
}
const marker = {
  s1: "\0s1",
  s2: "\0s2",
  s3: "\0s3",
  s4: "\0s4",
  s5: "\0s5",
  s6: "\0s6",
  n1: -125e-303,
  n2: -225e-303,
  n3: -325e-303
};
function hotQueries(db) {
  const { s1, s2, s3, s4, s5, s6, n1, n2, n3 } = marker;
  return {
    // The token and its grant in one query (the token endpoint, introspection and revocation need both).
    findRefreshToken: compileOnce(
      [s1],
      (digest) => db.selectFrom("refresh_tokens as r").innerJoin("grants as g", "g.id", "r.grant_id").selectAll("g").select(["r.token_digest", "r.scope as token_scope", "r.created_ms as token_created_ms", "r.expires_ms", "r.used_ms", "r.generation"]).where("r.token_digest", "=", digest)
    ),
    // The conditional update decides which of concurrent rotations wins.
    useRefreshToken: compileOnce(
      [n1, s1],
      (now, digest) => db.updateTable("refresh_tokens").set({ used_ms: now }).where("token_digest", "=", digest).where("used_ms", "is", null).returningAll()
    ),
    selectGrant: compileOnce([s1], (id) => db.selectFrom("grants").selectAll().where("id", "=", id)),
    // The conditional update decides which of concurrent redemptions wins; the losers write nothing.
    consumeCode: compileOnce(
      [n1, s1, s2],
      (now, grantId, digest) => db.updateTable("authorization_codes").set({ used_ms: now, grant_id: grantId }).where("code_digest", "=", digest).where("used_ms", "is", null)
    ),
    insertRefreshToken: compileOnce(
      [s1, s2, s3, n1, n2, n3],
      (digest, grantId, scope, created, expires, generation) => db.insertInto("refresh_tokens").values({ token_digest: digest, grant_id: grantId, scope, created_ms: created, expires_ms: expires, generation })
    ),
    insertGrant: compileOnce(
      [s1, s2, s3, s4, s5, n1, n2, n3, s6],
      (id, clientId, userId, scope, resource, authTime, created, revoked, jkt) => db.insertInto("grants").values({ id, client_id: clientId, user_id: userId, scope, resource, auth_time_ms: authTime, created_ms: created, revoked_ms: revoked, dpop_jkt: jkt })
    )
  };
}
function grantValues(grant) {
  const row = grantRow(grant);
  return [row.id, row.client_id, row.user_id, row.scope, row.resource, row.auth_time_ms, row.created_ms, row.revoked_ms, row.dpop_jkt];
}
function refreshTokenValues(token, generation) {
  return [token.tokenDigest, token.grantId, token.scope, token.createdAt, token.expiresAt, generation];
}
export {
  createCodeRepository,
  createGrantRepository
};
//# sourceMappingURL=grant-repository.js.map
