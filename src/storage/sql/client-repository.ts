import { SqliteAdapter, sql, type Kysely, type Selectable } from 'kysely';
import type { ClientMetadata } from '../../ports/client-metadata.js';
import { InitialAccessTokenUnusableError, type InitialAccessTokenUse } from '../../ports/initial-access-tokens.js';
import type { ClientListFilter, ClientRecord, ClientStore, RegistrationSource } from '../../ports/clients.js';
import {
  clientSearchText,
  countWalked,
  countedByCounters,
  encodeCursor,
  hasSearch,
  matchPlan,
  pageSize,
  searchOnly,
  searchPlan,
  searchProbeLimit,
  selectClientPage,
  selectClients,
  selectKeptCount,
  selectSearchPage,
  selectWalkedPage,
  walkBudget,
  type SearchPlan,
} from './client-listing.js';
import { GroupCommit } from './group-commit.js';
import { mergeSearchIndex } from './search-index-merges.js';
import type { ClientsTable, Database, Guard } from './schema.js';

/** Rows per group-commit batch: well under SQLite's 32,766 bound parameters at 13 columns a row. */
const maxBatch = 500;

/**
 * The {@link ClientStore} over Kysely, for both dialects. `guard` turns driver errors that mean "the
 * database is unavailable" into {@link StorageUnavailableError}.
 */
