import { createInterface } from 'node:readline/promises';
import { CliFailure } from './command-support.js';

/**
 * What destructive commands (`clients delete`, `users remove`) share: without `--yes` they ask on the terminal,
 * and without a terminal they refuse, before anything is read, so that a script that forgot `--yes` learns it
 * at once rather than half-way.
 *
 * @throws {CliFailure} exit 2 without `--yes` and without a terminal; `noTerminal` is what to tell the operator
 */
export function requireConfirmable(flags: Record<string, unknown>, noTerminal: string): void {
  if (flags['yes'] !== true && !process.stdin.isTTY) throw new CliFailure(noTerminal, 2);
}

/**
 * Asks `question` on the terminal (on stderr: stdout stays for output), after `listing` (what would go);
 * anything but y or yes cancels, as do Ctrl-C and Ctrl-D.
 *
 * @throws {CliFailure} `cancelled`, exit 2
 */
export async function confirmOnTerminal(listing: string, question: string, cancelled: string): Promise<void> {
  process.stderr.write(listing);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise<string>((resolve, reject) => {
      const cancel = () => reject(new CliFailure(cancelled, 2));
      // Ctrl-C, or Ctrl-D (end of input) before an answer.
      rl.once('SIGINT', cancel);
      rl.once('close', cancel);
      rl.question(`${question} [y/N] `).then(resolve, reject);
    });
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliFailure(cancelled, 2);
  } finally {
    rl.close();
  }
}
