import type { Kysely } from 'kysely';
import type { ReplayStore } from '../../ports/replays.js';
import { compileOnce, marker } from './compiled-query.js';
import type { Database, Guard } from './schema.js';
import type { TransactionBatcher } from './transaction-batcher.js';

/**
 * The {@link ReplayStore} over Kysely, for both dialects. A use is one statement: insert the key, or take over a
 * row whose value has expired (the same `jti` may come back once its JWT could no longer be accepted anyway);
 * a row that is still live is left alone and the use refused. No read before the write, so the primary key
 * decides between instances racing with one value. With `batcher` (the token requests' group commit), a use
 * shares the commit of the refresh rotations and code redemptions around it instead of paying an fsync of its
 * own: a DPoP-bound token request records its proof's `jti` on every call.
 */
export function createReplayRepository(db: Kysely<Database>, guard: Guard, batcher?: TransactionBatcher): ReplayStore {
  const write = <R>(work: (trx: Kysely<Database>) => Promise<R>): Promise<R> => (batcher ? batcher.run(work) : guard(() => work(db)));
  // Compiled once: every DPoP-bound token request records a use, and building the statement each time cost more
  // than running it.
  const use = compileOnce([marker.s1, marker.n1, marker.n2] as const, (key: string, expiresAt: number, now: number) =>
    db
      .insertInto('used_values')
      .values({ key, expires_ms: expiresAt })
      .onConflict((c) => c.column('key').doUpdateSet({ expires_ms: expiresAt }).where('used_values.expires_ms', '<=', now)),
  );
  return {
    useOnce: (key, expiresAt, now) =>
      write(async (trx) => {
        const result = await use(trx, key, expiresAt, now);
        return (result.numAffectedRows ?? 0n) === 1n;
      }),
    deleteExpired: (now, limit) =>
      guard(async () => {
        const expired = db.selectFrom('used_values').select('key').where('expires_ms', '<=', now).limit(limit);
        const result = await db.deleteFrom('used_values').where('key', 'in', expired).executeTakeFirst();
        return Number(result.numDeletedRows);
      }),
  };
}
