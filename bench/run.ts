/**
 * `npm run bench`: every benchmark in turn, each in a process of its own, after one build of the server.
 *
 *   npm run bench                        register, then token, then admin, then gateway
 *   npm run bench -- token               only the token endpoint (or: BENCH_SUITES=token)
 *   npm run bench -- growth              a million clients and grants stored against empty (only when named: it
 *                                        seeds for many minutes; BENCH_GROWTH_CLIENTS=100000 for a quick run)
 *   BENCH_ONLY=baseline,sqlite npm run bench    each benchmark's own settings pass through unchanged
 *
 * The suites: register (bench/register.ts: POST /register, with and without metrics), token (bench/token.ts:
 * POST /token, code exchange and refresh), both beside the raw node:http baseline and node-oidc-provider (target
 * `oidc-provider`, bench/oidc-provider-server.ts: the peer users would pick instead, with the ratios issue 15 asks
 * of Latchkey against it), and admin (bench/admin.ts: the dashboard's clients pages with 100,000
 * clients stored) and gateway (bench/gateway.ts: MCP tool calls through `latchkey gateway --upstream` against direct calls
 * to the same upstream), and, only when named, growth (bench/growth.ts: every figure at 1,000,000 clients and grants as a
 * ratio to an empty database). Each prints its own table, ✓/✗ lines and JSON line. The exit code is the first non-zero one
 * of a suite that could not run (missing a target is not an error).
 */
import { execFileSync, spawn } from 'node:child_process';
import { constants } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..');
const suites = ['register', 'token', 'admin', 'gateway', 'growth'] as const;
type Suite = (typeof suites)[number];
/** Run when no suite is named: growth seeds a million clients for many minutes, so it runs only when asked for. */
const defaultSuites: readonly Suite[] = ['register', 'token', 'admin', 'gateway'];

function selectedSuites(): Suite[] {
  const fromArgs = process.argv.slice(2).flatMap((arg) => arg.split(','));
  const raw = fromArgs.length > 0 ? fromArgs : (process.env['BENCH_SUITES'] ?? '').split(',');
  const names = raw.map((name) => name.trim()).filter(Boolean);
  if (names.length === 0) return [...defaultSuites];
  for (const name of names) {
    if (!(suites as readonly string[]).includes(name)) throw new Error(`the benchmarks are ${suites.join(', ')}; got ${JSON.stringify(name)}`);
  }
  return suites.filter((suite) => names.includes(suite));
}

let stopping = false;
let current: ReturnType<typeof spawn> | undefined;

// Ctrl-C reaches the suite from the terminal itself; a signal sent to this process alone is passed on. The
// suite cleans up (servers, databases) and exits; then this process stops without starting the next one.
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    stopping = true;
    current?.kill(signal);
  });
}

function runSuite(suite: Suite, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'bench', `${suite}.ts`)], { cwd: root, env, stdio: 'inherit' });
    current = child;
    child.once('error', (error) => {
      process.stderr.write(`bench: could not start ${suite}: ${error.message}\n`);
      resolvePromise(1);
    });
    child.once('exit', (code, signal) => {
      current = undefined;
      resolvePromise(code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1));
    });
  });
}

async function main(): Promise<number> {
  const selected = selectedSuites();
  const env = { ...process.env };
  // One build for every suite: each would otherwise build dist/ itself (bench/register.ts, token.ts, admin.ts, gateway.ts).
  if (!env['BENCH_LATCHKEY_ENTRY']) {
    execFileSync(process.execPath, [join(root, 'scripts/build.mjs')], { stdio: 'inherit' });
    env['BENCH_LATCHKEY_ENTRY'] = join(root, 'dist/cli/main.js');
  }
  let exitCode = 0;
  for (const [index, suite] of selected.entries()) {
    if (stopping) return 130;
    if (index > 0) process.stdout.write(`\n${'═'.repeat(100)}\n\n`);
    const code = await runSuite(suite, env);
    if (stopping) return 130;
    if (code !== 0 && exitCode === 0) exitCode = code;
  }
  return exitCode;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`bench: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
