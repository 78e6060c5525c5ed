import { SqliteAdapter, sql, type Kysely, type Selectable } from 'kysely';
import type { ClientMetadata } from '../../ports/client-metadata.js';
import { redirectHost } from '../../ports/redirect-host.js';
import type { ClientListFilter, ClientListQuery } from '../../ports/clients.js';
import { issuedByRowid, rowidBlockShift } from './client-search-migration.js';
import type { Database } from './schema.js';
import { inCompounds, searchShards, shardMatches, shardTable, shardVocabulary } from './search-index-shards.js';

/** The most clients one page may hold; larger limits are lowered to it. */
export const maxPageSize = 500;

/** A client id as Latchkey makes them (a UUID, lower-case): it is found by its beginning, not in `search_text`. */
const uuidId = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The `search_text` column: the client name, the client id unless it is a UUID (see {@link idPrefixOf}) and, per
 * redirect URI, its host and (when it is not http or https) its scheme, lower-cased and one per line.
 * `cursor://anysphere.cursor-retrieval/…` is found by `cursor` and by `anysphere`; `com.example.app:/cb`, which
 * has no host, by its scheme; a metadata document's URL or an operator's own client id by any part of it.
 */
export function clientSearchText(clientId: string, metadata: Partial<ClientMetadata>): string {
  const parts = new Set([metadata.client_name ?? '']);
  if (!uuidId.test(clientId)) parts.add(clientId);
  for (const uri of metadata.redirect_uris ?? []) {
    const host = redirectHost(uri);
    if (host) parts.add(host);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
    if (scheme && scheme !== 'http' && scheme !== 'https') parts.add(scheme);
  }
  return [...parts].join('\n').toLowerCase();
}

/**
 * The beginning of a UUID client id that a search names: the (lower-cased) search when it is 8 to 36 hex digits
 * and dashes, else undefined. A UUID id is found by its first 8 characters or more (pasted from a log or a page),
 * through the primary key, and not by a substring: its 36 characters were half of every client's trigrams, half
 * of what a registration indexed (about 25 µs of its CPU on SQLite), for a search nobody makes (the middle of a
 * random id). 8 characters of a time-ordered id name the clients of one 65-second window.
 */
export function idPrefixOf(search: string): string | undefined {
  return /^[0-9a-f][0-9a-f-]{7,35}$/.test(search) ? search : undefined;
}

/**
 * The clients whose id begins with `prefix` (from {@link idPrefixOf}: hex digits and dashes, no wildcard), as a
 * range of the primary key on SQLite, whose text compares by bytes; on PostgreSQL, whose primary key follows the
 * database's collation, a `LIKE` prefix that `clients_id_prefix` (`text_pattern_ops`, migration 0019) answers.
 */
function idPrefixCondition(prefix: string, sqlite: boolean) {
  return sqlite ? sql<boolean>`(client_id >= ${prefix} and client_id < ${`${prefix}\u{10ffff}`})` : sql<boolean>`client_id like ${`${prefix}%`}`;
}

/** Where a page starts: after the client with this `client_id_issued_at` and `client_id`. */
type Cursor = [issuedAt: number, clientId: string];

/** A page's `next`: the base64url of the JSON `[clientIdIssuedAt, clientId]` of its last client. */
export function encodeCursor(issuedAt: number, clientId: string): string {
  return Buffer.from(JSON.stringify([issuedAt, clientId] satisfies Cursor)).toString('base64url');
}

/**
 * The position a cursor names, or undefined when it is not one this code wrote (tampered with, truncated, from
 * an older format): such a cursor lists the first page, since failing the dashboard over it helps nobody.
 */
export function decodeCursor(cursor: string): Cursor | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === 'string') {
      return [value[0] as number, value[1]];
    }
  } catch {
    // Not JSON: a first page, as for any other unreadable cursor.
  }
  return undefined;
}

/** `limit` as a page size: an integer from 1 to {@link maxPageSize}; 50 when it is not a number at all. */
export function pageSize(limit: number): number {
  return Number.isFinite(limit) ? Math.min(maxPageSize, Math.max(1, Math.floor(limit))) : 50;
}

