import type { JWK } from 'jose';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { ServerSecretStore, SigningKeyRecord, SigningKeyStore } from '../ports.js';
import type { Database, SigningKeysTable, Guard } from './schema.js';

/** The {@link SigningKeyStore} over Kysely, for both dialects. */
export function createSigningKeyRepository(db: Kysely<Database>, guard: Guard): SigningKeyStore {
  const toRow = (key: SigningKeyRecord) => ({
    kid: key.kid,
    alg: key.alg,
    public_jwk: JSON.stringify(key.publicJwk),
    private_jwk: JSON.stringify(key.privateJwk),
    created_ms: key.createdAt,
    retired_ms: key.retiredAt,
    expires_ms: key.expiresAt,
  });
  return {
    listSigningKeys: (now) =>
      guard(async () => {
        const rows = await db
          .selectFrom('signing_keys')
          .selectAll()
          .where((w) => w.or([w('expires_ms', 'is', null), w('expires_ms', '>', now)]))
          .orderBy('created_ms', 'desc')
          .orderBy('kid')
          .execute();
        return rows.map(fromRow);
      }),
    rotateSigningKey: (key, expiresAt) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          await trx
            .updateTable('signing_keys')
            .set({ retired_ms: key.createdAt, expires_ms: expiresAt })
            .where('retired_ms', 'is', null)
            .execute();
          await trx.insertInto('signing_keys').values(toRow(key)).execute();
        }),
      ),
    insertFirstSigningKey: (key) =>
      guard(async () => {
        // Of several instances starting at once exactly one inserts: the unique index on the current key turns
        // the others' inserts into no-ops.
        const result = await db
          .insertInto('signing_keys')
          .columns(['kid', 'alg', 'public_jwk', 'private_jwk', 'created_ms', 'retired_ms', 'expires_ms'])
          .expression(
            db
              .selectNoFrom([
                sql<string>`${key.kid}`.as('kid'),
                sql<string>`${key.alg}`.as('alg'),
                sql<string>`${JSON.stringify(key.publicJwk)}`.as('public_jwk'),
                sql<string>`${JSON.stringify(key.privateJwk)}`.as('private_jwk'),
                sql<number>`${key.createdAt}`.as('created_ms'),
                sql<null>`null`.as('retired_ms'),
                sql<null>`null`.as('expires_ms'),
              ])
              .where(({ not, exists, selectFrom }) =>
                not(exists(selectFrom('signing_keys').select('kid').where('retired_ms', 'is', null))),
              ),
          )
          .onConflict((c) => c.doNothing())
          .executeTakeFirst();
        return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
      }),
  };
}

/** The {@link ServerSecretStore} over Kysely, for both dialects. */
export function createServerSecretRepository(db: Kysely<Database>, guard: Guard): ServerSecretStore {
  return {
    getOrCreateSecret: (name, generate, now) =>
      guard(async () => {
        await db
          .insertInto('server_secrets')
          .values({ name, value: generate(), created_ms: now })
          .onConflict((c) => c.column('name').doNothing())
          .execute();
        const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
        return row.value;
      }),
  };
}

function fromRow(row: Selectable<SigningKeysTable>): SigningKeyRecord {
  const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as JWK;
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: json(row.public_jwk),
    privateJwk: json(row.private_jwk),
    createdAt: Number(row.created_ms),
    retiredAt: row.retired_ms === null ? null : Number(row.retired_ms),
    expiresAt: row.expires_ms === null ? null : Number(row.expires_ms),
  };
}
