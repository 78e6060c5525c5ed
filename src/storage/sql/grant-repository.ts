import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { sealedRefreshTokenKeyLength, type AuthorizationCodeRecord, type AuthorizationCodeStore, type GrantRecord, type GrantStore, type RefreshTokenRecord } from '../../ports/grants.js';
import type { AuthorizationCodesTable, Database, GrantsTable, RefreshTokensTable, Guard } from './schema.js';
import { createTransactionBatcher, type TransactionBatcher } from './transaction-batcher.js';
import { compileOnce, marker } from './compiled-query.js';
import { createBatchedLookup, createPostgresTokenWrites } from './postgres-token-statements.js';

/** The {@link AuthorizationCodeStore} over Kysely; redemption is in the grant repository, with the grant it creates. */
export function createCodeRepository(
  db: Kysely<Database>,
  guard: Guard,
  postgresBatches?: { maxBatch: number; maxInFlight: number },
): AuthorizationCodeStore {
  const findCodeQuery = compileOnce([marker.s1] as const, (digest: string) => db.selectFrom('authorization_codes').selectAll().where('code_digest', '=', digest));
  // On PostgreSQL concurrent lookups share one query (see createBatchedLookup).
  const findCodeRow = postgresBatches
    ? createBatchedLookup<Selectable<AuthorizationCodesTable>>(db, guard, 'SELECT * FROM authorization_codes WHERE code_digest = ANY($1::text[])', 'code_digest', postgresBatches)
    : (digest: string) => guard(async () => (await findCodeQuery(db, digest)).rows[0]);
  return {
    insertCode: (code) =>
      guard(async () => {
        await db
          .insertInto('authorization_codes')
          .values({
            code_digest: code.codeDigest,
            client_id: code.clientId,
            user_id: code.userId,
            redirect_uri: code.redirectUri,
            code_challenge: code.codeChallenge,
            scope: code.scope,
            resource: code.resource,
            nonce: code.nonce,
            auth_time_ms: code.authTime,
            expires_ms: code.expiresAt,
          })
          .execute();
      }),
    findCode: async (codeDigest) => {
      const row = await findCodeRow(codeDigest);
      return row && { code: codeFromRow(row), usedAt: row.used_ms === null ? null : Number(row.used_ms), grantId: row.grant_id };
    },
  };
}

/**
 * The {@link GrantStore} over Kysely. Code redemptions and refresh token rotations share transactions through
 * `batcher` (group commit), so that concurrent token requests cost one commit, not one each.
 *
 * With `postgresBatches` (PostgreSQL only), a batch of code redemptions, or of common rotations, is one statement
 * instead (see {@link createPostgresTokenWrites}): one round trip for the whole batch, where a transaction of units
 * costs several per unit, in turn. The rotations it leaves (unknown, used, of a branched grant) take the general
 * path through `batcher`.
 */