/**
 * Where a search is looked up. `index` (SQLite): the trigram index (its shards `clients_substrings_<n>`, see
 * `search-index-shards.ts`) named
 * the clients whose text holds the search, {@link searchProbeLimit} at most: those rows are read by rowid and
 * sorted, which costs less than walking the listing for them. `match`: every client the index query names (an
 * exact count, however many). `listing`: the listing order is walked and each row's `search_text` checked: on
 * PostgreSQL, whose planner weighs its trigram index against that walk by itself; or when more clients match
 * (`matches`, counted up to the probe's limit, `exact` when they are the clients holding the search and not a
 * superset), so that a page usually fills after a short walk; when it does not, {@link selectSearchPage} reads
 * the index query `match` instead, with the clients whose id begins with the search (`idRowids`, see
 * {@link idPrefixOf}). A search whose id prefix alone names more than the probe's limit has no `match`: the listing is
 * walked (a burst of more than 1,000 registrations within one 65-second window, searched by its first 8 characters).
 * `shards`: the index's shards that `match` is asked of.
 */
export type SearchPlan =
  | { by: 'listing'; matches?: number; exact?: boolean; match?: string; shards?: readonly number[]; idRowids?: readonly number[] }
  | { by: 'index'; rowids: readonly number[] }
  | { by: 'match'; match: string; shards: readonly number[] };

/** The most clients a SQLite search reads through the index before it walks the listing instead. */
export const searchProbeLimit = 1000;

/** The longest phrase of a search that is looked up whole (in code points); a longer search is cut (see {@link trigramQuery}). */
const phraseLength = 48;

/** An FTS5 string: any text between double quotes, a double quote doubled. No operator or syntax survives it. */
const ftsString = (text: string) => `"${text.replaceAll('"', '""')}"`;

/**
 * The FTS5 query of a search of three code points or more: the phrase of its trigrams, which names exactly the
 * clients whose (indexed) text holds it (`exact`). Over {@link phraseLength} code points, the phrases of its first
 * and of its last {@link phraseLength}, which name a superset (the row's `search_text` is checked again): the
 * cost of a phrase grows with its length times the rows holding its commonest trigram (200 × `a`: 67 ms).
 */
export function trigramQuery(search: string): { match: string; exact: boolean } | undefined {
  const chars = [...search];
  if (chars.length < 3) return undefined;
  if (chars.length <= phraseLength) return { match: ftsString(search), exact: true };
  return { match: `${ftsString(chars.slice(0, phraseLength).join(''))} AND ${ftsString(chars.slice(-phraseLength).join(''))}`, exact: false };
}

/** The most trigrams a search of one or two characters is looked up by; more, and the listing is walked. */
const maxShortTerms = 500;

/**
 * The FTS5 query of a search of one or two code points (no trigram of its own): the trigrams that begin with it,
 * read from the vocabularies of the index's shards (`clients_substrings_terms_<n>`), any one of them; the index holds each text
 * followed by two line feeds, so every character begins one. Undefined when there are more than
 * {@link maxShortTerms}; `''` when there is none (no client holds the search). Reading the vocabulary costs
 * about what reading the entries of those trigrams does, so it is done only for a search that
 * {@link heldByNewest} found rare.
 */
async function shortQuery(db: Kysely<Database>, search: string, shards: readonly number[]): Promise<string | undefined> {
  if (shards.length === 0) return '';
  // Each trigram that begins with `search` sorts from it to it followed by the highest code point (twice for one
  // character). Each shard's vocabulary is read up to the limit, so that no shard is read past it.
  const highest = `${search}\u{10ffff}\u{10ffff}`;
  const terms = new Set<string>();
  for (const group of inCompounds(shards)) {
    const arms = group.map(
      (n) => sql`select term from (select term from ${sql.table(shardVocabulary(n))} where term >= ${search} and term <= ${highest} limit ${maxShortTerms + 1})`,
    );
    const { rows } = await sql<{ term: string }>`select term from (${sql.join(arms, sql` union `)}) limit ${maxShortTerms + 1}`.execute(db);
    for (const row of rows) terms.add(row.term);
    if (terms.size > maxShortTerms) return undefined;
  }
  return [...terms].map(ftsString).join(' OR ');
}

/** The newest clients a search of one or two characters walks first, to tell a common search from a rare one. */
const shortWalk = 30_000;

