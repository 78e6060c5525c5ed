import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { sql } from 'kysely';
import { sqliteKysely } from '../../src/storage/sqlite.js';
import { compileOnce } from '../../src/storage/sql/compiled-query.js';

describe('queries compiled once (compileOnce)', () => {
  function database() {
    const db = sqliteKysely(new BetterSqlite3(':memory:'));
    return db;
  }

  it('runs with each call’s own values in the places of the markers, in whatever order the SQL holds them', async () => {
    const db = database();
    await sql`create table grants (id text primary key, client_id text, user_id text, scope text, resource text, auth_time_ms integer, created_ms integer, revoked_ms integer, branched integer default 0, dpop_jkt text)`.execute(db);
    // The update's SET value comes first in the SQL, the WHERE value second: the markers map them whatever the order.
    const revoke = compileOnce(['\u0000id', -1.5] as const, (id: string, now: number) => db.updateTable('grants').set({ revoked_ms: now }).where('id', '=', id).where('revoked_ms', 'is', null));
    const find = compileOnce(['\u0000id'] as const, (id: string) => db.selectFrom('grants').selectAll().where('id', '=', id));
    for (const id of ['g1', 'g2']) await db.insertInto('grants').values({ id, client_id: 'c', user_id: null, scope: 's', resource: null, auth_time_ms: null, created_ms: 1, revoked_ms: null }).execute();
    assert.equal((await revoke(db, 'g2', 42)).numAffectedRows, 1n);
    assert.equal((await revoke(db, 'g2', 43)).numAffectedRows, 0n, 'the condition holds');
    assert.equal((await find(db, 'g1')).rows[0]?.revoked_ms, null);
    assert.equal((await find(db, 'g2')).rows[0]?.revoked_ms, 42);
    assert.equal((await find(db, 'nope')).rows.length, 0);
    await db.destroy();
  });

  it('refuses a query holding a value that is not a marker, so that no argument is silently left out', async () => {
    const db = database();
    const find = compileOnce(['\u0000id'] as const, (_id: string) => db.selectFrom('grants').selectAll().where('id', '=', 'fixed'));
    await assert.rejects(find(db, 'x'), /holds a value that is not a marker: fixed/);
    await db.destroy();
  });
});