export function createGrantRepository(
  db: Kysely<Database>,
  guard: Guard,
  batcher: TransactionBatcher = createTransactionBatcher(db, guard, { maxBatch: 200, maxInFlight: 1 }),
  postgresBatches?: { maxBatch: number; maxInFlight: number },
): GrantStore & { drain(): Promise<void> } {
  const findGrant = async (id: string) => {
    const row = await db.selectFrom('grants').selectAll().where('id', '=', id).executeTakeFirst();
    return row && grantFromRow(row);
  };
  const hot = hotQueries(db);
  const statements = postgresBatches && createPostgresTokenWrites(db, guard, postgresBatches);
  // On PostgreSQL concurrent lookups share one query (see createBatchedLookup).
  const findRefreshTokenRow = postgresBatches
    ? createBatchedLookup<FoundRefreshTokenRow>(db, guard, findRefreshTokensSql, 'token_digest', postgresBatches)
    : (digest: string) => guard(async () => (await hot.findRefreshToken(db, digest)).rows[0]);
  const redeemCode: GrantStore['redeemCode'] = (codeDigest, now, grant, refreshToken) =>
    batcher.run(async (trx) => {
      // The conditional update decides which of concurrent redemptions wins; the losers write nothing.
      const consumed = await hot.consumeCode(trx, now, grant.id, codeDigest);
      if (consumed.numAffectedRows !== 1n) return false;
      await hot.insertGrant(trx, ...grantValues(grant));
      if (refreshToken) await hot.insertRefreshToken(trx, ...refreshTokenValues(refreshToken, 0));
      return true;
    });
  const readGrant = async (trx: Transaction<Database>, id: string) =>
    (await hot.selectGrant(trx, id)).rows[0] ?? Promise.reject(new Error(`refresh token of a missing grant ${id}`));
  const rotateRefreshToken: GrantStore['rotateRefreshToken'] = (tokenDigest, next, now, reuseGraceMs = 0, found) =>
    batcher.run(async (trx) => {
      // The conditional update decides which of concurrent rotations wins. It returns what of the grant can have
      // changed since the caller read it (its revocation, whether it is branched), read in this transaction.
      const used = (await hot.useRefreshToken(trx, now, tokenDigest)).rows[0];
      if (used) {
        const { grant_revoked_ms, grant_branched, ...token } = used;
        // Null only without a grant, which the foreign key rules out.
        if (grant_branched === null) throw new Error(`refresh token of a missing grant ${token.grant_id}`);
        // The rest of the grant never changes: the caller's copy serves, unless it is of another grant.
        const grant =
          found?.id === token.grant_id
            ? { ...found, revokedAt: grant_revoked_ms === null ? null : Number(grant_revoked_ms) }
            : grantFromRow(await readGrant(trx, token.grant_id));
        const generation = Number(token.generation) + 1;
        // Tokens issued within the grace window beside the one used now are retired with it: a grant never
        // keeps two live branches past its next rotation. Only a grant that was branched has any (the flag
        // keeps the common rotation at two statements). They are marked retired as of the window's start, so
        // that none of them is reissued in turn: the next use of another branch is reuse, and revokes the grant
        // (else a thief who presented within the window after each rotation would keep a branch for good).
        if (Number(grant_branched) !== 0) {
          await trx
            .updateTable('refresh_tokens')
            .set({ used_ms: now - reuseGraceMs })
            .where('grant_id', '=', token.grant_id)
            .where('used_ms', 'is', null)
            .execute();
          await trx.updateTable('grants').set({ branched: 0 }).where('id', '=', token.grant_id).execute();
        }
        await hot.insertRefreshToken(trx, ...refreshTokenValues(next, generation));
        return { status: 'rotated' as const, token: refreshTokenFromRow(token), grant };
      }
      const token = await trx.selectFrom('refresh_tokens').selectAll().where('token_digest', '=', tokenDigest).executeTakeFirst();
      if (!token) return { status: 'unknown' as const };
      const grantRow = await readGrant(trx, token.grant_id);
      const result = { token: refreshTokenFromRow(token), grant: grantFromRow(grantRow) };
      const generation = Number(token.generation) + 1;
      if (!withinGrace(token.used_ms, now, reuseGraceMs) || grantRow.revoked_ms !== null) return { status: 'reused' as const, ...result };
      const newest = await trx
        .selectFrom('refresh_tokens')
        .select((eb) => eb.fn.max('generation').as('g'))
        .where('grant_id', '=', token.grant_id)
        .executeTakeFirstOrThrow();
      if (Number(newest.g) !== generation) return { status: 'reused' as const, ...result };
      await trx.updateTable('grants').set({ branched: 1 }).where('id', '=', token.grant_id).execute();
      await trx.insertInto('refresh_tokens').values({ ...refreshTokenRow(next), generation }).execute();
      return { status: 'reissued' as const, ...result };
    });
  return {
    createGrant: (grant, refreshToken, fromCodeDigest) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          await trx.insertInto('grants').values(grantRow(grant)).execute();
          if (refreshToken) await trx.insertInto('refresh_tokens').values(refreshTokenRow(refreshToken)).execute();
          if (fromCodeDigest) {
            await trx.updateTable('authorization_codes').set({ grant_id: grant.id }).where('code_digest', '=', fromCodeDigest).execute();
          }
        }),
      ),
    drain: async () => {
      await statements?.drain();
      await batcher.drain();
    },
    redeemCode: statements
      ? (codeDigest, now, grant, refreshToken) => statements.redeem({ codeDigest, now, grant, refreshToken })
      : redeemCode,
    rotateRefreshToken: statements
      ? async (tokenDigest, next, now, reuseGraceMs, found) => {
          const rotated = await statements.rotate({ tokenDigest, now, next });
          if (rotated) return { status: 'rotated', token: refreshTokenFromRow(rotated.token), grant: grantFromRow(rotated.grant) };
          return rotateRefreshToken(tokenDigest, next, now, reuseGraceMs, found);
        }
      : rotateRefreshToken,
    findGrant: (id) => guard(() => findGrant(id)),
    revokeGrant: (id, now) =>
      guard(async () => {
        const result = await db.updateTable('grants').set({ revoked_ms: now }).where('id', '=', id).where('revoked_ms', 'is', null).executeTakeFirst();
        return result.numUpdatedRows === 1n;
      }),
    // The token and its grant in one query (the token endpoint, introspection and revocation need both).
    findRefreshToken: async (tokenDigest) => {
      const row = await findRefreshTokenRow(tokenDigest);
      if (!row) return undefined;
      const { token_digest, token_scope, token_created_ms, expires_ms, used_ms, generation, ...grant } = row;
      const token = { token_digest, grant_id: grant.id, scope: token_scope, created_ms: token_created_ms, expires_ms, used_ms, generation };
      return { token: refreshTokenFromRow(token), used: used_ms !== null, grant: grantFromRow(grant), generation: Number(generation) };
    },
    findRefreshFamily: (grantId) =>
      guard(async () => {
        const row = await db
          .selectFrom('grants as g')
          .selectAll('g')
          .select((eb) => eb.selectFrom('refresh_tokens as r').whereRef('r.grant_id', '=', 'g.id').select((r) => r.fn.max('r.generation').as('n')).as('newest_generation'))
          .where('g.id', '=', grantId)
          .executeTakeFirst();
        if (!row) return undefined;
        const { newest_generation, ...grant } = row;
        return { grant: grantFromRow(grant), newestGeneration: newest_generation === null ? null : Number(newest_generation) };
      }),
    // The sealed tokens' keys have a length of their own; the partial index `refresh_tokens_retired_sealed` holds
    // exactly the rows this selects (the literal length and `is not null` are what let the planners match it).
    pruneRetiredRefreshTokens: (usedBefore, limit) =>
      guard(async () => {
        const result = await db
          .deleteFrom('refresh_tokens')
          .where('token_digest', 'in', (eb) =>
            eb
              .selectFrom('refresh_tokens')
              .select('token_digest')
              .where('used_ms', 'is not', null)
              .where(sql<boolean>`length(token_digest) = ${sql.lit(sealedRefreshTokenKeyLength)}`)
              .where('used_ms', '<', usedBefore)
              .orderBy('used_ms')
              .limit(limit),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
    listClientGrants: (clientId, now, limit) =>
      guard(async () => {
        const rows = await db
          .selectFrom('grants as g')
          .leftJoin('users as u', 'u.id', 'g.user_id')
          .selectAll('g')
          .select('u.username')
          .select((eb) => [
            eb.selectFrom('refresh_tokens as r').whereRef('r.grant_id', '=', 'g.id').select((r) => r.fn.max('r.created_ms').as('m')).as('last_refreshed_ms'),
            eb
              .exists(
                eb
                  .selectFrom('refresh_tokens as r')
                  .select('r.token_digest')
                  .whereRef('r.grant_id', '=', 'g.id')
                  .where('r.used_ms', 'is', null)
                  .where('r.expires_ms', '>', now),
              )
              .as('has_live_token'),
          ])
          .where('g.client_id', '=', clientId)
          .orderBy('g.created_ms', 'desc')
          .orderBy('g.id', 'desc')
          .limit(limit)
          .execute();
        return rows.map(({ username, last_refreshed_ms, has_live_token, ...row }) => {
          const grant = grantFromRow(row);
          return {
            ...grant,
            username,
            lastRefreshedAt: last_refreshed_ms === null ? null : Number(last_refreshed_ms),
            // EXISTS is 0/1 on SQLite, a boolean on PostgreSQL.
            refreshable: grant.revokedAt === null && Boolean(has_live_token),
          };
        });
      }),
  };
}

/** A refresh token with its grant, as `findRefreshToken` reads it. */
type FoundRefreshTokenRow = Selectable<GrantsTable> & {
  token_digest: string;
  token_scope: string;
  token_created_ms: number;
  expires_ms: number;
  used_ms: number | null;
  generation: number;
};

/** `hotQueries`' `findRefreshToken` for any of the digests in `$1` (PostgreSQL). */
const findRefreshTokensSql = `SELECT g.*, r.token_digest, r.scope AS token_scope, r.created_ms AS token_created_ms, r.expires_ms, r.used_ms, r.generation
FROM refresh_tokens r JOIN grants g ON g.id = r.grant_id WHERE r.token_digest = ANY($1::text[])`;

/** Whether a token retired at `usedMs` (stored time) is still inside the reuse grace window at `now`. */
function withinGrace(usedMs: number | null, now: number, reuseGraceMs: number): boolean {
  return reuseGraceMs > 0 && usedMs !== null && now < Number(usedMs) + reuseGraceMs;
}

function grantRow(grant: GrantRecord) {
  return {
    id: grant.id,
    client_id: grant.clientId,
    user_id: grant.userId,
    scope: grant.scope,
    resource: grant.resource,
    auth_time_ms: grant.authTime,
    created_ms: grant.createdAt,
    revoked_ms: grant.revokedAt,
    dpop_jkt: grant.dpopJkt ?? null,
  };
}

function refreshTokenRow(token: RefreshTokenRecord) {
  return {
    token_digest: token.tokenDigest,
    grant_id: token.grantId,
    scope: token.scope,
    created_ms: token.createdAt,
    expires_ms: token.expiresAt,
  };
}

function codeFromRow(row: Selectable<AuthorizationCodesTable>): AuthorizationCodeRecord {
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
    expiresAt: Number(row.expires_ms),
  };
}

