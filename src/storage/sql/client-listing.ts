import { sql, type Kysely } from 'kysely';
import type { ClientMetadata } from '../../ports/client-metadata.js';
import { redirectHost } from '../../ports/redirect-host.js';
import type { ClientListFilter, ClientListQuery } from '../../ports/clients.js';
import type { Database } from './schema.js';

/** The most clients one page may hold; larger limits are lowered to it. */
export const maxPageSize = 500;

/**
 * The `search_text` column: the client name, the client id and, per redirect URI, its host and (when it is not
 * http or https) its scheme, lower-cased and one per line. `cursor://anysphere.cursor-retrieval/…` is found by
 * `cursor` and by `anysphere`; `com.example.app:/cb`, which has no host, by its scheme.
 */
export function clientSearchText(clientId: string, metadata: Partial<ClientMetadata>): string {
  const parts = new Set([metadata.client_name ?? '', clientId]);
  for (const uri of metadata.redirect_uris ?? []) {
    const host = redirectHost(uri);
    if (host) parts.add(host);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
    if (scheme && scheme !== 'http' && scheme !== 'https') parts.add(scheme);
  }
  return [...parts].join('\n').toLowerCase();
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
 * Where a search is looked up. `words`: SQLite's word index (`clients_search`, FTS5) holds the candidates, and
 * few enough of them ({@link searchProbeLimit} at most) that reading them all and sorting them costs less than
 * walking the listing for them. `scan`: the listing order is walked and each row's `search_text` checked (PostgreSQL,
 * whose planner weighs its trigram index against that walk by itself; a search with no letter or digit; or many
 * matches, which then fill a page after a short walk).
 */
export type SearchPlan = 'words' | 'scan';

/** The most word-index candidates a SQLite search reads before it walks the listing instead. */
export const searchProbeLimit = 1000;

/**
 * The FTS5 query of a search: the search as one phrase whose last word may be the beginning of a word
 * (`"claude co" *`), or undefined when it holds no letter or digit (no word to look up).
 */
export function wordQuery(search: string): string | undefined {
  return /[\p{L}\p{N}]/u.test(search) ? `"${search.replaceAll('"', '""')}" *` : undefined;
}

/** `filter.search` as compared: trimmed and lower-cased by JavaScript; undefined when empty. */
function searchOf(filter: ClientListFilter): string | undefined {
  return filter.search?.trim().toLowerCase() || undefined;
}

/**
 * How a SQLite search is best looked up: `words` when the word index has at most {@link searchProbeLimit}
 * candidates (read through it, a bounded probe), else `scan`. PostgreSQL always scans (its planner chooses).
 */
export async function searchPlan(db: Kysely<Database>, filter: ClientListFilter, sqlite: boolean): Promise<SearchPlan> {
  const search = searchOf(filter);
  const words = search && sqlite ? wordQuery(search) : undefined;
  if (!words) return 'scan';
  const { rows } = await sql<{ n: number }>`select count(*) as n from (select rowid from clients_search where clients_search match ${words} limit ${searchProbeLimit + 1})`.execute(db);
  return Number(rows[0]?.n ?? 0) <= searchProbeLimit ? 'words' : 'scan';
}

/**
 * The clients matching `filter`. The search is checked on each row as a substring of `search_text` (with `plan`
 * `words`, only on the rows the word index names): `%`, `_` and `!` in it are escaped with `!` (a backslash is
 * no wildcard once another escape character is named), so all match literally. Both sides are lower-cased by
 * JavaScript (not by SQL `lower()`, which differs between the databases outside ASCII), so the match is
 * case-insensitive alike on SQLite and PostgreSQL.
 */
export function selectClients(db: Kysely<Database>, filter: ClientListFilter, plan: SearchPlan = 'scan') {
  let query = db.selectFrom('clients');
  const search = searchOf(filter);
  if (search) {
    // Not a backslash as the escape character: its literal would depend on PostgreSQL's standard_conforming_strings.
    const pattern = `%${search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    query = query.where(sql<boolean>`search_text like ${pattern} escape '!'`);
    const words = wordQuery(search);
    if (plan === 'words' && words) query = query.where(sql<boolean>`rowid in (select rowid from clients_search where clients_search match ${words})`);
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
export function selectClientPage(db: Kysely<Database>, query: ClientListQuery, plan: SearchPlan = 'scan') {
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
