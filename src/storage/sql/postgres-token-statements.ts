import { CompiledQuery, type Kysely, type Selectable } from 'kysely';
import type { GrantRecord, RefreshTokenRecord } from '../../ports/grants.js';
import { GroupCommit } from './group-commit.js';
import type { Database, GrantsTable, Guard, RefreshTokensTable } from './schema.js';

/** A refresh token to rotate: marked used at `now`, `next` stored as its successor. */
export interface RotationItem {
  tokenDigest: string;
  now: number;
  next: RefreshTokenRecord;
}

/** A code to redeem into `grant` (and its first refresh token). */
export interface RedemptionItem {
  codeDigest: string;
  now: number;
  grant: GrantRecord;
  refreshToken: RefreshTokenRecord | null;
}

/** A token the statement rotated (as updated, so used), with its grant. */
export interface Rotated {
  token: Selectable<RefreshTokensTable>;
  grant: Selectable<GrantsTable>;
}

/**
 * The common rotation of a whole batch in one statement: each token that is unused and whose grant was never
 * branched is marked used and its successor inserted (the grant's next generation). The conditional update
 * decides which of concurrent rotations wins (a loser's row no longer matches when its lock is granted). Any
 * other token (unknown, used, or of a branched grant) is left as it was, for the general path.
 *
 * `= ANY($1)` besides the join on `i` lets the planner find the tokens by primary key: on the join alone it may
 * hash the unnested rows against a scan of the whole table.
 */
const rotateSql = `
WITH i AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::bigint[], $7::bigint[])
    WITH ORDINALITY AS t(digest, now_ms, next_digest, next_grant_id, next_scope, next_created_ms, next_expires_ms, ord)
), u AS (
  UPDATE refresh_tokens r SET used_ms = i.now_ms
  FROM i, grants g
  WHERE r.token_digest = ANY($1::text[]) AND r.token_digest = i.digest AND r.used_ms IS NULL AND g.id = r.grant_id AND g.branched = 0
  RETURNING i.ord, i.next_digest, i.next_grant_id, i.next_scope, i.next_created_ms, i.next_expires_ms,
    r.token_digest, r.grant_id, r.scope AS token_scope, r.created_ms AS token_created_ms, r.expires_ms, r.used_ms, r.generation,
    g.id, g.client_id, g.user_id, g.scope, g.resource, g.auth_time_ms, g.created_ms, g.revoked_ms, g.branched, g.dpop_jkt
), n AS (
  INSERT INTO refresh_tokens (token_digest, grant_id, scope, created_ms, expires_ms, generation)
  SELECT next_digest, next_grant_id, next_scope, next_created_ms, next_expires_ms, generation + 1 FROM u
)
SELECT ord, token_digest, grant_id, token_scope, token_created_ms, expires_ms, used_ms, generation,
  id, client_id, user_id, scope, resource, auth_time_ms, created_ms, revoked_ms, branched, dpop_jkt
FROM u`;

/**
 * A whole batch of code redemptions in one statement: each unused code is marked used (the conditional update
 * decides which of concurrent redemptions wins), and the grant issued from it is inserted with its first refresh
 * token. A code that was used writes nothing.
 */
const redeemSql = `
WITH i AS (
  SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::bigint[],
      $9::bigint[], $10::bigint[], $11::text[], $12::text[], $13::text[], $14::text[], $15::bigint[], $16::bigint[])
    WITH ORDINALITY AS t(code_digest, now_ms, id, client_id, user_id, scope, resource, auth_time_ms, created_ms, revoked_ms, dpop_jkt,
      rt_digest, rt_grant_id, rt_scope, rt_created_ms, rt_expires_ms, ord)
), c AS (
  UPDATE authorization_codes a SET used_ms = i.now_ms, grant_id = i.id
  FROM i
  WHERE a.code_digest = ANY($1::text[]) AND a.code_digest = i.code_digest AND a.used_ms IS NULL
  RETURNING i.*
), g AS (
  INSERT INTO grants (id, client_id, user_id, scope, resource, auth_time_ms, created_ms, revoked_ms, dpop_jkt)
  SELECT id, client_id, user_id, scope, resource, auth_time_ms, created_ms, revoked_ms, dpop_jkt FROM c
), r AS (
  INSERT INTO refresh_tokens (token_digest, grant_id, scope, created_ms, expires_ms, generation)
  SELECT rt_digest, rt_grant_id, rt_scope, rt_created_ms, rt_expires_ms, 0 FROM c WHERE rt_digest IS NOT NULL
)
SELECT ord FROM c`;

interface RotatedRow extends Omit<Selectable<RefreshTokensTable>, 'scope' | 'created_ms'>, Selectable<GrantsTable> {
  ord: number;
  token_scope: string;
  token_created_ms: number;
}

