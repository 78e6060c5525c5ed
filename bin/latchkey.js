#!/usr/bin/env node
// The `latchkey` command: the compiled sources (`npm run build`, run by `npm ci` through `prepare`).
await import('../dist/cli/main.js');
