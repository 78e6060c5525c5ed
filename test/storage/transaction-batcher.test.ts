import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, sql } from 'kysely';
import type { Database, Guard } from '../../src/storage/sql/schema.js';
import { createTransactionBatcher } from '../../src/storage/sql/transaction-batcher.js';

const passThrough: Guard = (work) => work();

/** An in-memory database with one table of numbers, counting the transactions that commit. */
async function numbers() {
  const database = new BetterSqlite3(':memory:');
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database }) });
  await sql`create table numbers (n integer primary key)`.execute(db);
  let commits = 0;
  const commitsBefore = () => commits;
  const original = db.transaction.bind(db);
  // Counts commits by wrapping the builder Kysely hands out (the batcher calls db.transaction().execute()).
  (db as unknown as { transaction: () => unknown }).transaction = () => {
    const builder = original();
    return {
      execute: async <T>(fn: Parameters<typeof builder.execute<T>>[0]) => {
        const result = await builder.execute(fn);
        commits += 1;
        return result;
      },
    };
  };
  const stored = async () => (await sql<{ n: number }>`select n from numbers order by n`.execute(db)).rows.map((row) => row.n);
  return { db, commitsBefore, stored, insert: (n: number) => sql`insert into numbers (n) values (${n})`.execute(db) };
}

describe('createTransactionBatcher', () => {
  it('answers each unit with its own result, with concurrent units sharing commits', async () => {
    const { db, commitsBefore, stored } = await numbers();
    const batcher = createTransactionBatcher(db, passThrough, { maxBatch: 100, maxInFlight: 1 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        batcher.run(async (trx) => {
          await sql`insert into numbers (n) values (${i})`.execute(trx);
          return i * 2;
        }),
      ),
    );
    assert.deepEqual(results, Array.from({ length: 50 }, (_, i) => i * 2));
    assert.deepEqual(await stored(), Array.from({ length: 50 }, (_, i) => i));
    assert.ok(commitsBefore() < 50, `50 units in fewer commits (got ${commitsBefore()})`);
    await db.destroy();
  });

  it('lets a unit see the writes of the units before it in the same transaction (conditional updates stay exact)', async () => {
    const { db, stored } = await numbers();
    const batcher = createTransactionBatcher(db, passThrough, { maxBatch: 100, maxInFlight: 1 });
    // Ten units race to claim the number 7: exactly one may insert it.
    const claims = await Promise.all(
      Array.from({ length: 10 }, () =>
        batcher.run(async (trx) => {
          const result = await sql`insert into numbers (n) values (7) on conflict do nothing`.execute(trx);
          return result.numAffectedRows === 1n;
        }),
      ),
    );
    assert.equal(claims.filter(Boolean).length, 1);
    assert.deepEqual(await stored(), [7]);
    await db.destroy();
  });

  it('fails only the unit that throws: the others of its batch are written again in transactions of their own', async () => {
    const { db, stored } = await numbers();
    const batcher = createTransactionBatcher(db, passThrough, { maxBatch: 100, maxInFlight: 1 });
    const outcomes = await Promise.allSettled(
      [1, 2, 3, 4].map((n) =>
        batcher.run(async (trx) => {
          await sql`insert into numbers (n) values (${n})`.execute(trx);
          if (n === 3) throw new Error('unit 3 fails');
          return n;
        }),
      ),
    );
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status),
      ['fulfilled', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.deepEqual(await stored(), [1, 2, 4], 'the failed unit left nothing behind');
    await batcher.drain();
    await db.destroy();
  });
});
