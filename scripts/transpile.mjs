// src/**/*.ts to ESM JavaScript for plain node: one file per source, with source maps (stack traces map to src/
// lines through the mappings alone; the sources themselves would double the package). Only strips types: type
// checking is `npm run typecheck`. Used for the package (scripts/build.mjs) and for the `latchkey` processes the
// tests start (scripts/test.mjs), so both run the same JavaScript.
import { build } from 'esbuild';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const sources = (dir) =>
  readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') && !path.endsWith('.d.ts') ? [path] : [];
  });

/** Transpiles every TypeScript file under `srcDir` into `outdir`, keeping the folder layout. */
export function transpile(srcDir, outdir) {
  return build({
    entryPoints: sources(srcDir),
    outdir,
    outbase: srcDir,
    format: 'esm',
    platform: 'node',
    target: 'node22',
    sourcemap: true,
    sourcesContent: false,
    logLevel: 'warning',
  });
}
