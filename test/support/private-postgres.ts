import { execFile, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './real-port.js';

const run = promisify(execFile);

/**
 * A PostgreSQL server of the test's own, in a temporary directory on a free port: it can be stopped and started
 * again without disturbing the machine's shared cluster, which other test suites use at the same time.
 */
export interface PrivatePostgres {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` (trust authentication). */
  url: string;
  /** Stops the server: `fast` disconnects clients cleanly, `immediate` is a crash (recovery runs on start). */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same port and data, and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it whatever its state and removes its files. */
  destroy(): Promise<void>;
}

/**
 * The directory holding `initdb` and `pg_ctl`: the newest `/usr/lib/postgresql/<major>/bin` (Debian and Ubuntu),
 * else the first on `PATH`. Undefined when PostgreSQL's server programs are not installed.
 */
export function findPostgresBinaries(): string | undefined {
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian) ? readdirSync(debian).sort((x, y) => Number(y) - Number(x)) : [];
  const candidates = [...versions.map((version) => join(debian, version, 'bin')), ...(process.env['PATH'] ?? '').split(':')];
  return candidates.find((dir) => dir !== '' && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'pg_ctl')));
}

/** Servers not yet destroyed: stopped when the test process exits, so that a failed test leaves none behind. */
const running = new Set<() => void>();
process.once('exit', () => {
  for (const stop of running) stop();
});

/**
 * Creates a cluster with `initdb` and starts it. PostgreSQL refuses to run as root, so as root every program
 * runs as the `postgres` user (`runuser`), which then owns the directory.
 */
export async function startPrivatePostgres(bin: string): Promise<PrivatePostgres> {
  const base = mkdtempSync(join(tmpdir(), 'latchkey-pg-'));
  const data = join(base, 'data');
  const log = join(base, 'postgres.log');
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag: string) => Number(spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' }).stdout.trim());
    const [uid, gid] = [id('-u'), id('-g')];
    if (!Number.isInteger(uid) || uid <= 0) throw new Error('running as root, but there is no postgres user to run PostgreSQL as');
    chownSync(base, uid, gid);
  }
  const command = (program: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, program), ...args]] : [join(bin, program), args];
  // The working directory must be readable by the postgres user, which the caller's may not be.
  const exec = async (program: string, args: string[]) => {
    const [file, argv] = command(program, args);
    try {
      await run(file, argv, { cwd: base, timeout: 60_000 });
    } catch (error) {
      const logText = existsSync(log) ? readFileSync(log, 'utf8').slice(-2000) : '';
      throw new Error(`${program} ${args.join(' ')} failed: ${(error as Error).message}\n${logText}`);
    }
  };

  const port = await freePort();
  await exec('initdb', ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  // pg_ctl hands `-o` to a shell: the temporary path has no spaces or quotes.
  const options = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1`;
  const start = () => exec('pg_ctl', ['-D', data, '-l', log, '-o', options, '-w', '-t', '60', 'start']);
  const stop = (mode: 'fast' | 'immediate' = 'fast') => exec('pg_ctl', ['-D', data, '-m', mode, '-w', 'stop']);
  const stopNow = () => {
    const [file, argv] = command('pg_ctl', ['-D', data, '-m', 'immediate', 'stop']);
    spawnSync(file, argv, { cwd: base, stdio: 'ignore', timeout: 30_000 });
  };
  await start();
  running.add(stopNow);

  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async destroy() {
      running.delete(stopNow);
      stopNow();
      rmSync(base, { recursive: true, force: true });
    },
  };
}
