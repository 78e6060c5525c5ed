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
 * The clients matching `filter`. The search is a substring of `search_text`: `%`, `_` and `!` in it are
 * escaped with `!` (a backslash is no wildcard once another escape character is named), so all match
 * literally. Both sides are lower-cased by JavaScript (not by SQL `lower()`, which differs between the
 * databases outside ASCII), so the match is case-insensitive alike on SQLite and PostgreSQL.
 */
export function selectClients(db: Kysely<Database>, filter: ClientListFilter) {
  let query = db.selectFrom('clients');
  const search = filter.search?.trim().toLowerCase();
  if (search) {
    // Not a backslash as the escape character: its literal would depend on PostgreSQL's standard_conforming_strings.
    const pattern = `%${search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    query = query.where(sql<boolean>`search_text like ${pattern} escape '!'`);
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

/**
 * One page, newest first, from the keyset position in `query.after`: `(issued_at, client_id) < (…)` walks
 * the ordering index from where the previous page ended, so a deep page costs what the first does. One row more
 * than the page is read to learn whether another page follows.
 */
export function selectClientPage(db: Kysely<Database>, query: ClientListQuery) {
  let select = selectClients(db, query);
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
