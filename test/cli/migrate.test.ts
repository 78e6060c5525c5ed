import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import { runLatchkey } from '../support/cli.js';
import { forEachDatabase, type DatabaseKind, type TestDatabase } from '../support/databases.js';
import { migrationProvider } from '../../src/storage/sql/migrations.js';
import { spawnServer } from '../support/process.js';

/** Every migration this version knows, in order (the same names on both dialects). */
const allMigrations = Object.keys(await migrationProvider('sqlite').getMigrations());
const lastMigration = allMigrations.at(-1)!;

/** Runs one statement on the test database directly, as another (newer) Latchkey would have. */
async function execute(url: string, statement: string): Promise<void> {
  if (url.startsWith('sqlite:')) {
    const database = new BetterSqlite3(url.slice('sqlite:'.length));
    database.exec(statement);
    database.close();
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(statement);
  await client.end();
}

describe('latchkey --version', () => {
  it("prints the package's version, with --version and -V", () => {
    const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) assert.deepEqual(runLatchkey([flag]), { status: 0, stdout: `${version}\n`, stderr: '' }, flag);
  });
});

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('latchkey migrate --dry-run, and a database migrated by a newer Latchkey', () => {
    let database: TestDatabase;
    before(async () => (database = await kind.create()));
    after(() => database?.cleanup());
    const latchkey = (...args: string[]) => runLatchkey([...args, '--database', database.url]);

    it('lists every migration as pending on a new database, and creates or changes nothing', () => {
      const result = latchkey('migrate', '--dry-run');
      assert.equal(result.status, 0, result.stderr);
      assert.match(result.stdout, new RegExp(`^${allMigrations.length} migrations would be applied to the ${kind.name} database \\(nothing was applied\\):\\n`));
      for (const name of allMigrations) assert.match(result.stdout, new RegExp(`\\n  ${name}\\n`));
      if (kind.name === 'sqlite') assert.equal(existsSync(database.url.slice('sqlite:'.length)), false, 'no file was created');
      const json = latchkey('migrate', '--dry-run', '--json');
      assert.deepEqual(JSON.parse(json.stdout), { dialect: kind.name, pending: allMigrations }, 'still all pending: nothing was applied');
    });

    it('lists only what is still pending once part of the schema exists, without applying it', async () => {
      assert.equal(latchkey('migrate').status, 0);
      await execute(database.url, `delete from kysely_migration where name = '${lastMigration}'`);
      const size = kind.name === 'sqlite' ? statSync(database.url.slice('sqlite:'.length)).size : 0;
      const result = latchkey('migrate', '--dry-run', '--json');
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), { dialect: kind.name, pending: [lastMigration] });
      if (kind.name === 'sqlite') assert.equal(statSync(database.url.slice('sqlite:'.length)).size, size);
      await execute(database.url, `insert into kysely_migration (name, timestamp) values ('${lastMigration}', 'restored')`);
      const none = latchkey('migrate', '--dry-run');
      assert.equal(none.stdout, `No migration is pending: the ${kind.name} database is up to date.\n`);
    });

    it('refuses, in one line and with exit status 1, to serve, migrate or plan against a database that has a migration it does not know', async () => {
      await execute(database.url, `insert into kysely_migration (name, timestamp) values ('0099_from_the_future', 'later')`);
      const oneLine = /^latchkey: The database was migrated by a newer Latchkey \(it has migration 0099_from_the_future, unknown to this version\): upgrade Latchkey, or restore a backup taken before that upgrade \(docs\/deploy\.md\)\n$/;
      for (const args of [['migrate'], ['migrate', '--dry-run'], ['users', 'list']]) {
        const result = latchkey(...args);
        assert.equal(result.status, 1, `${args.join(' ')}: ${result.stderr}`);
        assert.match(result.stderr, oneLine, args.join(' '));
      }
      await assert.rejects(spawnServer({ databaseUrl: database.url, startTimeoutMs: 20_000 }), (error: Error) => {
        assert.match(error.message, /exited \(code 1, signal null\)/);
        assert.match(error.message, /\[stderr\] latchkey: The database was migrated by a newer Latchkey \(it has migration 0099_from_the_future/);
        assert.doesNotMatch(error.message, /\n\[stderr\]\s+at /, 'no stack trace');
        return true;
      });
    });
  });
});