/**
 * How many of the newest {@link shortWalk} clients hold `search`, counted up to `want`. A common search (a
 * letter, a digit, `.`) reaches `want` within a few thousand clients and then fills a page by walking the
 * listing; a rare one, walked to the end of those clients (20 ms at a million), is looked up in the index.
 */
async function heldByNewest(db: Kysely<Database>, search: string, want: number): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*) as n from (select 1 from (select search_text from clients
    order by client_id_issued_at desc, client_id desc limit ${shortWalk}) where search_text like ${likePattern(search)} escape '!' limit ${want})`.execute(db);
  return Number(rows[0]?.n ?? 0);
}

/** `search` as a `LIKE` pattern of itself anywhere: `%`, `_` and `!` escaped with `!` (see {@link selectClients}). */
function likePattern(search: string): string {
  return `%${search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
}

/**
 * `filter.search` as compared: cut at its first NUL (which neither database's text, LIKE pattern or FTS5 query
 * can hold), trimmed and lower-cased by JavaScript; undefined when empty.
 */
function searchOf(filter: ClientListFilter): string | undefined {
  return filter.search?.split('\u0000', 1)[0]?.trim().toLowerCase() || undefined;
}

/**
 * How a search is best looked up (see {@link SearchPlan}): on SQLite, the index is asked for up to `probeLimit + 1`
 * clients holding the search, which it names by reading only their entries (a phrase of trigrams is read term by
 * term in rowid order and stops at the LIMIT, whatever the search); `index` when there are at most `probeLimit`,
 * else `listing` with how many it found. PostgreSQL always walks the listing (its planner chooses).
 */
export async function searchPlan(db: Kysely<Database>, filter: ClientListFilter, sqlite: boolean, probeLimit = searchProbeLimit): Promise<SearchPlan> {
  const search = searchOf(filter);
  if (!search || !sqlite) return { by: 'listing' };
  const trigrams = trigramQuery(search);
  let match = trigrams?.match;
  const shards = await searchShards(db);
  if (match === undefined) {
    const held = await heldByNewest(db, search, probeLimit + 1);
    if (held > probeLimit) return { by: 'listing', matches: held, exact: true };
    match = await shortQuery(db, search, shards);
    if (match === undefined) return { by: 'listing' };
    if (match === '') return { by: 'index', rowids: [] };
  }
  // Shard by shard, newest first, until more than the probe's limit are named.
  const rows: { rowid: number }[] = [];
  for (const n of [...shards].reverse()) {
    if (rows.length > probeLimit) break;
    const table = sql.table(shardTable(n));
    rows.push(...(await sql<{ rowid: number }>`select rowid from ${table} where ${table} match ${match} limit ${probeLimit + 1 - rows.length}`.execute(db)).rows);
  }
  const prefix = idPrefixOf(search);
  const byId = prefix === undefined ? [] : (await sql<{ rowid: number }>`select rowid from clients where ${idPrefixCondition(prefix, true)} limit ${probeLimit + 1}`.execute(db)).rows;
  const rowids = [...new Set([...rows, ...byId].map((row) => row.rowid))];
  if (rowids.length <= probeLimit) return { by: 'index', rowids };
  const exact = trigrams?.exact ?? true;
  if (byId.length > probeLimit) return { by: 'listing', matches: rowids.length, exact };
  return { by: 'listing', matches: rowids.length, exact, match, shards, ...(byId.length > 0 ? { idRowids: byId.map((row) => row.rowid) } : {}) };
}

/**
 * The index query naming every client that holds the search (an exact count reads them all), or undefined when
 * there is none to ask (PostgreSQL, no search, a common search of one or two characters).
 */
export async function matchPlan(db: Kysely<Database>, filter: ClientListFilter, sqlite: boolean): Promise<SearchPlan> {
  const search = searchOf(filter);
  if (!search || !sqlite) return { by: 'listing' };
  const shards = await searchShards(db);
  const match = trigramQuery(search)?.match ?? (await shortQuery(db, search, shards));
  if (match === undefined) return { by: 'listing' };
  return match === '' ? { by: 'index', rowids: [] } : { by: 'match', match, shards };
}

/** Whether `filter` has a search (not only spaces). */
export function hasSearch(filter: ClientListFilter): boolean {
  return searchOf(filter) !== undefined;
}

/** Whether `filter` narrows by the search alone: then the index's count of the search is the count of the filter. */
export function searchOnly(filter: ClientListFilter): boolean {
  return searchOf(filter) !== undefined && filter.source === undefined && filter.flagged !== true && filter.usage === undefined;
}

