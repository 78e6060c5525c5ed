import { SqliteAdapter, sql, type ExpressionBuilder, type Kysely, type SqlBool } from 'kysely';
import type { ClientCleanupStore, CleanupCriteria } from '../../ports/cleanup.js';
import type { RegistrationSource } from '../../ports/clients.js';
import type { Database, Guard } from './schema.js';
import { mergeSearchIndex } from './search-index-merges.js';

/**
 * Where the clients that cleanup may delete came from: every way a client registers itself. A client an
 * operator creates by other means (should such a source be added) is never swept, as nobody would re-register it.
 * A metadata-document client is only a cache of its document, fetched again at its next `/authorize`.
 */
const collectableSources: readonly RegistrationSource[] = ['dynamic', 'iat', 'software_statement', 'cimd'];

/** The primary key of each table of expiring records. */
const expiringKeys = { refresh_tokens: 'token_digest', authorization_codes: 'code_digest', revoked_access_tokens: 'jti' } as const;

type Builder = ExpressionBuilder<Database & { c: Database['clients'] }, 'c'>;
type Condition = (eb: Builder, criteria: CleanupCriteria) => ReturnType<Builder['and']>;

/** A column of a sweep's index, in the order the sweep reads it. */
type KeyColumn = 'created_ms' | 'client_id' | 'last_used_ms' | 'client_id_issued_at';

/**
 * One way a client becomes deletable: its condition, the index that holds the candidates in the order they are
 * deleted, that order (the index's columns, which identify an entry: a cursor's position), and the range of the
 * index every candidate lies in. Each sweep walks its index from the oldest entry and stops after one batch, so a
 * batch reads what it deletes (plus the candidates that something live keeps), however large the table.
 */
interface Sweep {
  reason: 'unused' | 'idle';
  condition: Condition;
  index: 'clients_never_used' | 'clients_last_used_ms';
  key: readonly KeyColumn[];
  range: Condition;
}

/**
 * Never-used clients past `unusedAfter` (by registration, through the partial index of never-used clients);
 * never-used clients with grants, idle since registering (same index); used clients idle since their last use
 * (through the index on last use).
 */
const sweeps: readonly Sweep[] = [
  {
    reason: 'unused',
    condition: neverAuthorized,
    index: 'clients_never_used',
    key: ['created_ms', 'client_id'],
    range: (eb, { unusedRegisteredBefore }) => eb.and([eb('c.last_used_ms', 'is', null), eb('c.created_ms', '<', unusedRegisteredBefore)]),
  },
  {
    reason: 'idle',
    condition: neverUsedIdle,
    index: 'clients_never_used',
    key: ['created_ms', 'client_id'],
    range: (eb, { idleSince }) => eb.and([eb('c.last_used_ms', 'is', null), eb('c.created_ms', '<', idleSince)]),
  },
  {
    reason: 'idle',
    condition: usedIdle,
    index: 'clients_last_used_ms',
    key: ['last_used_ms', 'client_id_issued_at', 'client_id'],
    range: (eb, { idleSince }) => eb.and([eb('c.last_used_ms', '<', idleSince)]),
  },
];

/** A cursor's position: the sweep being read, and the key of the last entry read in its index (none yet: null). */
interface Position {
  sweep: number;
  after: readonly unknown[] | null;
}

/**
 * The {@link ClientCleanupStore} over Kysely. A batch is one `DELETE … WHERE client_id IN (SELECT …)` statement per
 * {@link sweeps} entry, in one transaction, so each deleted client's reason is exact. The eligibility conditions
 * are evaluated by the statement that deletes, so nothing is deleted on the strength of a read made earlier.
 * Grants, codes, refresh tokens and consents go with the client (foreign-key cascades, each through an index on
 * the child's column).
 *
 * Without a cursor a sweep's statement takes the first `limit` eligible candidates (`ORDER BY … LIMIT`), so the
 * candidates something live keeps are read again by every batch: at a million clients with a few percent kept,
 * late batches read tens of thousands of them. With a cursor a batch first reads the keys of the next `limit`
 * index entries after the cursor (the window: the index alone, whatever the entries' eligibility), then deletes
 * the eligible clients among them, by key range; the cursor moves to the window's last entry. A batch thus reads at
 * most `limit` candidates, and a run reads each once. A window shorter than asked ends its sweep; the rest of the
 * batch's `limit` goes to the next one.
 *
 * On SQLite each candidate query names its index (`INDEXED BY`): without statistics (no ANALYZE is run, as it would
 * change every other query's plan too) SQLite's planner takes an equality on `registration_source` or
 * `last_used_ms IS NULL` for selective and reads every never-used client to sort them, per batch. PostgreSQL's
 * planner has statistics and picks the same indexes by itself (the plan tests check both).
 */
