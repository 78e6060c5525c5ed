#!/usr/bin/env node
// `npm run check:package`: the package as a user gets it, on the Node.js running this script. Packs the tarball
// (`prepack` builds dist/ with types), checks what it holds against a budget, runs publint and
// @arethetypeswrong/cli on it, follows the README's install steps in a fresh folder (the tarball in place of the
// registry), and then uses what was installed: `npx latchkey --version` (and -V), `serve`, `users add`, a client
// registration, the code + PKCE flow and a refresh, `backup`, the one-line errors for a missing pg or ioredis,
// the library's entry points at run time, and a TypeScript consumer of every entry point (node16 and bundler).
//
//   node scripts/check-package.mjs [--tarball FILE] [--keep]
//
// --tarball reuses a packed tarball (CI packs once and checks it on each Node version); --keep leaves the
// temporary folder for a look. Exit status 0 when every check passed, 1 at the first that did not.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { resource, runOAuthFlow } from './check-package.oauth.mjs';

/**
 * What the tarball may hold at most: more means something was packed that should not be (or dist/ grew a lot).
 * Each source file ships as .js, .d.ts and .js.map; upstream identity (src/identity, the account pages) brought it
 * to about 690 files and 390 KiB, the protocol extensions of issue 13 to 750 files and 437 KiB, and gateway mode
 * (src/gateway, 14 modules) to about 790 files and 473 KiB, and the storage work of issues 15 and 18 (docs/storage.md,
 * the counts and search migration, the WAL sync, the client cache, compiled queries) to about 810 files and 490 KiB.
 */
const budget = { files: 950, bytes: 580_000 };
/** Paths that never belong in the package. */
const forbidden = [/^src\//, /^test\//, /^bench\//, /^scripts\//, /^\.ci\//, /fixtures?\//, /\.test\.[jt]s$/, /^data\//, /\.db$/, /^node_modules\//];
/** Packages a SQLite user must not get: build tools, and the optional drivers of PostgreSQL and Redis. */
const notInstalled = ['esbuild', 'typescript', 'tsx', 'pg', 'ioredis', '@types/node'];

const root = resolve(new URL('..', import.meta.url).pathname);
const args = process.argv.slice(2);
const keep = args.includes('--keep');
const given = args.includes('--tarball') ? resolve(args[args.indexOf('--tarball') + 1] ?? '') : undefined;
const work = mkdtempSync(join(tmpdir(), 'latchkey-package-'));
const started = Date.now();
const summary = [];
const children = new Set();

function fail(message) {
  throw new Error(message);
}

function step(name) {
  process.stdout.write(`\n== ${name} (${((Date.now() - started) / 1000).toFixed(0)} s)\n`);
}

/** Runs a command to completion; fails with its output unless it exits 0 (or `status`). */
function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, timeout: 15 * 60_000, ...options });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.status !== (options.status ?? 0)) fail(`${command} ${commandArgs.join(' ')} exited ${result.status ?? result.signal}:\n${output}`);
  return { stdout: result.stdout ?? '', stderr: result.stderr ?? '', output };
}

const checkoutBin = (name) => join(root, 'node_modules/.bin', name);

process.on('exit', () => {
  for (const child of children) if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
});

await main().catch((error) => {
  console.error(`\ncheck:package FAILED: ${error instanceof Error ? error.message : String(error)}`);
  console.error(keep ? `kept ${work}` : '(--keep leaves the temporary folder for a look)');
  if (!keep) rmSync(work, { recursive: true, force: true });
  process.exit(1);
});