export function createClientRepository(
  db: Kysely<Database>,
  options: {
    maxInFlight: number;
    guard: Guard;
    /**
     * Writes rows in one transaction, spending the initial access tokens given, or throws
     * {@link InitialAccessTokenUnusableError}; by default one multi-row `INSERT`.
     */
    insertRows?: (rows: PendingClientRow[]) => Promise<void>;
    /** PostgreSQL: how long a search's page or count may run before a bounded walk answers it (see {@link boundedSearch}). */
    searchTimeoutMs?: number;
    /** How many clients that walk reads; {@link walkBudget} unless a test makes it small. */
    searchWalk?: number;
  },
): ClientStore & { drain(): Promise<void> } {
  const { guard } = options;
  const searchTimeoutMs = options.searchTimeoutMs ?? defaultSearchTimeoutMs;
  const searchWalk = options.searchWalk ?? walkBudget;
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const insertRows = options.insertRows ?? ((rows) => insertWithTokenUses(db, rows));
  const inserts = new GroupCommit<PendingClientRow>((items) => guard(() => insertRows(items)), {
    maxBatch,
    maxInFlight: options.maxInFlight,
  });
  // A clients page asks for its page and its count at once, and each would probe the search index (on SQLite up to
  // 1,001 rowids, or a walk of the newest 30,000 clients for a search of one or two characters): concurrent calls
  // for the same search and probe limit share one probe. Only calls in flight are kept.
  const probing = new Map<string, Promise<SearchPlan>>();
  const planSearch = (filter: ClientListFilter, probeLimit = searchProbeLimit): Promise<SearchPlan> => {
    if (!sqlite || filter.search === undefined) return searchPlan(db, filter, sqlite, probeLimit);
    const key = `${probeLimit}:${filter.search}`;
    let plan = probing.get(key);
    if (!plan) {
      plan = searchPlan(db, filter, sqlite, probeLimit).finally(() => probing.delete(key));
      probing.set(key, plan);
    }
    return plan;
  };
  /**
   * A write of one client; on SQLite, in one transaction with its share of the search index's merges
   * ({@link mergeSearchIndex}) when `wrote` says it changed a row, so that a failed merge undoes the write too.
   */
  const writeOne = <T>(write: (db: Kysely<Database>) => Promise<T>, wrote: (result: T) => boolean = (result) => result === true): Promise<T> =>
    sqlite
      ? db.transaction().execute(async (trx) => {
          const result = await write(trx);
          if (wrote(result)) await mergeSearchIndex(trx, 1);
          return result;
        })
      : write(db);
  return {
    insertClient: (record, initialAccessToken) => inserts.add({ row: toRow(record), initialAccessToken }),
    drain: () => inserts.drain(),

    findClient: (clientId) =>
      guard(async () => {
        const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
        return row && fromRow(row);
      }),

    updateClient: (record, expectedTokenDigest) =>
      guard(async () => {
        const { client_id: _id, created_ms: _created, ...changes } = toRow(record);
        return writeOne(async (db) => {
          const result = await db
            .updateTable('clients')
            .set(changes)
            .where('client_id', '=', record.clientId)
            .where('registration_access_token_digest', '=', expectedTokenDigest)
            .executeTakeFirst();
          return result.numUpdatedRows === 1n;
        });
      }),

    deleteClient: (clientId) =>
      guard(async () => {
        return writeOne(async (db) => {
          const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
          return result.numDeletedRows === 1n;
        });
      }),

    touchClient: (clientId, now) =>
      guard(async () => {
        await db
          .updateTable('clients')
          .set({ last_used_ms: now })
          .where('client_id', '=', clientId)
          .where((eb) => eb.or([eb('last_used_ms', 'is', null), eb('last_used_ms', '<', now)]))
          .execute();
      }),

    countClientsWithPolicy: (policy) =>
      guard(async () => {
        const row = await db
          .selectFrom('clients')
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .where('policy', '=', policy)
          .executeTakeFirstOrThrow();
        return Number(row.count);
      }),

    saveMetadataDocumentClient: (record) =>
      guard(async () => {
        const row = toRow(record);
        const { client_id: _id, created_ms: _created, ...changes } = row;
        await writeOne(async (db) => {
          await db
            .insertInto('clients')
            .values(row)
            .onConflict((oc) =>
              oc
                .column('client_id')
                .doUpdateSet({
                  metadata: changes.metadata,
                  updated_ms: changes.updated_ms,
                  look_alike_of: changes.look_alike_of,
                  // The policy of a metadata-document client is the server's default at the time: it follows the configuration.
                  policy: changes.policy,
                  search_text: changes.search_text,
                })
                .where('clients.registration_source', '=', 'cimd'),
            )
            .execute();
          return true;
        });
      }),

    listClients: (query) =>
      guard(async () => {
        const size = pageSize(query.limit);
        let rows: Selectable<ClientsTable>[] | undefined;
        if (sqlite || !hasSearch(query)) rows = await selectSearchPage(db, query, await planSearch(query));
        else if (trigramNarrows(query)) rows = await boundedSearch(db, searchTimeoutMs, (trx) => selectClientPage(trx, query).execute());
        if (rows === undefined) {
          // PostgreSQL's plan did not answer in time: the page is what the next clients hold, and goes on after them.
          const walked = await selectWalkedPage(db, query, searchWalk);
          if (walked.rows.length <= size && walked.edge) {
            return { clients: walked.rows.map(fromRow), next: encodeCursor(Number(walked.edge.client_id_issued_at), walked.edge.client_id), searched: searchWalk };
          }
          rows = walked.rows;
        }
        const clients = rows.slice(0, size).map(fromRow);
        const last = clients.at(-1);
        return { clients, next: rows.length > size && last ? encodeCursor(last.clientIdIssuedAt, last.clientId) : null };
      }),

    countClients: (filter) =>
      guard(async () => {
        if (countedByCounters(filter)) return Number((await selectKeptCount(db, filter).executeTakeFirstOrThrow()).count ?? 0);
        // Exact: through the trigram index whenever it can name the matches, however many.
        const row = await selectClients(db, filter, await matchPlan(db, filter, sqlite))
          .select((eb) => eb.fn.countAll<number | string>().as('count'))
          .executeTakeFirstOrThrow();
        return Number(row.count);
      }),

    countClientsUpTo: (filter, limit) =>
      guard(async () => {
        if (countedByCounters(filter)) return { count: Number((await selectKeptCount(db, filter).executeTakeFirstOrThrow()).count ?? 0), more: false };
        const plan = await planSearch(filter, Math.max(searchProbeLimit, limit));
        // More clients hold the search than the limit, as the index (or the walk of the newest) counted them: no walk.
        if (plan.by === 'listing' && plan.exact && (plan.matches ?? 0) > limit && searchOnly(filter)) return { count: limit, more: true };
        const counted = (on: Kysely<Database>) =>
          on
            .selectFrom(selectClients(on, filter, plan).select(sql<number>`1`.as('one')).limit(limit + 1).as('m'))
            .select((eb) => eb.fn.countAll<number | string>().as('count'))
            .executeTakeFirstOrThrow();
        const row = sqlite || !hasSearch(filter) ? await counted(db) : trigramNarrows(filter) ? await boundedSearch(db, searchTimeoutMs, counted) : undefined;
        if (row === undefined) {
          // Not counted in time (PostgreSQL): what the newest clients hold, as "at least".
          const { count: found, whole } = await countWalked(db, filter, searchWalk, limit);
          if (found > limit) return { count: limit, more: true };
          return whole ? { count: found, more: false } : { count: found, more: false, partial: true };
        }
        const count = Number(row.count);
        return { count: Math.min(count, limit), more: count > limit };
      }),
  };
}

