#!/usr/bin/env node
// `npm test`: every test/**/*.test.ts under node's test runner (through tsx). Without TEST_DATABASE_URL the
// PostgreSQL half is skipped, and this says so; CI sets it and fails when PostgreSQL cannot be reached.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

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
  console.log('  (for both: TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm test)');
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-reporter=spec', '--test-concurrency=1', '--test-timeout=300000', ...files],
  { stdio: 'inherit' },
);
process.exit(result.status ?? 1);
