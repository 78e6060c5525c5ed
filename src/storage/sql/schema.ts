import type { ColumnType } from 'kysely';

/** The `clients` table. Secrets appear only as SHA-256 digests. Times: `*_at` seconds, `*_ms` milliseconds. */
export interface ClientsTable {
  client_id: string;
  client_secret_digest: string | null;
  client_secret_expires_at: number;
  registration_access_token_digest: string | null;
  client_id_issued_at: number;
  /** The registered metadata as JSON: `text` on SQLite, `jsonb` on PostgreSQL (read back as an object). */
  metadata: ColumnType<unknown, string, string>;
  registration_source: string;
  created_ms: number;
  updated_ms: number;
  last_used_ms: number | null;
}

export interface Database {
  clients: ClientsTable;
}