/**
 * The clients matching `filter` (with `walk`, among those clients only). The search is checked on each row as a
 * substring of `search_text` (with `plan` `index` or `match`, only on the rows the trigram index names, which all
 * hold it unless the index is stale: the check keeps a stale entry from showing a wrong client), or as the
 * beginning of its UUID id ({@link idPrefixOf}): `%`, `_` and `!` in it are escaped with `!` (a backslash is no
 * wildcard once another escape character is named), so all match literally. Both sides are lower-cased by
 * JavaScript (not by SQL `lower()`, which differs between the databases outside ASCII), so the match is
 * case-insensitive alike on SQLite and PostgreSQL.
 */
export function selectClients(db: Kysely<Database>, filter: ClientListFilter, plan: SearchPlan = { by: 'listing' }, walk?: Walk) {
  let query = walk ? walked(db, walk) : db.selectFrom('clients');
  const search = searchOf(filter);
  if (search) {
    // Not a backslash as the escape character: its literal would depend on PostgreSQL's standard_conforming_strings.
    let held = sql<boolean>`search_text like ${likePattern(search)} escape '!'`;
    if (plan.by === 'match') held = sql<boolean>`(${held} and ${shardMatches(plan.shards, plan.match)})`;
    const prefix = idPrefixOf(search);
    query = query.where(prefix === undefined ? held : sql<boolean>`(${held} or ${idPrefixCondition(prefix, db.getExecutor().adapter instanceof SqliteAdapter)})`);
    if (plan.by === 'index') query = query.where(sql<boolean>`rowid in (select value from json_each(${JSON.stringify(plan.rowids)}))`);
  }
  if (filter.source !== undefined) query = query.where('registration_source', '=', filter.source);
  // Only `true` narrows: a form's unticked "flagged only" box (false) shows every client.
  if (filter.flagged === true) query = query.where('look_alike_of', 'is not', null);
  const usage = filter.usage;
  if (usage?.kind === 'never') query = query.where('last_used_ms', 'is', null);
  else if (usage?.kind === 'since') query = query.where('last_used_ms', '>=', usage.at);
  else if (usage?.kind === 'idle') query = query.where((eb) => eb.or([eb('last_used_ms', 'is', null), eb('last_used_ms', '<', usage.at)]));
  return query;
}

/** Whether the kept counts (`client_counts`) answer `filter`: only the source and the flag narrow it. */
export function countedByCounters(filter: ClientListFilter): boolean {
  return searchOf(filter) === undefined && filter.usage === undefined;
}

/** The sum of the kept counts that match `filter` (see {@link countedByCounters}): at most ten rows read. */
export function selectKeptCount(db: Kysely<Database>, filter: ClientListFilter) {
  let query = db.selectFrom('client_counts').select(sql<number | string | null>`sum(count)`.as('count'));
  if (filter.source !== undefined) query = query.where('registration_source', '=', filter.source);
  if (filter.flagged === true) query = query.where(sql<boolean>`flagged`);
  return query;
}

/**
 * One page, newest first, from the keyset position in `query.after`: `(issued_at, client_id) < (…)` walks
 * the ordering index from where the previous page ended, so a deep page costs what the first does. One row more
 * than the page is read to learn whether another page follows.
 */
export function selectClientPage(db: Kysely<Database>, query: ClientListQuery, plan: SearchPlan = { by: 'listing' }) {
  let select = selectClients(db, query, plan);
  const after = query.after === undefined ? undefined : decodeCursor(query.after);
  if (after) {
    select = select.where((eb) => eb(eb.refTuple('client_id_issued_at', 'client_id'), '<', eb.tuple(after[0], after[1])));
  }
  return select
    .selectAll()
    .orderBy('client_id_issued_at', 'desc')
    .orderBy('client_id', 'desc')
    .limit(pageSize(query.limit) + 1);
}

/**
 * The newest clients after the cursor a SQLite search page walks in listing order before it reads the index
 * instead, and that a PostgreSQL search walks when its index could not answer in time.
 */
export const walkBudget = 20_000;
/** The clients walked first: a search that a page's worth of the newest 1,000 clients hold is answered by them. */
const firstWalk = 1000;
/** Rowids the index names per read when a page reads it newest first. */
const indexChunk = 512;

