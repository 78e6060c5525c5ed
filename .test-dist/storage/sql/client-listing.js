import { sql } from "kysely";
import { redirectHost } from "../../ports/redirect-host.js";
const maxPageSize = 500;
function clientSearchText(clientId, metadata) {
  const parts = /* @__PURE__ */ new Set([metadata.client_name ?? "", clientId]);
  for (const uri of metadata.redirect_uris ?? []) {
    const host = redirectHost(uri);
    if (host) parts.add(host);
    const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(uri)?.[1]?.toLowerCase();
    if (scheme && scheme !== "http" && scheme !== "https") parts.add(scheme);
  }
  return [...parts].join("\n").toLowerCase();
}
function encodeCursor(issuedAt, clientId) {
  return Buffer.from(JSON.stringify([issuedAt, clientId])).toString("base64url");
}
function decodeCursor(cursor) {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && Number.isSafeInteger(value[0]) && typeof value[1] === "string") {
      return [value[0], value[1]];
    }
  } catch {
  }
  return void 0;
}
function pageSize(limit) {
  return Number.isFinite(limit) ? Math.min(maxPageSize, Math.max(1, Math.floor(limit))) : 50;
}
const searchProbeLimit = 1e3;
function wordQuery(search) {
  return /[\p{L}\p{N}]/u.test(search) ? `"${search.replaceAll('"', '""')}" *` : void 0;
}
function searchOf(filter) {
  return filter.search?.trim().toLowerCase() || void 0;
}
async function searchPlan(db, filter, sqlite) {
  const search = searchOf(filter);
  const words = search && sqlite ? wordQuery(search) : void 0;
  if (!words) return "scan";
  const { rows } = await sql`select count(*) as n from (select rowid from clients_search where clients_search match ${words} limit ${searchProbeLimit + 1})`.execute(db);
  return Number(rows[0]?.n ?? 0) <= searchProbeLimit ? "words" : "scan";
}
function selectClients(db, filter, plan = "scan") {
  let query = db.selectFrom("clients");
  const search = searchOf(filter);
  if (search) {
    const pattern = `%${search.replace(/[!%_]/g, (c) => `!${c}`)}%`;
    query = query.where(sql`search_text like ${pattern} escape '!'`);
    const words = wordQuery(search);
    if (plan === "words" && words) query = query.where(sql`rowid in (select rowid from clients_search where clients_search match ${words})`);
  }
  if (filter.source !== void 0) query = query.where("registration_source", "=", filter.source);
  if (filter.flagged === true) query = query.where("look_alike_of", "is not", null);
  const usage = filter.usage;
  if (usage?.kind === "never") query = query.where("last_used_ms", "is", null);
  else if (usage?.kind === "since") query = query.where("last_used_ms", ">=", usage.at);
  else if (usage?.kind === "idle") query = query.where((eb) => eb.or([eb("last_used_ms", "is", null), eb("last_used_ms", "<", usage.at)]));
  return query;
}
function countedByCounters(filter) {
  return searchOf(filter) === void 0 && filter.usage === void 0;
}
function selectKeptCount(db, filter) {
  let query = db.selectFrom("client_counts").select(sql`sum(count)`.as("count"));
  if (filter.source !== void 0) query = query.where("registration_source", "=", filter.source);
  if (filter.flagged === true) query = query.where(sql`flagged`);
  return query;
}
function selectClientPage(db, query, plan = "scan") {
  let select = selectClients(db, query, plan);
  const after = query.after === void 0 ? void 0 : decodeCursor(query.after);
  if (after) {
    select = select.where((eb) => eb(eb.refTuple("client_id_issued_at", "client_id"), "<", eb.tuple(after[0], after[1])));
  }
  return select.selectAll().orderBy("client_id_issued_at", "desc").orderBy("client_id", "desc").limit(pageSize(query.limit) + 1);
}
export {
  clientSearchText,
  countedByCounters,
  decodeCursor,
  encodeCursor,
  maxPageSize,
  pageSize,
  searchPlan,
  searchProbeLimit,
  selectClientPage,
  selectClients,
  selectKeptCount,
  wordQuery
};
//# sourceMappingURL=client-listing.js.map
