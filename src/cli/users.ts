import { Writable } from 'node:stream';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { ConfigCli } from './config-cli.js';
import { cliActor } from '../operations/actor.js';
import { addUser, checkNewUsername, checkUserExists, removeUser, resetPassword } from '../operations/users.js';
import type { UserRecord } from '../ports/users.js';
import { validateNewPassword } from '../users/password.js';
import { formatTable, printable } from './output.js';
import { CliFailure, reportRefusals, type MissingDatabase } from './command-support.js';
import { confirmOnTerminal, requireConfirmable } from './confirm.js';
import { operationRefusal, withOperatorPorts, type OperatorPorts } from './operation-support.js';

/** Registers `latchkey users add|list|remove|set-password`. Exit status: 0 done, 1 an unknown or taken username, 2 bad usage or input. */
export function registerUserCommands(program: Command, cli: ConfigCli): void {
  const users = program.command('users').description('manage local user accounts');

  cli
    .withConfigFlags(users.command('add').description('create a local user; the password is prompted for, or read with --password-stdin'))
    .argument('<username>', 'letters, digits and . _ - @ (stored in lower case)')
    .option('--admin', 'may use the admin dashboard')
    .option('--name <name>', 'display name')
    .option('--email <email>', 'email address')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .action((username: string, flags: Record<string, unknown>) =>
      withUsers(cli, flags, async (ports) => {
        // Refused before the password is typed; addUser checks again (the name may be taken meanwhile).
        await checkNewUsername(username, ports);
        const password = await readNewPassword(flags['passwordStdin'] === true);
        const user = await addUser(
          { username, password, isAdmin: flags['admin'] === true, name: stringFlag(flags['name']), email: stringFlag(flags['email']) },
          ports,
          cliActor,
        );
        process.stdout.write(`Created ${user.isAdmin ? 'admin ' : ''}user ${user.username}.\n`);
      }, undefined, 'create'),
    );

  cli
    .withConfigFlags(users.command('list').description('list local users'))
    .option('--json', 'print JSON instead of a table')
    .action((flags: Record<string, unknown>) =>
      withUsers(cli, flags, async ({ users: store }) => {
        const list = await store.listUsers();
        process.stdout.write(flags['json'] === true ? `${JSON.stringify(list.map(publicFields), null, 2)}\n` : usersTable(list));
      }),
    );

  cli
    .withConfigFlags(users.command('remove').description('delete a user with their consents, grants and linked identities: their refresh tokens stop working at once'))
    .argument('<username>')
    .option('-y, --yes', 'do not ask for confirmation (required without a terminal)')
    .action((username: string, flags: Record<string, unknown>) =>
      withUsers(cli, flags, async (ports) => {
        const user = await checkUserExists(username, ports);
        if (flags['yes'] !== true) {
          await confirmOnTerminal(
            `  ${user.username}  ${user.isAdmin ? 'admin' : 'user'}${user.name ? `  ${printable(user.name)}` : ''}\n`,
            `Remove user ${user.username}? Their consents, grants and linked identities go with them, and their refresh tokens stop working at once.`,
            'Cancelled: nothing was removed.',
          );
        }
        const removed = await removeUser(user.username, ports, cliActor);
        process.stdout.write(`Removed user ${removed.username}.\n`);
      }, () => requireConfirmable(flags, 'No terminal to confirm the removal: add --yes to remove without asking.')),
    );

  cli
    .withConfigFlags(users.command('set-password').description("replace a local user's password"))
    .argument('<username>')
    .option('--password-stdin', 'read the password from standard input (for scripts)')
    .action((username: string, flags: Record<string, unknown>) =>
      withUsers(cli, flags, async (ports) => {
        // Refused before the password is typed.
        const user = await checkUserExists(username, ports);
        await resetPassword(user.username, await readNewPassword(flags['passwordStdin'] === true), ports, cliActor);
        process.stdout.write(`Changed the password of ${user.username}.\n`);
      }),
    );
}

/**
 * Runs `work` with the ports of the configured storage (opened, migrated, closed), after `before` (a check that
 * needs no database, such as whether there is a terminal to confirm on). An operation's refusal or a {@link CliFailure} becomes one line on stderr and an exit
 * status; anything else (a configuration error) goes on to `main.ts`'s handler. Only `users add` creates a
 * SQLite file that does not exist (`ifMissing`): an operator may create their administrator before the first start.
 */
function withUsers(
  cli: ConfigCli,
  flags: Record<string, unknown>,
  work: (ports: OperatorPorts) => Promise<void>,
  before?: () => void,
  ifMissing: MissingDatabase = 'refuse',
): Promise<void> {
  return reportRefusals(async () => {
    const config = cli.configFrom(flags);
    before?.();
    await withOperatorPorts(config, work, ifMissing);
  }, operationRefusal);
}

/**
 * The new password: all of standard input with `--password-stdin` (one trailing line end removed, as `echo`
 * adds one), else typed twice at a terminal without echo. Without a terminal and without the flag there is
 * nobody to ask, so the command refuses rather than waiting on a pipe.
 */
async function readNewPassword(fromStdin: boolean): Promise<string> {
  if (fromStdin) {
    const password = (await readAll(process.stdin)).replace(/\r?\n$/, '');
    if (/[\r\n]/.test(password)) throw new CliFailure('Standard input holds more than one line; give the password alone on one line.', 2);
    const problem = validateNewPassword(password);
    if (problem) throw new CliFailure(problem, 2);
    return password;
  }
  if (!process.stdin.isTTY) {
    throw new CliFailure('No terminal to ask for the password: pipe it in with --password-stdin (e.g. printf %s "$PASSWORD" | latchkey users add …).', 2);
  }
  const password = await promptHidden('Password: ');
  const problem = validateNewPassword(password);
  if (problem) throw new CliFailure(problem, 2);
  if ((await promptHidden('Repeat the password: ')) !== password) throw new CliFailure('The passwords do not match.', 2);
  return password;
}

/**
 * Asks on the terminal without echoing what is typed: readline runs the terminal in raw mode and echoes
 * through its output stream, which here discards everything. The prompt goes to stderr so that stdout stays
 * clean for scripts.
 */
async function promptHidden(prompt: string): Promise<string> {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  // Only now is the terminal in raw mode: a prompt shown earlier could be answered while it still echoes.
  process.stderr.write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      // In raw mode Ctrl-C arrives as a readline event rather than a signal.
      rl.once('SIGINT', () => reject(new CliFailure('Cancelled.', 2)));
      rl.question('').then(resolve, reject);
    });
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

function stringFlag(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** A user as `users list --json` prints it: everything but the password hash. */
function publicFields(user: UserRecord) {
  return { id: user.id, username: user.username, name: user.name, email: user.email, isAdmin: user.isAdmin, createdAt: new Date(user.createdAt).toISOString() };
}

function usersTable(users: UserRecord[]): string {
  if (users.length === 0) return 'No users.\n';
  return formatTable(
    ['USERNAME', 'ADMIN', 'NAME', 'EMAIL', 'CREATED (UTC)'],
    users.map((u) => [u.username, u.isAdmin ? 'yes' : 'no', u.name ?? '-', u.email ?? '-', new Date(u.createdAt).toISOString().slice(0, 19).replace('T', ' ')]),
  );
}
