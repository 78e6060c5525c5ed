import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/** A database for one test: its `database.url`, and a cleanup that removes it. */
export interface TestDatabase {
  url: string;
  cleanup(): Promise<void>;
}

export interface DatabaseKind {
  name: 'sqlite' | 'postgres';
  /**
   * A fresh, empty database. With `migrated`, the caller migrates it next anyway (`storage.migrate()`), so it may
   * come already migrated: under `npm test` a PostgreSQL one is then copied from a migrated template, which is
   * quicker than running every migration again (see {@link postgresTemplate}).
   */
  create(options?: { migrated?: boolean }): Promise<TestDatabase>;
}

/** A fresh SQLite file in a temporary directory. */
export const sqliteKind: DatabaseKind = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-test-'));
    return { url: `sqlite:${join(dir, 'latchkey.db')}`, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  },
};

/** `TEST_DATABASE_URL` names a PostgreSQL server; each test database is created fresh on it and dropped after. */
export const postgresUrl = process.env['TEST_DATABASE_URL'];

/**
 * A database on that server that scripts/test.mjs created and migrated (with every migration, once per `npm test`)
 * and drops at the end, for {@link DatabaseKind.create} with `migrated`; unset when a test file runs on its own.
 */
const postgresTemplate = process.env['TEST_POSTGRES_TEMPLATE'];

export const postgresKind: DatabaseKind = {
  name: 'postgres',
  async create(options = {}) {
    if (!postgresUrl) throw new Error('TEST_DATABASE_URL is not set');
    const name = `latchkey_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}${options.migrated && postgresTemplate ? ` TEMPLATE ${postgresTemplate}` : ''}`);
    await admin.end();
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    return {
      url: url.href,
      async cleanup() {
        const client = new pg.Client({ connectionString: postgresUrl });
        await client.connect();
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        await client.end();
      },
    };
  },
};

/** The databases to run storage-backed tests on: SQLite always, PostgreSQL when `TEST_DATABASE_URL` is set. */
export const databaseKinds: DatabaseKind[] = postgresUrl ? [sqliteKind, postgresKind] : [sqliteKind];

/**
 * Declares `suite` once per database kind, as a `describe` named after it. Without `TEST_DATABASE_URL` the
 * PostgreSQL copy is declared skipped, so the runner's summary counts it.
 */
export function forEachDatabase(
  describe: (name: string, options: { skip?: string }, fn: () => void) => void,
  suite: (kind: DatabaseKind) => void,
): void {
  describe('sqlite', {}, () => suite(sqliteKind));
  if (postgresUrl) describe('postgres', {}, () => suite(postgresKind));
  else describe('postgres', { skip: 'TEST_DATABASE_URL is not set' }, () => {});
}