function grantFromRow(row: Selectable<GrantsTable>): GrantRecord {
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
    ...(row.dpop_jkt === null ? {} : { dpopJkt: row.dpop_jkt }),
  };
}

function refreshTokenFromRow(row: Selectable<RefreshTokensTable>): RefreshTokenRecord {
  return {
    tokenDigest: row.token_digest,
    grantId: row.grant_id,
    scope: row.scope,
    createdAt: Number(row.created_ms),
    expiresAt: Number(row.expires_ms),
  };
}

/** Every column of `grants` (`findRefreshToken` selects each): one added to the table and not here fails to compile. */
const grantColumns = Object.keys({
  id: true,
  client_id: true,
  user_id: true,
  scope: true,
  resource: true,
  auth_time_ms: true,
  created_ms: true,
  revoked_ms: true,
  branched: true,
  dpop_jkt: true,
} satisfies Record<keyof GrantsTable, true>) as (keyof GrantsTable)[];

/** The queries every code exchange and refresh runs, compiled once (see {@link compileOnce}). */
function hotQueries(db: Kysely<Database>) {
  const { s1, s2, s3, s4, s5, s6, n1, n2, n3 } = marker;
  return {
    // The token and its grant in one query (the token endpoint, introspection and revocation need both; SQLite only:
    // PostgreSQL batches findRefreshTokensSql). The grant's columns are scalar subqueries, not a join: the join cost
    // 40-55 us of CPU a lookup with its key bound (a 50,000-token table), 6.8 us with the key as a literal, and 7-8 us
    // as written here. better-sqlite3 builds SQLite with STAT4, which compiles again at each run a statement whose plan
    // could depend on a bound value: a join's order could, a lookup by primary key cannot.
    findRefreshToken: compileOnce([s1] as const, (digest: string) =>
      db
        .selectFrom('refresh_tokens as r')
        .select((eb) => grantColumns.map((column) => eb.selectFrom('grants as g').select(`g.${column}`).whereRef('g.id', '=', 'r.grant_id').as(column)))
        .select(['r.token_digest', 'r.scope as token_scope', 'r.created_ms as token_created_ms', 'r.expires_ms', 'r.used_ms', 'r.generation'])
        .where('r.token_digest', '=', digest)
        // The foreign key keeps every token's grant: none of its columns is null for want of a grant.
        .$castTo<FoundRefreshTokenRow>(),
    ),
    // The conditional update decides which of concurrent rotations wins.
    // With what of its grant can change (see rotateRefreshToken): two lookups by primary key inside the statement
    // cost less than a statement of their own.
    useRefreshToken: compileOnce([n1, s1] as const, (now: number, digest: string) =>
      db
        .updateTable('refresh_tokens')
        .set({ used_ms: now })
        .where('token_digest', '=', digest)
        .where('used_ms', 'is', null)
        .returningAll()
        .returning((eb) => [
          eb.selectFrom('grants as g').select('g.revoked_ms').whereRef('g.id', '=', 'refresh_tokens.grant_id').as('grant_revoked_ms'),
          eb.selectFrom('grants as g').select('g.branched').whereRef('g.id', '=', 'refresh_tokens.grant_id').as('grant_branched'),
        ]),
    ),
    selectGrant: compileOnce([s1] as const, (id: string) => db.selectFrom('grants').selectAll().where('id', '=', id)),
    // The conditional update decides which of concurrent redemptions wins; the losers write nothing.
    consumeCode: compileOnce([n1, s1, s2] as const, (now: number, grantId: string, digest: string) =>
      db.updateTable('authorization_codes').set({ used_ms: now, grant_id: grantId }).where('code_digest', '=', digest).where('used_ms', 'is', null),
    ),
    insertRefreshToken: compileOnce([s1, s2, s3, n1, n2, n3] as const, (digest: string, grantId: string, scope: string, created: number, expires: number, generation: number) =>
      db.insertInto('refresh_tokens').values({ token_digest: digest, grant_id: grantId, scope, created_ms: created, expires_ms: expires, generation }),
    ),
    insertGrant: compileOnce(
      [s1, s2, s3, s4, s5, n1, n2, n3, s6] as const,
      (id: string, clientId: string, userId: string | null, scope: string, resource: string | null, authTime: number | null, created: number, revoked: number | null, jkt: string | null) =>
        db.insertInto('grants').values({ id, client_id: clientId, user_id: userId, scope, resource, auth_time_ms: authTime, created_ms: created, revoked_ms: revoked, dpop_jkt: jkt }),
    ),
  };
}

/** The arguments of `insertGrant`, in its markers' order. */
function grantValues(grant: GrantRecord) {
  const row = grantRow(grant);
  return [row.id, row.client_id, row.user_id, row.scope, row.resource, row.auth_time_ms, row.created_ms, row.revoked_ms, row.dpop_jkt] as const;
}

/** The arguments of `insertRefreshToken`, in its markers' order. */
function refreshTokenValues(token: RefreshTokenRecord, generation: number) {
  return [token.tokenDigest, token.grantId, token.scope, token.createdAt, token.expiresAt, generation] as const;
}