/** See {@link boundedSearch}: with the walk that follows a timeout, a page answers within the 100 ms of issue 18. */
const defaultSearchTimeoutMs = 50;

/**
 * PostgreSQL: `run` in a transaction whose statements may take `timeoutMs` each (`statement_timeout`), or undefined
 * when one took longer. pg_trgm helps a search only through its runs of three letters or digits: `"`, `ü`, or
 * `127 0 0 1` (whose trigrams are those of `127.0.0.1`, which most clients hold) leave the planner a walk of the
 * listing or a recheck of most rows, about a second at a million clients. Such a search is answered from a bounded
 * walk instead (`ClientPage.searched`, `ClientCount.partial`).
 */
async function boundedSearch<T>(db: Kysely<Database>, timeoutMs: number, run: (trx: Kysely<Database>) => Promise<T>): Promise<T | undefined> {
  try {
    return await db.transaction().execute(async (trx) => {
      await sql.raw(`set local statement_timeout = ${Math.max(1, Math.floor(timeoutMs))}`).execute(trx);
      return run(trx);
    });
  } catch (error) {
    // 57014 query_canceled: the timeout (or an operator's pg_cancel_backend, which the walk answers as well).
    if (typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '57014') return undefined;
    throw error;
  }
}

/**
 * PostgreSQL: whether pg_trgm can narrow a search by its index, which needs a run of three letters or digits in it
 * (pg_trgm splits text at every other character). Without one (`"`, `ü`, `.c`) its GIN scan reads every entry of
 * the index (a second at a million clients, which `statement_timeout` does not interrupt): such a search is
 * answered from the bounded walk at once.
 */
function trigramNarrows(filter: ClientListFilter): boolean {
  return /[\p{L}\p{N}]{3}/u.test(filter.search ?? '');
}

/** A `clients` row as written. */
export type ClientRow = ReturnType<typeof toRow>;

/** A row waiting for its group commit, with the initial access token its registration spends. */
export interface PendingClientRow {
  row: ClientRow;
  initialAccessToken: InitialAccessTokenUse | undefined;
}

/**
 * One multi-row `INSERT`; when some registrations spend initial access tokens, their uses are counted first
 * in the same transaction. A token that cannot be used aborts the batch, which {@link GroupCommit} then
 * retries one registration at a time, so only the one holding that token fails.
 */
