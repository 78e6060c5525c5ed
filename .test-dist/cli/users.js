import { Writable } from "node:stream";
import { createInterface } from "node:readline/promises";
import { cliActor } from "../operations/actor.js";
import { addUser, checkNewUsername, checkUserExists, removeUser, resetPassword } from "../operations/users.js";
import { validateNewPassword } from "../users/password.js";
import { formatTable, printable } from "./output.js";
import { CliFailure, reportRefusals } from "./command-support.js";
import { confirmOnTerminal, requireConfirmable } from "./confirm.js";
import { operationRefusal, withOperatorPorts } from "./operation-support.js";
function registerUserCommands(program, cli) {
  const users = program.command("users").description("manage local user accounts");
  cli.withConfigFlags(users.command("add").description("create a local user; the password is prompted for, or read with --password-stdin")).argument("<username>", "letters, digits and . _ - @ (stored in lower case)").option("--admin", "may use the admin dashboard").option("--name <name>", "display name").option("--email <email>", "email address").option("--password-stdin", "read the password from standard input (for scripts)").action(
    (username, flags) => withUsers(cli, flags, async (ports) => {
      await checkNewUsername(username, ports);
      const password = await readNewPassword(flags["passwordStdin"] === true);
      const user = await addUser(
        { username, password, isAdmin: flags["admin"] === true, name: stringFlag(flags["name"]), email: stringFlag(flags["email"]) },
        ports,
        cliActor
      );
      process.stdout.write(`Created ${user.isAdmin ? "admin " : ""}user ${user.username}.
`);
    }, void 0, "create")
  );
  cli.withConfigFlags(users.command("list").description("list local users")).option("--json", "print JSON instead of a table").action(
    (flags) => withUsers(cli, flags, async ({ users: store }) => {
      const list = await store.listUsers();
      process.stdout.write(flags["json"] === true ? `${JSON.stringify(list.map(publicFields), null, 2)}
` : usersTable(list));
    })
  );
  cli.withConfigFlags(users.command("remove").description("delete a user with their consents, grants and linked identities: their refresh tokens stop working at once")).argument("<username>").option("-y, --yes", "do not ask for confirmation (required without a terminal)").action(
    (username, flags) => withUsers(cli, flags, async (ports) => {
      const user = await checkUserExists(username, ports);
      if (flags["yes"] !== true) {
        await confirmOnTerminal(
          `  ${user.username}  ${user.isAdmin ? "admin" : "user"}${user.name ? `  ${printable(user.name)}` : ""}
`,
          `Remove user ${user.username}? Their consents, grants and linked identities go with them, and their refresh tokens stop working at once.`,
          "Cancelled: nothing was removed."
        );
      }
      const removed = await removeUser(user.username, ports, cliActor);
      process.stdout.write(`Removed user ${removed.username}.
`);
    }, () => requireConfirmable(flags, "No terminal to confirm the removal: add --yes to remove without asking."))
  );
  cli.withConfigFlags(users.command("set-password").description("replace a local user's password")).argument("<username>").option("--password-stdin", "read the password from standard input (for scripts)").action(
    (username, flags) => withUsers(cli, flags, async (ports) => {
      const user = await checkUserExists(username, ports);
      await resetPassword(user.username, await readNewPassword(flags["passwordStdin"] === true), ports, cliActor);
      process.stdout.write(`Changed the password of ${user.username}.
`);
    })
  );
}
function withUsers(cli, flags, work, before, ifMissing = "refuse") {
  return reportRefusals(async () => {
    const config = cli.configFrom(flags);
    before?.();
    await withOperatorPorts(config, work, ifMissing);
  }, operationRefusal);
}
async function readNewPassword(fromStdin) {
  if (fromStdin) {
    const password2 = (await readAll(process.stdin)).replace(/\r?\n$/, "");
    if (/[\r\n]/.test(password2)) throw new CliFailure("Standard input holds more than one line; give the password alone on one line.", 2);
    const problem2 = validateNewPassword(password2);
    if (problem2) throw new CliFailure(problem2, 2);
    return password2;
  }
  if (!process.stdin.isTTY) {
    throw new CliFailure('No terminal to ask for the password: pipe it in with --password-stdin (e.g. printf %s "$PASSWORD" | latchkey users add \u2026).', 2);
  }
  const password = await promptHidden("Password: ");
  const problem = validateNewPassword(password);
  if (problem) throw new CliFailure(problem, 2);
  if (await promptHidden("Repeat the password: ") !== password) throw new CliFailure("The passwords do not match.", 2);
  return password;
}
async function promptHidden(prompt) {
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input: process.stdin, output: silent, terminal: true });
  process.stderr.write(prompt);
  try {
    return await new Promise((resolve, reject) => {
      rl.once("SIGINT", () => reject(new CliFailure("Cancelled.", 2)));
      rl.question("").then(resolve, reject);
    });
  } finally {
    rl.close();
    process.stderr.write("\n");
  }
}
async function readAll(stream) {
  const chunks = [];
  for await (const chunk of stream) chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString("utf8");
}
function stringFlag(value) {
  return typeof value === "string" ? value : void 0;
}
function publicFields(user) {
  return { id: user.id, username: user.username, name: user.name, email: user.email, isAdmin: user.isAdmin, createdAt: new Date(user.createdAt).toISOString() };
}
function usersTable(users) {
  if (users.length === 0) return "No users.\n";
  return formatTable(
    ["USERNAME", "ADMIN", "NAME", "EMAIL", "CREATED (UTC)"],
    users.map((u) => [u.username, u.isAdmin ? "yes" : "no", u.name ?? "-", u.email ?? "-", new Date(u.createdAt).toISOString().slice(0, 19).replace("T", " ")])
  );
}
export {
  registerUserCommands
};
//# sourceMappingURL=users.js.map
