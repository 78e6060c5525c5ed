import { createInterface } from "node:readline/promises";
import { CliFailure } from "./command-support.js";
function requireConfirmable(flags, noTerminal) {
  if (flags["yes"] !== true && !process.stdin.isTTY) throw new CliFailure(noTerminal, 2);
}
async function confirmOnTerminal(listing, question, cancelled) {
  process.stderr.write(listing);
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    const answer = await new Promise((resolve, reject) => {
      const cancel = () => reject(new CliFailure(cancelled, 2));
      rl.once("SIGINT", cancel);
      rl.once("close", cancel);
      rl.question(`${question} [y/N] `).then(resolve, reject);
    });
    if (!/^y(es)?$/i.test(answer.trim())) throw new CliFailure(cancelled, 2);
  } finally {
    rl.close();
  }
}
export {
  confirmOnTerminal,
  requireConfirmable
};
//# sourceMappingURL=confirm.js.map
