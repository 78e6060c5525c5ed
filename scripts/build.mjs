#!/usr/bin/env node
// Transpiles src/**/*.ts to dist/ (ESM, one file per source, with source maps) for running with plain node:
// no TypeScript loader in the server process, so less memory and no per-call helpers. Type checking is
// `npm run typecheck`; this only strips types, in well under a second. With `--types` (npm's `prepare`, so
// after `npm ci`) it also writes the .d.ts files that the package's exports point at, when TypeScript is installed.
import { build } from 'esbuild';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const sources = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });

rmSync(join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: sources(join(root, 'src')),
  outdir: join(root, 'dist'),
  outbase: join(root, 'src'),
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  logLevel: 'warning',
});

if (process.argv.includes('--types')) {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  if (existsSync(tsc)) {
    const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
    if (result.status !== 0) process.exit(result.status ?? 1);
  } else {
    console.warn('TypeScript is not installed: dist/ has no type declarations');
  }
}
