import type { Kysely, Transaction } from 'kysely';
import { GroupCommit } from './group-commit.js';
import type { Database, Guard } from './schema.js';

/** A unit of work that runs inside a transaction it may share with others. */
export type TransactionWork<R> = (trx: Transaction<Database>) => Promise<R>;

/** Runs units of work in shared transactions: see {@link createTransactionBatcher}. */
export interface TransactionBatcher {
  /** Resolves with `work`'s result once the transaction it ran in has committed. */
  run<R>(work: TransactionWork<R>): Promise<R>;
  /** Resolves once every unit of work added so far has finished. */
  drain(): Promise<void>;
}

/**
 * Group commit for small read-modify-write units (a code redeemed into a grant, a refresh token rotated): the
 * units that arrive while a transaction is being written run one after another in the next transaction, and
 * each caller is answered once that transaction has committed. On SQLite every commit is an fsync, which cost
 * nearly half of a token request when each had its own.
 *
 * A unit must make its own decisions from what it reads inside the transaction (conditional updates), never
 * from what it read before: units in one transaction see each other's writes, as if they had run in turn. If
 * a unit throws, its transaction is rolled back and every unit in it is run again in a transaction of its own
 * (see {@link GroupCommit}), so a unit can run twice and must not have effects outside the database.
 */
export function createTransactionBatcher(
  db: Kysely<Database>,
  guard: Guard,
  options: { maxBatch: number; maxInFlight: number },
): TransactionBatcher {
  const commits = new GroupCommit<TransactionWork<unknown>, unknown>(
    (units) =>
      guard(() =>
        db.transaction().execute(async (trx) => {
          const results: unknown[] = [];
          for (const unit of units) results.push(await unit(trx));
          return results;
        }),
      ),
    options,
  );
  return {
    run: <R>(work: TransactionWork<R>) => commits.add(work) as Promise<R>,
    drain: () => commits.drain(),
  };
}