type ClientRow = Selectable<Database['clients']>;

/** A bounded walk of the listing: the `clients` clients after the cursor `after` (none: the newest). */
type Walk = { clients: number; after: Cursor | undefined };

/**
 * The clients of `walk` as a table named `clients`: a subquery in listing order with a LIMIT, so that no plan can
 * read them another way (PostgreSQL would otherwise weigh a GIN scan of every entry for a search it cannot narrow,
 * which no timeout interrupts).
 */
function walked(db: Kysely<Database>, walk: Walk) {
  let newest = db.selectFrom('clients').selectAll();
  const after = walk.after;
  if (after) newest = newest.where((eb) => eb(eb.refTuple('client_id_issued_at', 'client_id'), '<', eb.tuple(after[0], after[1])));
  return db.selectFrom(newest.orderBy('client_id_issued_at', 'desc').orderBy('client_id', 'desc').limit(walk.clients).as('clients'));
}

/** The key of the client a walk ended on: a cursor that goes on after it. */
export type WalkEdge = { client_id_issued_at: number | string; client_id: string };

/** The last of the `walk` clients after `after`, or undefined when fewer remain. */
function walkEdge(db: Kysely<Database>, walk: number, after: Cursor | undefined): Promise<WalkEdge | undefined> {
  let edgeQuery = db.selectFrom('clients').select(['client_id_issued_at', 'client_id']);
  if (after) edgeQuery = edgeQuery.where((eb) => eb(eb.refTuple('client_id_issued_at', 'client_id'), '<', eb.tuple(after[0], after[1])));
  return edgeQuery.orderBy('client_id_issued_at', 'desc').orderBy('client_id', 'desc').offset(walk - 1).limit(1).executeTakeFirst();
}

/**
 * The page of `query` among the `walk` clients after its cursor (listing order, every filter applied), and the
 * last of those clients, `edge` (undefined when fewer remain: the page is then the page).
 */
export async function selectWalkedPage(db: Kysely<Database>, query: ClientListQuery, walk: number): Promise<{ rows: ClientRow[]; edge: WalkEdge | undefined }> {
  const after = query.after === undefined ? undefined : decodeCursor(query.after);
  const edge = await walkEdge(db, walk, after);
  if (db.getExecutor().adapter instanceof SqliteAdapter) {
    // SQLite walks `clients_listing` from the cursor to the edge by itself, and reads a row only when the index's
    // columns (search_text, last_used_ms) match: cheaper than a subquery, which would read every row it walks.
    let page = selectClientPage(db, query, { by: 'listing' });
    if (edge) page = page.where((eb) => eb(eb.refTuple('client_id_issued_at', 'client_id'), '>=', eb.tuple(Number(edge.client_id_issued_at), edge.client_id)));
    return { rows: await page.execute(), edge };
  }
  const rows = await selectClients(db, query, { by: 'listing' }, { clients: walk, after })
    .selectAll()
    .orderBy('client_id_issued_at', 'desc')
    .orderBy('client_id', 'desc')
    .limit(pageSize(query.limit) + 1)
    .execute();
  return { rows, edge };
}

/**
 * How many of the `walk` newest clients match `filter`, counted up to `limit + 1` (for a PostgreSQL search its index
 * could not count in time), and whether those were all the clients (`whole`: the count is every match's).
 */
export async function countWalked(db: Kysely<Database>, filter: ClientListFilter, walk: number, limit: number): Promise<{ count: number; whole: boolean }> {
  const matches = selectClients(db, filter, { by: 'listing' }, { clients: walk, after: undefined }).select(sql<number>`1`.as('one')).limit(limit + 1);
  const row = await db.selectFrom(matches.as('m')).select((eb) => eb.fn.countAll<number | string>().as('count')).executeTakeFirstOrThrow();
  const count = Number(row.count);
  // Past the limit the count says "more than" whatever the walk covered: its edge is looked up only below it.
  return { count, whole: count > limit || (await walkEdge(db, walk, undefined)) === undefined };
}

