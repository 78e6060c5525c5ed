import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: the command ({@link latchkeyCommand}) is run from here, so that `tsx` and `node_modules` resolve. */
const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The arguments to `node` that run the `latchkey` command: under `npm test`, the sources compiled once by
 * scripts/test.mjs (TEST_LATCHKEY_BUILD names the folder), which start with half the CPU of tsx; otherwise (a
 * test file run on its own) the sources through tsx. Either way relative to the repository root as working folder.
 */
export const latchkeyCommand: readonly string[] = process.env['TEST_LATCHKEY_BUILD']
  ? [join(process.env['TEST_LATCHKEY_BUILD'], 'src', 'cli', 'main.js')]
  : ['--import', 'tsx', 'src/cli/main.ts'];

/** Every server process started and not yet known to have exited; killed when the test process exits. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export interface ServerProcessOptions {
  /** `database.url`: `sqlite:<file>` or `postgres://…`. */
  databaseUrl: string;
  /** More environment variables, over the test process's own. */
  env?: Record<string, string>;
  /** More command-line arguments after `serve`'s own. */
  args?: string[];
  /** How long to wait for the "Latchkey is listening" line before giving up. */
  startTimeoutMs?: number;
  /**
   * Keep the registration, token and authorization page rate limits as configured (by `env`, say). By default
   * they are switched off, so that load tests are not refused.
   */
  rateLimits?: boolean;
}

export interface ServerProcess {
  child: ChildProcess;
  /** The address from the "Latchkey is listening" log line, e.g. `http://127.0.0.1:41234`. */
  address: string;
  port: number;
  /** Resolves when the process has exited, with its exit code or the signal that ended it. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** The last lines the process wrote (stdout and stderr), for failure messages. */
  output(): string;
  /** Sends `signal` (default SIGKILL) unless the process has already exited, and waits until it has. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** The number of output lines kept for {@link ServerProcess.output}. */
const keptLines = 200;

/**
 * Starts the real server (`latchkey serve`) in its own process on a free port and resolves once it listens.
 * Registration and token rate limits are off unless `rateLimits` is set. Its output is read continuously (so the pipe never fills and blocks it)
 * and the last lines kept. Callers must `kill()` it in an `after` hook; as a last resort every process still
 * running is killed when the test process exits.
 */
export async function spawnServer(options: ServerProcessOptions): Promise<ServerProcess> {
  const child = spawn(
    process.execPath,
    [
      ...latchkeyCommand,
      'serve',
      '--port',
      '0',
      '--host',
      '127.0.0.1',
      '--database',
      options.databaseUrl,
      '--log-level',
      'info',
      ...(options.args ?? []),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        ...(options.rateLimits ? {} : { LATCHKEY_REGISTRATION_RATE_LIMIT: 'false', LATCHKEY_TOKEN_RATE_LIMIT: 'false', LATCHKEY_AUTHORIZE_RATE_LIMIT: 'false' }),
        ...options.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  running.add(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
    child.once('error', () => {
      running.delete(child);
      resolve({ code: null, signal: null });
    });
  });

  const lines: string[] = [];
  const keep = (line: string) => {
    lines.push(line);
    if (lines.length > keptLines) lines.splice(0, lines.length - keptLines);
  };
  const output = () => lines.join('\n');

  let onListening: (address: string) => void = () => {};
  const listening = new Promise<string>((resolve) => (onListening = resolve));
  let pending = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    let newline: number;
    while ((newline = pending.indexOf('\n')) !== -1) {
      const line = pending.slice(0, newline);
      pending = pending.slice(newline + 1);
      keep(line);
      if (!line.includes('Latchkey is listening')) continue;
      try {
        const entry = JSON.parse(line) as { msg?: unknown; address?: unknown };
        if (entry.msg === 'Latchkey is listening' && typeof entry.address === 'string') onListening(entry.address);
      } catch {
        // Not a JSON log line.
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n')) if (line !== '') keep(`[stderr] ${line}`);
  });

  const kill = async (signal: NodeJS.Signals = 'SIGKILL') => {
    if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    await exited;
  };

  const timeoutMs = options.startTimeoutMs ?? 60_000;
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    listening.then((address) => ({ address })),
    exited.then((exit) => ({ exit })),
    new Promise<{ timeout: true }>((resolve) => (timer = setTimeout(() => resolve({ timeout: true }), timeoutMs))),
  ]);
  clearTimeout(timer);
  if (!('address' in outcome)) {
    await kill();
    const why = 'exit' in outcome ? `exited (code ${outcome.exit.code}, signal ${outcome.exit.signal})` : `did not listen within ${timeoutMs} ms`;
    throw new Error(`The server process ${why}. Its output:\n${output()}`);
  }
  const address = outcome.address;
  return { child, address, port: Number(new URL(address).port), exited, output, kill };
}

/** `uri` (a `registration_client_uri`, say) with its origin replaced by `address`'s: the issuer is not the listening address. */
export function atAddress(uri: string, address: string): string {
  const url = new URL(uri);
  return new URL(`${url.pathname}${url.search}`, address).href;
}

/** Whether a process with this pid still runs (signal 0 checks without sending anything). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
