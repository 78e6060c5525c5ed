import type { Kysely } from 'kysely';
import type { ReplayStore } from '../../ports/replays.js';
import type { Database, Guard } from './schema.js';

/**
 * The {@link ReplayStore} over Kysely, for both dialects. A use is one statement: insert the key, or take over a
 * row whose value has expired (the same `jti` may come back once its JWT could no longer be accepted anyway);
 * a row that is still live is left alone and the use refused. No read before the write, so the primary key
 * decides between instances racing with one value.
 */
export function createReplayRepository(db: Kysely<Database>, guard: Guard): ReplayStore {
  return {
    useOnce: (key, expiresAt, now) =>
      guard(async () => {
        const result = await db
          .insertInto('used_values')
          .values({ key, expires_ms: expiresAt })
          .onConflict((c) =>
            c
              .column('key')
              .doUpdateSet({ expires_ms: expiresAt })
              .where('used_values.expires_ms', '<=', now),
          )
          .executeTakeFirst();
        return (result.numInsertedOrUpdatedRows ?? 0n) === 1n;
      }),
    deleteExpired: (now, limit) =>
      guard(async () => {
        const expired = db.selectFrom('used_values').select('key').where('expires_ms', '<=', now).limit(limit);
        const result = await db.deleteFrom('used_values').where('key', 'in', expired).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