export function createCleanupRepository(db: Kysely<Database>, guard: Guard): ClientCleanupStore {
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const candidates = (index: Sweep['index']) =>
    sql<Database['clients']>`clients`.as<'c'>(sqlite ? sql`c indexed by ${sql.raw(index)}` : sql`c`);
  // The sweep's condition implies its range.
  const eligible = (w: Builder, sweep: Sweep, criteria: CleanupCriteria) => [sweep.condition(w, criteria), holdsNothingLive(w, criteria)];
  const deleteWhere = async (trx: Kysely<Database>, sweep: Sweep, criteria: CleanupCriteria, limit: number) => {
    if (limit <= 0) return [];
    const rows = await trx
      .deleteFrom('clients')
      .where('client_id', 'in', (eb) =>
        eb
          .selectFrom(candidates(sweep.index))
          .select('c.client_id')
          .where((w) => w.and(eligible(w, sweep, criteria)))
          .orderBy(`c.${sweep.key[0]!}`)
          .limit(limit),
      )
      .returning('client_id')
      .execute();
    return rows.map((row) => ({ clientId: row.client_id, reason: sweep.reason }));
  };
  /** The keys of the next `limit` entries of `sweep`'s range after `after`, in order: the window a batch reads. */
  const window = async (trx: Kysely<Database>, sweep: Sweep, criteria: CleanupCriteria, after: Position['after'], limit: number) => {
    let query = trx
      .selectFrom(candidates(sweep.index))
      .select(sweep.key.map((column) => `c.${column}` as const))
      .where((w) => w.and([sweep.range(w, criteria), ...(after ? [keyCompare(sweep, '>', after)] : [])]));
    for (const column of sweep.key) query = query.orderBy(`c.${column}`);
    const rows = await query.limit(limit).execute();
    return rows.map((row) => sweep.key.map((column) => (row as Record<KeyColumn, unknown>)[column]));
  };
  /**
   * Deletes the eligible clients of `sweep` whose keys lie after `after` and up to `last`, of which there are
   * `count`. The `ORDER BY … LIMIT count` changes nothing on the result but tells PostgreSQL's planner how few rows
   * the range holds: it cannot estimate a range of row values, and without it takes the range for thousands of
   * rows and hashes the whole grants and clients tables (and compiles the plan: JIT), 400 ms a batch at 100,000
   * clients instead of 10.
   */
  const deleteWindow = async (trx: Kysely<Database>, sweep: Sweep, criteria: CleanupCriteria, after: Position['after'], last: readonly unknown[], count: number) => {
    const rows = await trx
      .deleteFrom('clients')
      .where('client_id', 'in', (eb) => {
        let query = eb
          .selectFrom(candidates(sweep.index))
          .select('c.client_id')
          .where((w) => w.and([...(after ? [keyCompare(sweep, '>', after)] : []), keyCompare(sweep, '<=', last), ...eligible(w, sweep, criteria)]));
        for (const column of sweep.key) query = query.orderBy(`c.${column}`);
        return query.limit(count);
      })
      .returning('client_id')
      .execute();
    return rows.map((row) => ({ clientId: row.client_id, reason: sweep.reason }));
  };
  return {
    // A batch holds SQLite's one connection: 20 ms, below the 50 ms a request should wait at most, leaving room
    // for a checkpoint (sqlite-checkpointer.ts) that may hold it next.
    ...(sqlite && { batchTargetMs: 20 }),
    deleteExpired: (kind, before, limit) =>
      guard(async () => {
        const key = expiringKeys[kind];
        const expired = db.selectFrom(kind).select(key).where('expires_ms', '<', before).orderBy('expires_ms').limit(limit);
        const result = await db
          .deleteFrom(kind)
          // Kysely cannot narrow the key column across the three tables; each has a text primary key.
          .where(key as never, 'in', expired as never)
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
    deleteUnusedClients: (criteria, limit, cursor) =>
      guard(async () => {
        if (!cursor)
          return db.transaction().execute(async (trx) => {
            const deleted: { clientId: string; reason: 'unused' | 'idle' }[] = [];
            for (const sweep of sweeps) deleted.push(...(await deleteWhere(trx, sweep, criteria, limit - deleted.length)));
            if (sqlite) await mergeSearchIndex(trx, deleted.length, { sweep: true });
            return deleted;
          });
        const start = (cursor.position as Position | undefined) ?? { sweep: 0, after: null };
        const { deleted, position } = await db.transaction().execute(async (trx) => {
          const done: { clientId: string; reason: 'unused' | 'idle' }[] = [];
          let { sweep: at, after } = start;
          let budget = limit;
          while (budget > 0 && at < sweeps.length) {
            const sweep = sweeps[at]!;
            const keys = await window(trx, sweep, criteria, after, budget);
            if (keys.length > 0) done.push(...(await deleteWindow(trx, sweep, criteria, after, keys.at(-1)!, keys.length)));
            budget -= keys.length;
            if (budget > 0) [at, after] = [at + 1, null];
            else after = keys.at(-1)!;
          }
          if (sqlite) await mergeSearchIndex(trx, done.length, { sweep: true });
          return { deleted: done, position: { sweep: at, after } satisfies Position };
        });
        // Moved only once the batch is committed: a batch that failed is read again.
        cursor.position = position;
        cursor.done = position.sweep >= sweeps.length;
        return deleted;
      }),
  };
}

/** `(key columns) op (values)`: a row-value comparison, which both databases answer from the index in key order. */
function keyCompare(sweep: Sweep, op: '>' | '<=', values: readonly unknown[]) {
  const columns = sql.join(sweep.key.map((column) => sql.ref(`c.${column}`)));
  return sql<SqlBool>`(${columns}) ${sql.raw(op)} (${sql.join(values.map((value) => sql.val(value)))})`;
}

/**
 * Registered long enough ago and never completed an authorization: never used, and no grant ever issued (a
 * grant with no recorded use means the use was not recorded, not that there was none).
 */
function neverAuthorized(eb: Builder, { unusedRegisteredBefore }: CleanupCriteria) {
  return eb.and([
    eb('c.registration_source', 'in', collectableSources),
    eb('c.last_used_ms', 'is', null),
    eb('c.created_ms', '<', unusedRegisteredBefore),
    eb.not(eb.exists(eb.selectFrom('grants as g').select('g.id').whereRef('g.client_id', '=', 'c.client_id'))),
  ]);
}

/**
 * Never used, registered before `idleSince`, and no grant created since: a client whose grants were issued but
 * whose use went unrecorded counts as last used when its newest grant was created.
 */
function neverUsedIdle(eb: Builder, { idleSince }: CleanupCriteria) {
  return eb.and([
    eb('c.registration_source', 'in', collectableSources),
    eb('c.last_used_ms', 'is', null),
    eb('c.created_ms', '<', idleSince),
    noGrantSince(eb, idleSince),
  ]);
}

/** Last used before `idleSince`, and no grant created since. */
function usedIdle(eb: Builder, { idleSince }: CleanupCriteria) {
  return eb.and([eb('c.registration_source', 'in', collectableSources), eb('c.last_used_ms', '<', idleSince), noGrantSince(eb, idleSince)]);
}

function noGrantSince(eb: Builder, since: number) {
  return eb.not(eb.exists(eb.selectFrom('grants as g').select('g.id').whereRef('g.client_id', '=', 'c.client_id').where('g.created_ms', '>=', since)));
}

/**
 * Nothing the client holds still works: no access token that may be live (access tokens are not stored, so a
 * grant created or a use recorded after `accessTokensIssuedAfter` may have one; client credentials leave no
 * grant, only the recorded use), no usable refresh token, no code waiting to be redeemed.
 */
function holdsNothingLive(eb: Builder, { now, accessTokensIssuedAfter }: CleanupCriteria) {
  return eb.and([
    eb.or([eb('c.last_used_ms', 'is', null), eb('c.last_used_ms', '<=', accessTokensIssuedAfter)]),
    eb.not(
      eb.exists(
        eb
          .selectFrom('grants as g')
          .select('g.id')
          .whereRef('g.client_id', '=', 'c.client_id')
          .where('g.revoked_ms', 'is', null)
          .where((g) =>
            g.or([
              g('g.created_ms', '>', accessTokensIssuedAfter),
              g.exists(
                g
                  .selectFrom('refresh_tokens as r')
                  .select('r.token_digest')
                  .whereRef('r.grant_id', '=', 'g.id')
                  .where('r.used_ms', 'is', null)
                  .where('r.expires_ms', '>', now),
              ),
            ]),
          ),
      ),
    ),
    // A code issued and not yet redeemed: the client is completing an authorization right now.
    eb.not(
      eb.exists(
        eb
          .selectFrom('authorization_codes as a')
          .select('a.code_digest')
          .whereRef('a.client_id', '=', 'c.client_id')
          .where('a.used_ms', 'is', null)
          .where('a.expires_ms', '>', now),
      ),
    ),
  ]);
}
