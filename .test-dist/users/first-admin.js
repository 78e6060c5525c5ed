import { randomBytes, randomUUID } from "node:crypto";
import { createUser, UserError } from "./users.js";
async function ensureFirstAdmin(store, now, options) {
  if (!options.localPasswords) return void 0;
  if ((await store.listUsers()).length > 0) return void 0;
  const username = "admin";
  const password = randomBytes(18).toString("base64url");
  try {
    await createUser(store, { username, password, isAdmin: true, name: "Administrator" }, { now, newId: randomUUID });
  } catch (error) {
    if (error instanceof UserError && error.code === "username_taken") return void 0;
    throw error;
  }
  return { username, password };
}
function announceFirstAdmin(admin, stderr, logger) {
  const setPassword = `npx latchkey users set-password ${admin.username}`;
  if (stderr.isTTY === true) {
    stderr.write(`
First start: created the administrator "${admin.username}" with the password ${admin.password}
Change it with: ${setPassword}

`);
    return;
  }
  stderr.write(
    `
First start: created the administrator "${admin.username}". Its random password is not shown, because stderr is not a terminal.
Set one with: ${setPassword} (--password-stdin for scripts)

`
  );
  logger.warn({ username: admin.username }, `First start: created the administrator; set its password with: ${setPassword}`);
}
export {
  announceFirstAdmin,
  ensureFirstAdmin
};
//# sourceMappingURL=first-admin.js.map
