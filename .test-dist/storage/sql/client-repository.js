import { SqliteAdapter, sql } from "kysely";
import { InitialAccessTokenUnusableError } from "../../ports/initial-access-tokens.js";
import { clientSearchText, countedByCounters, encodeCursor, pageSize, searchPlan, selectClientPage, selectClients, selectKeptCount } from "./client-listing.js";
import { GroupCommit } from "./group-commit.js";
const maxBatch = 500;
function createClientRepository(db, options) {
  const { guard } = options;
  const sqlite = db.getExecutor().adapter instanceof SqliteAdapter;
  const insertRows = options.insertRows ?? ((rows) => insertWithTokenUses(db, rows));
  const inserts = new GroupCommit((items) => guard(() => insertRows(items)), {
    maxBatch,
    maxInFlight: options.maxInFlight
  });
  return {
    insertClient: (record, initialAccessToken) => inserts.add({ row: toRow(record), initialAccessToken }),
    drain: () => inserts.drain(),
    findClient: (clientId) => guard(async () => {
      const row = await db.selectFrom("clients").selectAll().where("client_id", "=", clientId).executeTakeFirst();
      return row && fromRow(row);
    }),
    updateClient: (record, expectedTokenDigest) => guard(async () => {
      const { client_id: _id, created_ms: _created, ...changes } = toRow(record);
      const result = await db.updateTable("clients").set(changes).where("client_id", "=", record.clientId).where("registration_access_token_digest", "=", expectedTokenDigest).executeTakeFirst();
      return result.numUpdatedRows === 1n;
    }),
    deleteClient: (clientId) => guard(async () => {
      const result = await db.deleteFrom("clients").where("client_id", "=", clientId).executeTakeFirst();
      return result.numDeletedRows === 1n;
    }),
    touchClient: (clientId, now) => guard(async () => {
      await db.updateTable("clients").set({ last_used_ms: now }).where("client_id", "=", clientId).where((eb) => eb.or([eb("last_used_ms", "is", null), eb("last_used_ms", "<", now)])).execute();
    }),
    countClientsWithPolicy: (policy) => guard(async () => {
      const row = await db.selectFrom("clients").select((eb) => eb.fn.countAll().as("count")).where("policy", "=", policy).executeTakeFirstOrThrow();
      return Number(row.count);
    }),
    saveMetadataDocumentClient: (record) => guard(async () => {
      const row = toRow(record);
      const { client_id: _id, created_ms: _created, ...changes } = row;
      await db.insertInto("clients").values(row).onConflict(
        (oc) => oc.column("client_id").doUpdateSet({
          metadata: changes.metadata,
          updated_ms: changes.updated_ms,
          look_alike_of: changes.look_alike_of,
          // The policy of a metadata-document client is the server's default at the time: it follows the configuration.
          policy: changes.policy,
          search_text: changes.search_text
        }).where("clients.registration_source", "=", "cimd")
      ).execute();
    }),
    listClients: (query) => guard(async () => {
      const rows = await selectClientPage(db, query, await searchPlan(db, query, sqlite)).execute();
      const size = pageSize(query.limit);
      const clients = rows.slice(0, size).map(fromRow);
      const last = clients.at(-1);
      return { clients, next: rows.length > size && last ? encodeCursor(last.clientIdIssuedAt, last.clientId) : null };
    }),
    countClients: (filter) => guard(async () => {
      if (countedByCounters(filter)) return Number((await selectKeptCount(db, filter).executeTakeFirstOrThrow()).count ?? 0);
      const row = await selectClients(db, filter, sqlite ? "words" : "scan").select((eb) => eb.fn.countAll().as("count")).executeTakeFirstOrThrow();
      return Number(row.count);
    }),
    countClientsUpTo: (filter, limit) => guard(async () => {
      if (countedByCounters(filter)) return { count: Number((await selectKeptCount(db, filter).executeTakeFirstOrThrow()).count ?? 0), more: false };
      const matches = selectClients(db, filter, await searchPlan(db, filter, sqlite)).select(sql`1`.as("one")).limit(limit + 1);
      const row = await db.selectFrom(matches.as("m")).select((eb) => eb.fn.countAll().as("count")).executeTakeFirstOrThrow();
      const count = Number(row.count);
      return { count: Math.min(count, limit), more: count > limit };
    })
  };
}
async function insertWithTokenUses(db, items) {
  const rows = items.map((item) => item.row);
  const uses = tokenUses(items);
  if (uses.length === 0) {
    await db.insertInto("clients").values(rows).execute();
    return;
  }
  await db.transaction().execute(async (trx) => {
    for (const use of uses) {
      const result = await spendInitialAccessToken(trx, use, use.count).executeTakeFirst();
      if (result.numUpdatedRows !== 1n) throw new InitialAccessTokenUnusableError();
    }
    await trx.insertInto("clients").values(rows).execute();
  });
}
function tokenUses(items) {
  const byDigest = /* @__PURE__ */ new Map();
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
function spendInitialAccessToken(db, use, count = 1) {
  return db.updateTable("initial_access_tokens").set({ uses: sql`uses + ${count}` }).where("token_digest", "=", use.tokenDigest).where("revoked_ms", "is", null).where((eb) => eb.or([eb("expires_ms", "is", null), eb("expires_ms", ">", use.now)])).where((eb) => eb.or([eb("max_uses", "is", null), eb(sql`uses + ${count}`, "<=", eb.ref("max_uses"))]));
}
function toRow(record) {
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
    search_text: clientSearchText(record.clientId, record.metadata)
  };
}
function parseMetadata(column) {
  return typeof column === "string" ? JSON.parse(column) : column;
}
function fromRow(row) {
  const metadata = parseMetadata(row.metadata);
  return {
    clientId: row.client_id,
    clientSecretDigest: row.client_secret_digest,
    clientSecretExpiresAt: Number(row.client_secret_expires_at),
    registrationAccessTokenDigest: row.registration_access_token_digest,
    clientIdIssuedAt: Number(row.client_id_issued_at),
    metadata,
    registrationSource: row.registration_source,
    updatedAt: Number(row.updated_ms),
    policy: row.policy,
    lookAlikeOf: row.look_alike_of,
    initialAccessTokenId: row.initial_access_token_id,
    lastUsedAt: row.last_used_ms === null ? null : Number(row.last_used_ms)
  };
}
export {
  createClientRepository,
  parseMetadata,
  spendInitialAccessToken,
  toRow,
  tokenUses
};
//# sourceMappingURL=client-repository.js.map
