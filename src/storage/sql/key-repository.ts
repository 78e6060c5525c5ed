import type { JWK } from 'jose';
import { sql, type Kysely, type Selectable } from 'kysely';
import { isSealed, sealedKeyId, type KeyEncryption } from '../key-encryption.js';
import type { SealScope, ServerSecretStore } from '../../ports/secrets.js';
import type { SigningKeyRecord, SigningKeyStore } from '../../ports/signing-keys.js';
import type { Database, SigningKeysTable, Guard } from './schema.js';

/**
 * The {@link SigningKeyStore} over Kysely, for both dialects. With a key-encryption key, private JWKs are stored
 * sealed, as `{"encrypted": "lk1.…"}` in the same JSON column, bound to their `kid`; a private JWK stored in
 * plaintext (before a key was set) is still read.
 */
export function createSigningKeyRepository(db: Kysely<Database>, guard: Guard, encryption: KeyEncryption): SigningKeyStore {
  const privateJwk = privateJwkCodec(encryption);
  const toRow = (key: SigningKeyRecord) => ({
    kid: key.kid,
    alg: key.alg,
    public_jwk: JSON.stringify(key.publicJwk),
    private_jwk: privateJwk.store(key.kid, key.privateJwk),
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
        return rows.map((row) => fromRow(row, privateJwk.read(row.kid, row.private_jwk)));
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
                sql<string>`${privateJwk.store(key.kid, key.privateJwk)}`.as('private_jwk'),
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
    sealPrivateKeys: (scope) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          const rows = await trx.selectFrom('signing_keys').select(['kid', 'private_jwk']).execute();
          // Every key is opened before any is rewritten: one that no configured key opens stops it all.
          const opened = rows.map((row) => ({
            kid: row.kid,
            jwk: privateJwk.read(row.kid, row.private_jwk),
            stored: privateJwk.sealedText(row.private_jwk),
          }));
          const stale = opened.filter(({ stored }) => needsSealing(stored, scope, encryption));
          for (const { kid, jwk } of stale) {
            await trx.updateTable('signing_keys').set({ private_jwk: privateJwk.store(kid, jwk) }).where('kid', '=', kid).execute();
          }
          return { total: rows.length, sealed: stale.length };
        }),
      ),
  };
}

/** The {@link ServerSecretStore} over Kysely, for both dialects; values sealed as the signing keys are. */
export function createServerSecretRepository(db: Kysely<Database>, guard: Guard, encryption: KeyEncryption): ServerSecretStore {
  const context = (name: string) => `server_secrets/${name}`;
  const store = (name: string, value: string) => (encryption.currentKeyId === undefined ? value : encryption.seal(value, context(name)));
  const read = (name: string, value: string) => (isSealed(value) ? encryption.open(value, context(name)) : value);
  return {
    getOrCreateSecret: (name, generate, now) =>
      guard(async () => {
        await db
          .insertInto('server_secrets')
          .values({ name, value: store(name, generate()), created_ms: now })
          .onConflict((c) => c.column('name').doNothing())
          .execute();
        const row = await db.selectFrom('server_secrets').select('value').where('name', '=', name).executeTakeFirstOrThrow();
        return read(name, row.value);
      }),
    sealSecrets: (scope) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          const rows = await trx.selectFrom('server_secrets').select(['name', 'value']).execute();
          const opened = rows.map((row) => ({
            name: row.name,
            value: read(row.name, row.value),
            stored: isSealed(row.value) ? row.value : undefined,
          }));
          const stale = opened.filter(({ stored }) => needsSealing(stored, scope, encryption));
          for (const { name, value } of stale) {
            await trx.updateTable('server_secrets').set({ value: store(name, value) }).where('name', '=', name).execute();
          }
          return { total: rows.length, sealed: stale.length };
        }),
      ),
  };
}

/**
 * Whether a stored value is to be (re)sealed under the current key: one in plaintext, and with `scope: 'all'`
 * one sealed under an older key too. Nothing is, without a current key.
 */
function needsSealing(stored: string | undefined, scope: SealScope, encryption: KeyEncryption): boolean {
  if (encryption.currentKeyId === undefined) return false;
  if (stored === undefined) return true;
  return scope === 'all' && sealedKeyId(stored) !== encryption.currentKeyId;
}

/** A private JWK as stored: the JWK's JSON, or `{"encrypted": "lk1.…"}` bound to the key's `kid`. */
function privateJwkCodec(encryption: KeyEncryption) {
  const context = (kid: string) => `signing_keys/${kid}/private_jwk`;
  const parse = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as Record<string, unknown>;
  /** The sealed text of a stored private JWK, undefined when it is in plaintext. */
  const sealedText = (value: unknown): string | undefined => {
    const encrypted = parse(value)['encrypted'];
    return typeof encrypted === 'string' ? encrypted : undefined;
  };
  return {
    sealedText,
    store: (kid: string, jwk: JWK) =>
      JSON.stringify(encryption.currentKeyId === undefined ? jwk : { encrypted: encryption.seal(JSON.stringify(jwk), context(kid)) }),
    read(kid: string, value: unknown): JWK {
      const sealed = sealedText(value);
      return sealed === undefined ? (parse(value) as JWK) : (JSON.parse(encryption.open(sealed, context(kid))) as JWK);
    },
  };
}

function fromRow(row: Selectable<SigningKeysTable>, privateJwk: JWK): SigningKeyRecord {
  const json = (value: unknown) => (typeof value === 'string' ? JSON.parse(value) : value) as JWK;
  return {
    kid: row.kid,
    alg: row.alg,
    publicJwk: json(row.public_jwk),
    privateJwk,
    createdAt: Number(row.created_ms),
    retiredAt: row.retired_ms === null ? null : Number(row.retired_ms),
    expiresAt: row.expires_ms === null ? null : Number(row.expires_ms),
  };
}
