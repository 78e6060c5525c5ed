import { cleanUpClients } from "../cleanup/clean-up-clients.js";
import { sweepRetention } from "../cleanup/retention.js";
import { commandContext } from "../compose.js";
import { withAuditTrail, withStorage } from "./command-support.js";
import { storageOptions } from "./config-flags.js";
import { createProgress } from "./progress.js";
function registerGcCommand(program, context) {
  context.withConfigFlags(
    program.command("gc").description("delete unused dynamically registered clients and expired records now (the server also does it periodically)"),
    [...storageOptions, "cleanup", "tokens", "audit"]
  ).option("--json", "print JSON instead of a sentence").action(async (flags) => {
    const config = context.configFrom(flags);
    const progress = createProgress(process.stderr, { label: "Deleting unused clients\u2026 deleted so far:" });
    let deletedSoFar = 0;
    try {
      const { summary, expired } = await runGc(config, (deleted2, lastBatch) => {
        deletedSoFar = deleted2;
        progress.update(deleted2, lastBatch > 0 ? `Deleted ${clients(lastBatch)} (${deleted2} so far).` : void 0);
      });
      progress.done();
      const deleted = summary.unused + summary.idle;
      process.stdout.write(flags["json"] ? `${JSON.stringify({ deleted, ...summary, expired }, null, 2)}
` : `${sentence(deleted, summary)}${expiredSentence(expired)}
`);
    } catch (error) {
      progress.done();
      const message = error instanceof Error ? error.message : String(error);
      const after = deletedSoFar > 0 ? ` after deleting ${clients(deletedSoFar)}` : "";
      process.stderr.write(`latchkey: the cleanup failed${after}: ${message}
`);
      process.exitCode = 1;
    }
  });
}
async function runGc(config, onProgress) {
  return withStorage(config, async (storage) => {
    const summary = await withAuditTrail(storage, (audit) => cleanUpClients({ cleanup: storage.cleanup, config, clock: commandContext.clock, audit }, onProgress));
    return { summary, expired: await sweepRetention(storage, config, commandContext.clock.now()) };
  });
}
function expiredSentence(expired) {
  const parts = Object.entries(expired).filter(([, count]) => count > 0).map(([kind, count]) => `${count} ${kind.replaceAll("_", " ")}`);
  return parts.length === 0 ? "" : ` Past their retention: ${parts.join(", ")}.`;
}
function sentence(deleted, summary) {
  return `Deleted ${clients(deleted)}: ${summary.unused} never used, ${summary.idle} idle.`;
}
function clients(n) {
  return `${n} client${n === 1 ? "" : "s"}`;
}
export {
  registerGcCommand
};
//# sourceMappingURL=gc.js.map