/**
 * One page of a SQLite search that more than {@link searchProbeLimit} clients match (`plan.match`), as
 * {@link selectClientPage} would list it, without walking the listing past `budget` clients. First the
 * walk: the key `budget` clients below the cursor bounds it, and a page filled within those clients is
 * the page (a common search fills it after a few hundred). Otherwise the matches lie deeper, older than most
 * clients (`019a`, the time-ordered start of old client ids): the index names them newest rowid first, a chunk at
 * a time, and the page keeps the newest in listing order. It stops when no client it has not read can come
 * before them: `clients_issued_by_rowid` bounds the issue time of every client below a rowid, and rowids follow
 * registration, so that bound falls below the page's last client soon after the page is full.
 */
export async function selectSearchPage(db: Kysely<Database>, query: ClientListQuery, plan: SearchPlan, budget = walkBudget): Promise<ClientRow[]> {
  const want = pageSize(query.limit) + 1;
  if (plan.by !== 'listing' || plan.match === undefined) return selectClientPage(db, query, plan).execute();
  // With a source or the flag too: when the kept counts say that at most `budget` clients pass that filter, its
  // index in listing order is walked (`clients_listing_source`, `clients_listing_flagged`). Otherwise, and with a
  // last-use filter, the walk and each chunk of the index read below apply it as well: a rare combination reads
  // the search's matches, not every client.
  if (!searchOnly(query) && query.usage === undefined && Number((await selectKeptCount(db, query).executeTakeFirstOrThrow()).count ?? 0) <= budget) {
    return selectClientPage(db, query, plan).execute();
  }
  // A short walk first (finding its bound costs what walking does: 4 ms for 20,000 clients), then the full budget.
  for (const walk of [Math.min(budget, firstWalk), budget]) {
    const { rows: page, edge } = await selectWalkedPage(db, query, walk);
    if (page.length === want || !edge) return page;
  }

  const { rows: blocks } = await sql<{ block: number; issued_max: number }>`select block, issued_max from ${sql.table(issuedByRowid)} order by block`.execute(db);
  // latest[i]: the latest issue time of any client in blocks[0..i], so of any client whose rowid is below blocks[i + 1].
  const latest: number[] = [];
  for (const [i, block] of blocks.entries()) latest.push(Math.max(Number(block.issued_max), latest[i - 1] ?? -Infinity));
  const latestBelow = (rowid: number): number => {
    // The last block at or below the rowid's, by bisection.
    const block = rowid >> rowidBlockShift;
    let [low, high] = [0, blocks.length];
    while (low < high) {
      const middle = (low + high) >> 1;
      if (Number(blocks[middle]!.block) <= block) low = middle + 1;
      else high = middle;
    }
    return low === 0 ? -Infinity : latest[low - 1]!;
  };
  // Listing order: latest issue time first, then client id descending as SQLite compares text (its UTF-8 bytes).
  const newer = (a: ClientRow, b: ClientRow) => Number(b.client_id_issued_at) - Number(a.client_id_issued_at) || Buffer.compare(Buffer.from(b.client_id), Buffer.from(a.client_id));
  // The clients whose id begins with the search (at most the probe's limit) are read first, whatever their rowids.
  let kept: ClientRow[] = plan.idRowids?.length ? await selectClientPage(db, query, { by: 'index', rowids: plan.idRowids }).execute() : [];
  let below = Number.MAX_SAFE_INTEGER;
  // The shards hold disjoint ranges of rowids: newest first, each read down to its end before the next.
  const shards = [...(plan.shards ?? [])].reverse();
  for (;;) {
    const shard = shards[0];
    if (shard === undefined) break;
    const table = sql.table(shardTable(shard));
    const { rows } = await sql<{ rowid: number }>`select rowid from ${table} where ${table} match ${plan.match}
      and rowid < ${below} order by rowid desc limit ${indexChunk}`.execute(db);
    if (rows.length === 0) {
      shards.shift();
      continue;
    }
    below = rows.at(-1)!.rowid;
    const read = await selectClientPage(db, { ...query, limit: maxPageSize }, { by: 'index', rowids: rows.map((row) => row.rowid) }).execute();
    const keptIds = new Set(kept.map((row) => row.client_id));
    kept = [...kept, ...read.filter((row) => !keptIds.has(row.client_id))].sort(newer).slice(0, want);
    // Every client not read yet has a rowid below `below`, so an issue time of at most latestBelow(below - 1).
    if (kept.length === want && Number(kept.at(-1)!.client_id_issued_at) > latestBelow(below - 1)) break;
  }
  return kept;
}
