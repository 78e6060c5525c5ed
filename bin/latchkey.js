#!/usr/bin/env node
// The `latchkey` command: the compiled sources in dist/ (built by `npm run build`, and by `prepack` into every
// packed tarball). In a checkout without a build, say what to run instead of a module-not-found stack trace.
try {
  await import('../dist/cli/main.js');
} catch (error) {
  if (error?.code !== 'ERR_MODULE_NOT_FOUND' || !String(error.message).includes('/dist/cli/main.js')) throw error;
  process.stderr.write('latchkey: dist/ is not built: run npm run build first (or npm run latchkey -- ARGS)\n');
  process.exit(1);
}
