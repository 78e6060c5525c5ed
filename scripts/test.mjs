#!/usr/bin/env node
// `npm test`: every test/**/*.test.ts under node's test runner (through tsx). Without TEST_DATABASE_URL the
// PostgreSQL half (and the tests of many instances and of a database outage) is skipped, and this says so; CI
// sets it and fails when PostgreSQL cannot be reached. Shared rate limits need Redis: TEST_REDIS_URL, which
// defaults to redis://127.0.0.1:6379 when TEST_DATABASE_URL is set.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { availableParallelism, tmpdir } from 'node:os';
import { transpile } from './transpile.mjs';
import { supportedNode } from './supported-node.mjs';

function find(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return find(path);
    return path.endsWith('.test.ts') ? [path] : [];
  });
}

const only = process.argv.slice(2);
const files = only.length > 0 ? only : find('test').sort();
if (!process.env.TEST_DATABASE_URL) {
  console.log('TEST_DATABASE_URL is not set: the PostgreSQL tests are skipped; everything runs on SQLite.');
  console.log('  Skipped too: two instances on one database (e2e/many-instances), a database outage (e2e/outage, which');
  console.log('  runs its own PostgreSQL server from initdb), and, without TEST_REDIS_URL, the shared Redis rate limits.');
  console.log('  (for all: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test, with Redis on 127.0.0.1:6379)');
}
// Test files run one more at a time than there are cores, up to three: most of a file's time is spent waiting on
// processes it spawns, databases and sockets (the files' own CPU is about half the cores' time at two at a time
// on two cores), and each file has its own databases and ports.
const concurrency = Math.max(1, Math.min(3, availableParallelism() + 1));
// The `latchkey` processes the tests start (the CLI tests, the server under kill -9, and so on) run the sources
// compiled once, here, as `npm run build` compiles them (esbuild, one file per source), rather than through tsx:
// that halves the CPU each start costs, and some files start dozens. The build sits in a temporary folder
// beside links to package.json and node_modules, at the depth the sources read package.json from; the tests
// find it through TEST_LATCHKEY_BUILD (test/support/cli.ts), and run the sources through tsx without it.
const buildDir = mkdtempSync(join(tmpdir(), 'latchkey-test-build-'));
symlinkSync(resolve('package.json'), join(buildDir, 'package.json'));
symlinkSync(resolve('node_modules'), join(buildDir, 'node_modules'));
await transpile('src', join(buildDir, 'src'));

// With PostgreSQL, a database migrated once, here, from which the tests that migrate a fresh database next anyway
// copy theirs (CREATE DATABASE … TEMPLATE, test/support/databases.ts): quicker than every migration each time.
// Tests of migrating itself still start from an empty database. Dropped at the end.
let template;
const pg = process.env.TEST_DATABASE_URL ? (await import('pg')).default : undefined;
if (pg) {
  const name = `latchkey_template_${process.pid}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  try {
    await admin.connect();
    await admin.query(`CREATE DATABASE ${name}`);
    template = name;
    const url = new URL(process.env.TEST_DATABASE_URL);
    url.pathname = `/${name}`;
    const { openStorage } = await import(pathToFileURL(join(buildDir, 'src', 'storage', 'open-storage.js')).href);
    const storage = await openStorage({ url: url.href, poolSize: 1, sqliteSynchronous: 'full' });
    try {
      await storage.migrate();
    } finally {
      await storage.close();
    }
  } catch (error) {
    // The tests that need PostgreSQL then fail on their own, saying why; without a template they migrate as before.
    console.log(`No migrated PostgreSQL template (${error.message}): each PostgreSQL test database is migrated from empty.`);
    if (template) await admin.query(`DROP DATABASE IF EXISTS ${template}`).catch(() => {});
    template = undefined;
  }
  await admin.end().catch(() => {});
}

const result = spawnSync(
  supportedNode(),
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files],
  { stdio: 'inherit', env: { ...process.env, TEST_LATCHKEY_BUILD: buildDir, ...(template ? { TEST_POSTGRES_TEMPLATE: template } : {}) } },
);
rmSync(buildDir, { recursive: true, force: true });
if (pg && template) {
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  await admin.end();
}
process.exit(result.status ?? 1);
