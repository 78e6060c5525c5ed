#!/usr/bin/env node
// Transpiles src/**/*.ts to dist/ (ESM, one file per source, with source maps) for running with plain node:
// no TypeScript loader in the server process, so less memory and no per-call helpers. Type checking is
// `npm run typecheck`; this only strips types, in well under a second.
import { build } from 'esbuild';
import { readdirSync, rmSync, statSync } from 'node:fs';
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
