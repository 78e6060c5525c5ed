#!/usr/bin/env node
// Transpiles src/**/*.ts to dist/ (ESM, one file per source, with source maps) for running with plain node:
// no TypeScript loader in the server process, so less memory and no per-call helpers. Type checking is
// `npm run typecheck`; this only strips types, in well under a second. With `--types` (`npm run build`, and npm's
// `prepack`, so every packed or published tarball has them) it also writes the .d.ts files that the package's
// exports point at, and fails without TypeScript rather than pack a package without types.
import { transpile } from './transpile.mjs';
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
rmSync(join(root, 'dist'), { recursive: true, force: true });
await transpile(join(root, 'src'), join(root, 'dist'));

if (process.argv.includes('--types')) {
  const tsc = join(root, 'node_modules/typescript/bin/tsc');
  if (!existsSync(tsc)) {
    console.error('build: TypeScript is not installed (npm ci installs it): cannot write the type declarations');
    process.exit(1);
  }
  const result = spawnSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}
