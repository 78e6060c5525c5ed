#!/usr/bin/env node
// `npm start` and `npm run latchkey -- …`: builds dist/ (scripts/build.mjs), then runs the `latchkey` command with
// the given arguments on a supported Node (scripts/supported-node.mjs), passing signals on so that Ctrl-C and
// SIGTERM shut the server down gracefully.
import { spawn, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { supportedNode } from './supported-node.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: root, stdio: 'inherit' });
if (built.status !== 0) process.exit(built.status ?? 1);
const child = spawn(supportedNode(), ['--enable-source-maps', 'dist/cli/main.js', ...process.argv.slice(2)], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
