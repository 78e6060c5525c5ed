import type { Kysely } from 'kysely';
import type { PushedRequestStore } from '../../ports/pushed-requests.js';
import type { Database, Guard } from './schema.js';

/**
 * The {@link PushedRequestStore} over Kysely, for both dialects. A take is one `DELETE … RETURNING` (SQLite
 * 3.35 and later, PostgreSQL): the row that one statement deleted is gone for every other, so no request is
 * used twice, whichever instances race for it.
 */
export function createPushedRequestRepository(db: Kysely<Database>, guard: Guard): PushedRequestStore {
  return {
    save: (record) =>
      guard(async () => {
        await db
          .insertInto('pushed_requests')
          .values({ digest: record.digest, client_id: record.clientId, params: JSON.stringify(record.params), expires_ms: record.expiresAt })
          .execute();
      }),
    take: (digest, now) =>
      guard(async () => {
        const row = await db.deleteFrom('pushed_requests').where('digest', '=', digest).where('expires_ms', '>', now).returningAll().executeTakeFirst();
        if (!row) return undefined;
        return { digest: row.digest, clientId: row.client_id, params: JSON.parse(row.params) as Record<string, string>, expiresAt: Number(row.expires_ms) };
      }),
    deleteExpired: (now, limit) =>
      guard(async () => {
        const expired = db.selectFrom('pushed_requests').select('digest').where('expires_ms', '<=', now).limit(limit);
        const result = await db.deleteFrom('pushed_requests').where('digest', 'in', expired).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
