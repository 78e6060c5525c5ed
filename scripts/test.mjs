#!/usr/bin/env node
// `npm test`: every test/**/*.test.ts under node's test runner (through tsx). Without TEST_DATABASE_URL the
// PostgreSQL half (and the tests of many instances and of a database outage) is skipped, and this says so; CI
// sets it and fails when PostgreSQL cannot be reached. Shared rate limits need Redis: TEST_REDIS_URL, which
// defaults to redis://127.0.0.1:6379 when TEST_DATABASE_URL is set.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { availableParallelism } from 'node:os';
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
// Test files run two at a time where there are two cores or more: most of a file's time is spent waiting on
// processes it spawns, databases and sockets, and each file has its own databases and ports.
const concurrency = Math.max(1, Math.min(2, availableParallelism()));
const result = spawnSync(
  supportedNode(),
  ['--import', 'tsx', '--test', '--test-reporter=spec', `--test-concurrency=${concurrency}`, '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
