import type { Kysely, Selectable } from 'kysely';
import type { ClientMetadata } from '../../protocol/registration/client-metadata.js';
import type { ClientRecord, ClientStore, RegistrationSource } from '../ports.js';
import { GroupCommit } from './group-commit.js';
import type { ClientsTable, Database, Guard } from './schema.js';

/** Rows per group-commit batch: well under SQLite's 32,766 bound parameters at 10 columns a row. */
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
    /** Writes rows in one transaction; by default one multi-row `INSERT`. */
    insertRows?: (rows: ClientRow[]) => Promise<void>;
  },
): ClientStore & { drain(): Promise<void> } {
  const { guard } = options;
  const insertRows = options.insertRows ?? (async (rows) => void (await db.insertInto('clients').values(rows).execute()));
  const inserts = new GroupCommit<ClientRecord>((records) => guard(() => insertRows(records.map(toRow))), {
    maxBatch,
    maxInFlight: options.maxInFlight,
  });
  return {
    insertClient: (record) => inserts.add(record),
    drain: () => inserts.drain(),

    findClient: (clientId) =>
      guard(async () => {
        const row = await db.selectFrom('clients').selectAll().where('client_id', '=', clientId).executeTakeFirst();
        return row && fromRow(row);
      }),

    updateClient: (record, expectedTokenDigest) =>
      guard(async () => {
        const { client_id: _id, created_ms: _created, ...changes } = toRow(record);
        const result = await db
          .updateTable('clients')
          .set(changes)
          .where('client_id', '=', record.clientId)
          .where('registration_access_token_digest', '=', expectedTokenDigest)
          .executeTakeFirst();
        return result.numUpdatedRows === 1n;
      }),

    deleteClient: (clientId) =>
      guard(async () => {
        const result = await db.deleteFrom('clients').where('client_id', '=', clientId).executeTakeFirst();
        return result.numDeletedRows === 1n;
      }),
  };
}

/** A `clients` row as written. */
export type ClientRow = ReturnType<typeof toRow>;

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
  };
}

function fromRow(row: Selectable<ClientsTable>): ClientRecord {
  const metadata = typeof row.metadata === 'string' ? JSON.parse(row.metadata) : row.metadata;
  return {
    clientId: row.client_id,
    clientSecretDigest: row.client_secret_digest,
    clientSecretExpiresAt: Number(row.client_secret_expires_at),
    registrationAccessTokenDigest: row.registration_access_token_digest,
    clientIdIssuedAt: Number(row.client_id_issued_at),
    metadata: metadata as ClientMetadata,
    registrationSource: row.registration_source as RegistrationSource,
    updatedAt: Number(row.updated_ms),
  };
}
