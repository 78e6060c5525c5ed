import { sql } from "kysely";
import { isSealed, sealedKeyId } from "../key-encryption.js";
function createSigningKeyRepository(db, guard, encryption) {
  const privateJwk = privateJwkCodec(encryption);
  const toRow = (key) => ({
    kid: key.kid,
    alg: key.alg,
    public_jwk: JSON.stringify(key.publicJwk),
    private_jwk: privateJwk.store(key.kid, key.privateJwk),
    created_ms: key.createdAt,
    retired_ms: key.retiredAt,
    expires_ms: key.expiresAt
  });
  return {
    listSigningKeys: (now) => guard(async () => {
      const rows = await db.selectFrom("signing_keys").selectAll().where((w) => w.or([w("expires_ms", "is", null), w("expires_ms", ">", now)])).orderBy("created_ms", "desc").orderBy("kid").execute();
      return rows.map((row) => fromRow(row, privateJwk.read(row.kid, row.private_jwk)));
    }),
    rotateSigningKey: (key, expiresAt) => guard(
      () => db.transaction().execute(async (trx) => {
        await trx.updateTable("signing_keys").set({ retired_ms: key.createdAt, expires_ms: expiresAt }).where("retired_ms", "is", null).execute();
        await trx.insertInto("signing_keys").values(toRow(key)).execute();
      })
    ),
    insertFirstSigningKey: (key) => guard(async () => {
      const result = await db.insertInto("signing_keys").columns(["kid", "alg", "public_jwk", "private_jwk", "created_ms", "retired_ms", "expires_ms"]).expression(
        db.selectNoFrom([
          sql`${key.kid}`.as("kid"),
          sql`${key.alg}`.as("alg"),
          sql`${JSON.stringify(key.publicJwk)}`.as("public_jwk"),
          sql`${privateJwk.store(key.kid, key.privateJwk)}`.as("private_jwk"),
          sql`${key.createdAt}`.as("created_ms"),
          sql`null`.as("retired_ms"),
          sql`null`.as("expires_ms")
        ]).where(
          ({ not, exists, selectFrom }) => not(exists(selectFrom("signing_keys").select("kid").where("retired_ms", "is", null)))
        )
      ).onConflict((c) => c.doNothing()).executeTakeFirst();
      return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
    }),
    sealPrivateKeys: (scope) => guard(
      () => db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom("signing_keys").select(["kid", "private_jwk"]).execute();
        const opened = rows.map((row) => ({
          kid: row.kid,
          jwk: privateJwk.read(row.kid, row.private_jwk),
          stored: privateJwk.sealedText(row.private_jwk)
        }));
        const stale = opened.filter(({ stored }) => needsSealing(stored, scope, encryption));
        for (const { kid, jwk } of stale) {
          await trx.updateTable("signing_keys").set({ private_jwk: privateJwk.store(kid, jwk) }).where("kid", "=", kid).execute();
        }
        return { total: rows.length, sealed: stale.length };
      })
    )
  };
}
function createServerSecretRepository(db, guard, encryption) {
  const context = (name) => `server_secrets/${name}`;
  const store = (name, value) => encryption.currentKeyId === void 0 ? value : encryption.seal(value, context(name));
  const read = (name, value) => isSealed(value) ? encryption.open(value, context(name)) : value;
  return {
    getOrCreateSecret: (name, generate, now) => guard(async () => {
      await db.insertInto("server_secrets").values({ name, value: store(name, generate()), created_ms: now }).onConflict((c) => c.column("name").doNothing()).execute();
      const row = await db.selectFrom("server_secrets").select("value").where("name", "=", name).executeTakeFirstOrThrow();
      return read(name, row.value);
    }),
    sealSecrets: (scope) => guard(
      () => db.transaction().execute(async (trx) => {
        const rows = await trx.selectFrom("server_secrets").select(["name", "value"]).execute();
        const opened = rows.map((row) => ({
          name: row.name,
          value: read(row.name, row.value),
          stored: isSealed(row.value) ? row.value : void 0
        }));
        const stale = opened.filter(({ stored }) => needsSealing(stored, scope, encryption));
        for (const { name, value } of stale) {
          await trx.updateTable("server_secrets").set({ value: store(name, value) }).where("name", "=", name).execute();
        }
        return { total: rows.length, sealed: stale.length };
      })
    )
  };
}
function needsSealing(stored, scope, encryption) {
  if (encryption.currentKeyId === void 0) return false;
  if (stored === void 0) return true;
  return scope === "all" && sealedKeyId(stored) !== encryption.currentKeyId;
}
function privateJwkCodec(encryption) {
  const context = (kid) => `signing_keys/${kid}/private_jwk`;
  const parse = (value) => typeof value === "string" ? JSON.parse(value) : value;
  const sealedText = (value) => {
    const encrypted = parse(value)["encrypted"];
    return typeof encrypted === "string" ? encrypted : void 0;
  };
  return {
    sealedText,
    store: (kid, jwk) => JSON.stringify(encryption.currentKeyId === void 0 ? jwk : { encrypted: encryption.seal(JSON.stringify(jwk), context(kid)) }),
    read(kid, value) {
      const sealed = sealedText(value);
      return sealed === void 0 ? parse(value) : JSON.parse(encryption.open(sealed, context(kid)));
    }
  };
}
function fromRow(row, privateJwk) {
  const json = (value) => typeof value === "string" ? JSON.parse(value) : value;
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: json(row.public_jwk),
    privateJwk,
    createdAt: Number(row.created_ms),
    retiredAt: row.retired_ms === null ? null : Number(row.retired_ms),
    expiresAt: row.expires_ms === null ? null : Number(row.expires_ms)
  };
}
export {
  createServerSecretRepository,
  createSigningKeyRepository
};
//# sourceMappingURL=key-repository.js.map