async function main() {
  step(`Node ${process.version}, npm ${run('npm', ['--version']).stdout.trim()}`);
  const major = Number(process.versions.node.split('.')[0]);
  // better-sqlite3 13 (Node-API) crashes on older Node: nothing below would tell more than that.
  if (major < 22) fail(`Node ${process.version} is older than engines.node (>= 22): the package does not run on it`);

  // 1. The tarball and what it holds.
  let tarball = given;
  if (!tarball) {
    step('npm pack (prepack builds dist/ with types)');
    const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', work], { cwd: root }).stdout);
    tarball = join(work, packed[0].filename);
  }
  const files = run('tar', ['-tzf', tarball]).stdout.split('\n').filter(Boolean).map((path) => path.replace(/^package\//, ''));
  const bytes = statSync(tarball).size;
  const manifest = JSON.parse(run('tar', ['-xzOf', tarball, 'package/package.json']).stdout);
  console.log(`${tarball}: ${files.length} files, ${(bytes / 1024).toFixed(1)} KiB (budget: ${budget.files} files, ${(budget.bytes / 1024).toFixed(0)} KiB)`);
  summary.push(`tarball: ${files.length} files, ${bytes} bytes`);
  const stray = files.filter((path) => forbidden.some((pattern) => pattern.test(path)));
  if (stray.length > 0) fail(`the tarball holds files that do not belong in it:\n  ${stray.join('\n  ')}`);
  const entryPoints = Object.entries(manifest.exports).filter(([subpath]) => subpath !== './package.json');
  const needed = ['LICENSE', 'README.md', manifest.bin.latchkey.replace(/^\.\//, ''), 'dist/cli/main.js'];
  for (const [subpath, target] of entryPoints) {
    if (typeof target !== 'object' || !target.types || !target.default) fail(`exports["${subpath}"] must name its types and its JavaScript`);
    needed.push(target.types.replace(/^\.\//, ''), target.default.replace(/^\.\//, ''));
  }
  for (const path of needed) if (!files.includes(path)) fail(`the tarball lacks ${path}`);
  if (files.length > budget.files) fail(`the tarball has ${files.length} files, over the budget of ${budget.files}: see what was added, or raise the budget in scripts/check-package.mjs`);
  if (bytes > budget.bytes) fail(`the tarball is ${bytes} bytes, over the budget of ${budget.bytes}: see what grew, or raise the budget in scripts/check-package.mjs`);

  // 2. Package linters.
  step('publint --strict');
  console.log(run(checkoutBin('publint'), ['run', tarball, '--strict']).output.trim());
  step('@arethetypeswrong/cli --profile esm-only');
  // ESM only by design ("type": "module", no "require" condition): the CommonJS and node10 resolutions are out of
  // scope, everything else must be green.
  run(checkoutBin('attw'), [tarball, '--profile', 'esm-only', '--format', 'table-flipped']);
  console.log('no problem in the node16 (ESM) and bundler resolutions');

  // 3. The README's install steps, as written, with the tarball in place of the registry. strict-allow-scripts
  // makes any install script that the steps do not approve an error instead of a notice: there must be none.
  step("the README's install steps");
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /\n## Install\n[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? fail('README.md has no sh block under "## Install"');
  const lines = block.split('\n').filter((line) => line.trim() !== '');
  const folder = /^mkdir (\S+) && cd \1\b/.exec(lines[0])?.[1] ?? fail(`the install steps must begin with "mkdir DIR && cd DIR": ${lines[0]}`);
  if (!/^npx latchkey serve\b/.test(lines.at(-1))) fail(`the install steps must end with "npx latchkey serve": ${lines.at(-1)}`);
  const script = lines.slice(0, -1).map((line) => line.replace(/(^|\s)npm install latchkey(?=\s|$)/, `$1npm install ${tarball}`));
  if (!script.some((line) => line.includes(tarball))) fail('the install steps have no "npm install latchkey"');
  console.log(script.join('\n'));
  const installStarted = Date.now();
  const installed = run('bash', ['-euo', 'pipefail', '-c', script.join('\n')], { cwd: work, env: { ...process.env, npm_config_strict_allow_scripts: 'true' } });
  const app = join(work, folder);
  console.log(installed.output.trim().split('\n').slice(-4).join('\n'));
  if (/install-scripts|allowScripts/.test(installed.output)) fail(`npm still asks about install scripts:\n${installed.output}`);
  // A reinstall from the lock file reads the installed manifests, where npm finds install scripts that a first
  // install from the registry does not see (better-sqlite3's derived node-gyp rebuild): it must pass as well.
  const reinstalled = run('npm', ['ci', '--no-audit', '--no-fund'], { cwd: app, env: { ...process.env, npm_config_strict_allow_scripts: 'true' } });
  if (/install-scripts|allowScripts/.test(reinstalled.output)) fail(`npm ci asks about install scripts:\n${reinstalled.output}`);
  const unreviewed = run('npm', ['install-scripts', 'ls'], { cwd: app }).output.trim();
  if (unreviewed !== 'No packages with unreviewed install scripts.') fail(`npm install-scripts ls:\n${unreviewed}`);
  console.log(`npm ci again (strict-allow-scripts): passed; ${unreviewed}`);
  const lock = JSON.parse(readFileSync(join(app, 'package-lock.json'), 'utf8'));
  // Installed, that is: not the optional packages of other platforms that the lock file lists too.
  const packages = Object.keys(lock.packages).filter((path) => path.startsWith('node_modules/') && existsSync(join(app, path, 'package.json')));
  summary.push(`installed: ${packages.length} packages in ${((Date.now() - installStarted) / 1000).toFixed(0)} s`);
  console.log(`${packages.length} packages installed`);
  for (const name of notInstalled) if (packages.some((path) => path.endsWith(`node_modules/${name}`))) fail(`a SQLite user gets ${name}`);
  run(process.execPath, ['-e', "new (require('better-sqlite3'))(':memory:').prepare('select 1').get()"], { cwd: app });

  // 4. The installed command.
  const npx = (commandArgs, options = {}) => run('npx', ['--no-install', 'latchkey', ...commandArgs], { cwd: app, ...options });
  step('npx latchkey --version, -V');
  // Read at run time from the installed package's package.json (two levels above dist/cli/main.js).
  for (const flag of ['--version', '-V']) {
    const version = npx([flag]).stdout;
    if (version !== `${manifest.version}\n`) fail(`npx latchkey ${flag} printed ${JSON.stringify(version)}, not ${manifest.version}`);
  }
  console.log(manifest.version);

  step('npx latchkey serve, users add, register, code + PKCE, refresh, backup');
  const data = join(work, 'data');
  mkdirSync(data);
  const database = `sqlite:${join(data, 'latchkey.db')}`;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const server = await startServer(app, ['serve', '--port', String(port), '--host', '127.0.0.1', '--issuer', issuer, '--database', database]);
  try {
    const user = { username: 'alice', password: 'correct horse battery staple' };
    npx(['users', 'add', user.username, '--password-stdin', '--database', database], { input: `${user.password}\n` });
    const { tokens, refreshed } = await runOAuthFlow(server.address, issuer, user);
    console.log('registered a client; signed in, allowed, exchanged the code and refreshed');

    // The library, as installed: every entry point imports, and the resource-server helper verifies the token.
    const entries = entryPoints.map(([subpath]) => (subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`));
    const verify = `
      for (const entry of ${JSON.stringify(entries)}) if (Object.keys(await import(entry)).length === 0) throw new Error(entry + ' exports nothing');
      const { createResourceServer } = await import('${manifest.name}/resource-server');
      const claims = await createResourceServer({ issuer: ${JSON.stringify(issuer)}, resource: ${JSON.stringify(resource)} }).verifyAccessToken(${JSON.stringify(refreshed.access_token)});
      if (claims.sub === undefined || claims.scope !== ${JSON.stringify(tokens.scope)}) throw new Error('unexpected claims ' + JSON.stringify(claims));
      const { createLatchkey } = await import('${manifest.name}');
      const mounted = await createLatchkey({ issuer: 'https://mounted.example/auth', database: { url: 'sqlite::memory:' }, logLevel: 'error' });
      try {
        const metadata = await mounted.fetch(new Request('https://mounted.example/.well-known/oauth-authorization-server/auth'));
        if (metadata.status !== 200 || (await metadata.json()).registration_endpoint !== 'https://mounted.example/auth/register') throw new Error('createLatchkey: no metadata');
        const registered = await mounted.fetch(new Request('https://mounted.example/auth/register', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ redirect_uris: ['https://client.example/cb'] }) }));
        if (registered.status !== 201) throw new Error('createLatchkey: registration answered ' + registered.status);
      } finally {
        await mounted.close();
      }`;
    run(process.execPath, ['--input-type=module', '-e', verify], { cwd: app });
    console.log(`imported ${entries.join(', ')}; ${manifest.name}/resource-server verified the refreshed access token; createLatchkey() served metadata and a registration through fetch()`);

    const backup = npx(['backup', join(data, 'backup.db'), '--database', database]).stdout;
    if (!/\n {2}clients {9}1\n {2}users {11}2\n/.test(backup)) fail(`the backup does not hold 1 client and 2 users:\n${backup}`);
    console.log(backup.trim().split('\n').slice(0, 3).join('\n'));
  } finally {
    await server.stop();
  }
  console.log('the server stopped on SIGTERM with exit status 0');

  step('npx latchkey gateway -- node <a stdio MCP server>: a tool call through the installed gateway');
  await checkGateway(app, data, npx);

  step('the optional drivers are not installed: one line each, naming the package');
  const noPg = npx(['migrate', '--database', 'postgres://nobody@127.0.0.1:1/none'], { status: 2 });
  if (noPg.stderr !== 'latchkey: database.url postgres://… needs the pg package, which is not installed: run npm install pg\n') fail(`without pg: ${noPg.output}`);
  const noRedis = npx(['serve', '--port', '0', '--host', '127.0.0.1', '--redis', 'redis://127.0.0.1:1', '--database', `sqlite:${join(data, 'redis.db')}`], { status: 2 });
  if (!noRedis.stderr.endsWith('latchkey: redis.url redis://… needs the ioredis package, which is not installed: run npm install ioredis\n')) fail(`without ioredis: ${noRedis.output}`);
  console.log(`${noPg.stderr}${noRedis.stderr.trim().split('\n').at(-1)}`);

  // 5. A TypeScript consumer of every entry point, type-checked against the installed declarations (and those of
  // the packages they name) with skipLibCheck off, for both module resolutions users have.
  step('a TypeScript consumer: tsc --noEmit, moduleResolution node16 and bundler');
  const consumer = join(app, 'consumer');
  mkdirSync(consumer);
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
  writeFileSync(
    join(consumer, 'index.ts'),
    entryPoints
      .map(([subpath], index) => {
        const specifier = subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`;
        return `import * as entry${index} from '${specifier}';\nexport const names${index}: string[] = Object.keys(entry${index});\n`;
      })
      .join(''),
  );
  for (const [name, module, moduleResolution] of [['node16', 'node16', 'node16'], ['bundler', 'esnext', 'bundler']]) {
    const compilerOptions = { module, moduleResolution, target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: ['node'], typeRoots: [join(root, 'node_modules/@types')] };
    writeFileSync(join(consumer, `tsconfig.${name}.json`), JSON.stringify({ compilerOptions, files: ['index.ts'] }, null, 2));
    run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', `tsconfig.${name}.json`], { cwd: consumer });
    console.log(`${name}: ${entryPoints.length} entry points type-check`);
  }

  step('passed');
  for (const line of summary) console.log(line);
  console.log(`on Node ${process.version}, in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!keep) rmSync(work, { recursive: true, force: true });
  else console.log(`kept ${work}`);
}

/**
 * Gateway mode as installed: the MCP SDK (a dependency) loads, a stdio MCP server written with it runs as the
 * child of a session, and a user's token calls its tool, which learns the user from its environment.
 */
async function checkGateway(app, data, npx) {
  writeFileSync(
    join(app, 'stdio-whoami.mjs'),
    [
      "import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';",
      "import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';",
      "const server = new McpServer({ name: 'whoami', version: '1.0.0' });",
      "server.registerTool('whoami', { description: 'The user the gateway named' }, () => ({ content: [{ type: 'text', text: `user ${process.env.LATCHKEY_USER_ID}` }] }));",
      'await server.connect(new StdioServerTransport());',
    ].join('\n'),
  );
  const database = `sqlite:${join(data, 'gateway.db')}`;
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const user = { username: 'grace', password: 'correct horse battery staple' };
  npx(['users', 'add', user.username, '--password-stdin', '--database', database], { input: `${user.password}\n` });
  const gateway = await startServer(app, ['gateway', '--port', String(port), '--host', '127.0.0.1', '--issuer', issuer, '--database', database, '--', process.execPath, join(app, 'stdio-whoami.mjs')]);
  try {
    const { tokens } = await runOAuthFlow(gateway.address, issuer, user, { resource: `${issuer}/mcp`, scope: 'mcp offline_access' });
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', authorization: `Bearer ${tokens.access_token}` };
    const post = (body, session) =>
      fetch(`${issuer}/mcp`, { method: 'POST', headers: { ...headers, ...(session ? { 'mcp-session-id': session, 'mcp-protocol-version': '2025-06-18' } : {}) }, body: JSON.stringify(body) });
    const unauthenticated = await fetch(`${issuer}/mcp`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    if (unauthenticated.status !== 401 || !/resource_metadata=/.test(unauthenticated.headers.get('www-authenticate') ?? '')) fail(`the gateway answered ${unauthenticated.status} without a token`);
    const opened = await post({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'package check', version: '1' } } });
    const session = opened.headers.get('mcp-session-id');
    if (opened.status !== 200 || !session) fail(`initialize through the gateway answered ${opened.status}: ${(await opened.text()).slice(0, 300)}`);
    await opened.text();
    await (await post({ jsonrpc: '2.0', method: 'notifications/initialized' }, session)).text();
    const called = await (await post({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } }, session)).text();
    const sub = JSON.parse(Buffer.from(tokens.access_token.split('.')[1], 'base64url').toString('utf8')).sub;
    if (!called.includes(`user ${sub}`)) fail(`the stdio tool did not learn the user ${sub}: ${called.slice(0, 300)}`);
    console.log(`initialize and tools/call through the gateway reached a stdio MCP server as user ${sub}`);
  } finally {
    await gateway.stop();
  }
  console.log('the gateway stopped on SIGTERM with exit status 0');
}

/** A port that was free a moment ago: the issuer must name the port before the server listens. */
function freePort() {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolvePort(port));
    });
  });
}

/**
 * `npx latchkey ARGS` in `app`, in its own process group, resolved once it logs that it listens. `stop()` sends
 * SIGTERM to the server (the pid its log lines carry, under npx) and requires a clean exit of both.
 */
async function startServer(app, commandArgs) {
  const child = spawn('npx', ['--no-install', 'latchkey', ...commandArgs], { cwd: app, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let output = '';
  const exited = new Promise((resolveExit) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolveExit({ code, signal });
    }),
  );
  const { address, pid } = await new Promise((resolveListening, reject) => {
    const timer = setTimeout(() => reject(new Error(`the server did not listen within 60 s:\n${output}`)), 60_000);
    const onData = (chunk) => {
      output += chunk;
      // Complete lines only: a chunk may end inside one.
      for (const line of output.split('\n').slice(0, -1)) {
        if (!line.includes('"Latchkey is listening"')) continue;
        clearTimeout(timer);
        resolveListening(JSON.parse(line));
      }
    };
    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`the server exited (${code ?? signal}) before listening:\n${output}`));
    });
  });
  return {
    address,
    async stop() {
      process.kill(pid, 'SIGTERM');
      const timeout = new Promise((resolveWait) => setTimeout(() => resolveWait({ code: null, signal: 'no exit within 15 s' }), 15_000));
      const { code, signal } = await Promise.race([exited, timeout]);
      if (code !== 0) fail(`the server did not stop cleanly on SIGTERM (${code ?? signal}):\n${output.slice(-2000)}`);
    },
  };
}
