import type { Command } from 'commander';
import type { Config } from '../config/defaults.js';
import type { ConfigCli } from './config-cli.js';
import { cleanUpClients, type CleanupSummary } from '../cleanup/clean-up-clients.js';
import { sweepRetention, type RetentionSummary } from '../cleanup/retention.js';
import { commandContext } from '../compose.js';
import { withAuditTrail, withStorage } from './command-support.js';
import { storageOptions } from './config-flags.js';
import { createProgress } from './progress.js';

/**
 * `latchkey gc`: deletes unused dynamically registered clients once, as the server does every
 * `cleanup.interval` (the thresholds are `cleanup.unusedAfter` and `cleanup.idleAfter`), then what is past its
 * retention (expired tokens, codes and revocations, used one-time values, expired pushed requests, audit events
 * older than `audit.retentionDays`; see cleanup/retention.ts). Progress goes to stderr, the summary to stdout. Exit status: 0 done, 1 the cleanup failed (what was deleted until then stays
 * deleted: every batch is its own transaction), 2 bad configuration.
 */
export function registerGcCommand(program: Command, context: ConfigCli): void {
  context
    .withConfigFlags(
      program.command('gc').description('delete unused dynamically registered clients and expired records now (the server also does it periodically)'),
      [...storageOptions, 'cleanup', 'tokens', 'audit'],
    )
    .option('--json', 'print JSON instead of a sentence')
    .action(async (flags: Record<string, unknown>) => {
      const config = context.configFrom(flags);
      // No total is known in advance: the cleanup deletes batch after batch until one comes back short.
      const progress = createProgress(process.stderr, { label: 'Deleting unused clients… deleted so far:' });
      let deletedSoFar = 0;
      try {
        const { summary, expired } = await runGc(config, (deleted, lastBatch) => {
          deletedSoFar = deleted;
          progress.update(deleted, lastBatch > 0 ? `Deleted ${clients(lastBatch)} (${deleted} so far).` : undefined);
        });
        progress.done();
        const deleted = summary.unused + summary.idle;
        process.stdout.write(flags['json'] ? `${JSON.stringify({ deleted, ...summary, expired }, null, 2)}\n` : `${sentence(deleted, summary)}${expiredSentence(expired)}\n`);
      } catch (error) {
        progress.done();
        const message = error instanceof Error ? error.message : String(error);
        const after = deletedSoFar > 0 ? ` after deleting ${clients(deletedSoFar)}` : '';
        process.stderr.write(`latchkey: the cleanup failed${after}: ${message}\n`);
        process.exitCode = 1;
      }
    });
}

/** Opens and migrates the storage (as the other commands do), runs one cleanup and one retention sweep, and closes everything. */
async function runGc(config: Config, onProgress: (deleted: number, lastBatch: number) => void): Promise<{ summary: CleanupSummary; expired: RetentionSummary }> {
  return withStorage(config, async (storage) => {
    const summary = await withAuditTrail(storage, (audit) => cleanUpClients({ cleanup: storage.cleanup, config, clock: commandContext.clock, audit }, onProgress));
    return { summary, expired: await sweepRetention(storage, config, commandContext.clock.now()) };
  });
}

/** The retention sweep in words, when it deleted anything. */
function expiredSentence(expired: RetentionSummary): string {
  const parts = Object.entries(expired)
    .filter(([, count]) => count > 0)
    .map(([kind, count]) => `${count} ${kind.replaceAll('_', ' ')}`);
  return parts.length === 0 ? '' : ` Past their retention: ${parts.join(', ')}.`;
}

function sentence(deleted: number, summary: CleanupSummary): string {
  return `Deleted ${clients(deleted)}: ${summary.unused} never used, ${summary.idle} idle.`;
}

function clients(n: number): string {
  return `${n} client${n === 1 ? '' : 's'}`;
}