async function insertWithTokenUses(db: Kysely<Database>, items: PendingClientRow[]): Promise<void> {
  const rows = items.map((item) => item.row);
  const uses = tokenUses(items);
  if (uses.length === 0) {
    await db.insertInto('clients').values(rows).execute();
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (const use of uses) {
      const result = await spendInitialAccessToken(trx, use, use.count).executeTakeFirst();
      if (result.numUpdatedRows !== 1n) throw new InitialAccessTokenUnusableError();
    }
    await trx.insertInto('clients').values(rows).execute();
  });
}

/**
 * The initial access token uses of a batch, one entry per token with how many registrations spend it: an
 * operator hands one token to many agents, and one `UPDATE` of its row per batch costs less than one per
 * registration. The latest `now` of the batch decides expiry (the strictest). If the token cannot cover them
 * all, the batch fails and is retried one registration at a time (see `GroupCommit`), which spends exactly
 * the uses that remain.
 */
export function tokenUses(items: PendingClientRow[]): (InitialAccessTokenUse & { count: number })[] {
  const byDigest = new Map<string, InitialAccessTokenUse & { count: number }>();
  for (const { initialAccessToken: use } of items) {
    if (!use) continue;
    const seen = byDigest.get(use.tokenDigest);
    if (seen) {
      seen.count += 1;
      seen.now = Math.max(seen.now, use.now);
    } else {
      byDigest.set(use.tokenDigest, { tokenDigest: use.tokenDigest, now: use.now, count: 1 });
    }
  }
  return [...byDigest.values()];
}

/**
 * Counts `count` uses of an initial access token if it is live and has that many left: one conditional
 * `UPDATE`, so the database serialises concurrent uses of one row and the second sees the first's increment.
 */
export function spendInitialAccessToken(db: Kysely<Database>, use: InitialAccessTokenUse, count = 1) {
  return db
    .updateTable('initial_access_tokens')
    .set({ uses: sql<number>`uses + ${count}` })
    .where('token_digest', '=', use.tokenDigest)
    .where('revoked_ms', 'is', null)
    .where((eb) => eb.or([eb('expires_ms', 'is', null), eb('expires_ms', '>', use.now)]))
    .where((eb) => eb.or([eb('max_uses', 'is', null), eb(sql<number>`uses + ${count}`, '<=', eb.ref('max_uses'))]));
}

export function toRow(record: ClientRecord) {
  return {
    client_id: record.clientId,
    client_secret_digest: record.clientSecretDigest,
    client_secret_expires_at: record.clientSecretExpiresAt,
    registration_access_token_digest: record.registrationAccessTokenDigest,
    client_id_issued_at: record.clientIdIssuedAt,
    metadata: JSON.stringify(record.metadata),
    registration_source: record.registrationSource,
    created_ms: record.updatedAt,
    updated_ms: record.updatedAt,
    policy: record.policy,
    look_alike_of: record.lookAlikeOf,
    initial_access_token_id: record.initialAccessTokenId,
    search_text: clientSearchText(record.clientId, record.metadata),
  };
}

/** The `metadata` column as stored: JSON text on SQLite, already an object (jsonb) on PostgreSQL. */
export function parseMetadata(column: unknown): ClientMetadata {
  return (typeof column === 'string' ? JSON.parse(column) : column) as ClientMetadata;
}

function fromRow(row: Selectable<ClientsTable>): ClientRecord {
  const metadata = parseMetadata(row.metadata);
  return {
    clientId: row.client_id,
    clientSecretDigest: row.client_secret_digest,
    clientSecretExpiresAt: Number(row.client_secret_expires_at),
    registrationAccessTokenDigest: row.registration_access_token_digest,
    clientIdIssuedAt: Number(row.client_id_issued_at),
    metadata: metadata as ClientMetadata,
    registrationSource: row.registration_source as RegistrationSource,
    updatedAt: Number(row.updated_ms),
    policy: row.policy,
    lookAlikeOf: row.look_alike_of,
    initialAccessTokenId: row.initial_access_token_id,
    lastUsedAt: row.last_used_ms === null ? null : Number(row.last_used_ms),
  };
}