/**
 * PostgreSQL's token writes, one statement (one round trip, one commit) per batch: concurrent refresh token
 * rotations share one statement, and concurrent code redemptions another. Each statement is atomic on its own
 * (no BEGIN/COMMIT around it); a failed one wrote nothing, and {@link GroupCommit} runs its items again one by one.
 *
 * Items of one batch are sorted by digest, so that concurrent statements lock rows in the same order, and an item
 * whose digest is already in the batch does not enter the statement: it did not win (another of its batch did,
 * or none could).
 */
export function createPostgresTokenWrites(db: Kysely<Database>, guard: Guard, options: { maxBatch: number; maxInFlight: number }) {
  const rotations = new GroupCommit<RotationItem, Rotated | null>(
    (items) =>
      guard(async () => {
        const { unique, indexes } = uniqueSorted(items, (item) => item.tokenDigest);
        const results: (Rotated | null)[] = items.map(() => null);
        if (unique.length === 0) return results;
        const query = CompiledQuery.raw(rotateSql, [
          unique.map((item) => item.tokenDigest),
          unique.map((item) => item.now),
          unique.map((item) => item.next.tokenDigest),
          unique.map((item) => item.next.grantId),
          unique.map((item) => item.next.scope),
          unique.map((item) => item.next.createdAt),
          unique.map((item) => item.next.expiresAt),
        ]);
        for (const row of (await db.executeQuery<RotatedRow>(query)).rows) {
          const { ord, token_digest, grant_id, token_scope, token_created_ms, expires_ms, used_ms, generation, ...grant } = row;
          const token = { token_digest, grant_id, scope: token_scope, created_ms: token_created_ms, expires_ms, used_ms, generation };
          results[indexes[Number(ord) - 1]!] = { token, grant };
        }
        return results;
      }),
    options,
  );
  const redemptions = new GroupCommit<RedemptionItem, boolean>(
    (items) =>
      guard(async () => {
        const { unique, indexes } = uniqueSorted(items, (item) => item.codeDigest);
        const results = items.map(() => false);
        if (unique.length === 0) return results;
        const column = <V>(value: (item: RedemptionItem) => V) => unique.map(value);
        const query = CompiledQuery.raw(redeemSql, [
          column((item) => item.codeDigest),
          column((item) => item.now),
          column((item) => item.grant.id),
          column((item) => item.grant.clientId),
          column((item) => item.grant.userId),
          column((item) => item.grant.scope),
          column((item) => item.grant.resource),
          column((item) => item.grant.authTime),
          column((item) => item.grant.createdAt),
          column((item) => item.grant.revokedAt),
          column((item) => item.grant.dpopJkt ?? null),
          column((item) => item.refreshToken?.tokenDigest ?? null),
          column((item) => item.refreshToken?.grantId ?? null),
          column((item) => item.refreshToken?.scope ?? null),
          column((item) => item.refreshToken?.createdAt ?? null),
          column((item) => item.refreshToken?.expiresAt ?? null),
        ]);
        for (const row of (await db.executeQuery<{ ord: number }>(query)).rows) results[indexes[Number(row.ord) - 1]!] = true;
        return results;
      }),
    options,
  );
  return {
    /** The token rotated with its grant, or null when the general path must decide (see {@link rotateSql}). */
    rotate: (item: RotationItem) => rotations.add(item),
    /** Whether this redemption won: of concurrent ones with one code exactly one does. */
    redeem: (item: RedemptionItem) => redemptions.add(item),
    drain: async () => {
      await rotations.drain();
      await redemptions.drain();
    },
  };
}

/** The items with distinct keys (the first of each), sorted by key, and each one's index among `items`. */
function uniqueSorted<T>(items: T[], key: (item: T) => string): { unique: T[]; indexes: number[] } {
  const seen = new Set<string>();
  const order: number[] = [];
  items.forEach((item, index) => {
    const k = key(item);
    if (seen.has(k)) return;
    seen.add(k);
    order.push(index);
  });
  order.sort((a, b) => {
    const ka = key(items[a]!);
    const kb = key(items[b]!);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
  return { unique: order.map((index) => items[index]!), indexes: order };
}

/**
 * Lookups by key that share one query per batch: `sql` selects the rows whose `key` column is any of `$1`, a text
 * array. Concurrent token requests each read their code or refresh token first; one round trip then serves them
 * all, and leaves the pool's other connections to the writes.
 */
export function createBatchedLookup<Row>(
  db: Kysely<Database>,
  guard: Guard,
  sql: string,
  key: keyof Row & string,
  options: { maxBatch: number; maxInFlight: number },
): (value: string) => Promise<Row | undefined> {
  const lookups = new GroupCommit<string, Row | undefined>(
    (values) =>
      guard(async () => {
        const rows = (await db.executeQuery<Row>(CompiledQuery.raw(sql, [[...new Set(values)]]))).rows;
        const byKey = new Map(rows.map((row) => [row[key] as string, row]));
        return values.map((value) => byKey.get(value));
      }),
    options,
  );
  return (value) => lookups.add(value);
}
