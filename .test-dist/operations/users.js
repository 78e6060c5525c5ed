import { createUser, normalizeUsername, removeUser as deleteUser, setUserPassword, UserError, validateUsername } from "../users/users.js";
import { auditedBy } from "./actor.js";
import { OperationError } from "./operation-error.js";
const refusals = {
  invalid_username: "invalid_input",
  invalid_password: "invalid_input",
  invalid_profile: "invalid_input",
  username_taken: "conflict",
  unknown_user: "not_found"
};
async function addUser(input, context, actor) {
  const user = await refusing(() => createUser(context.users, input, { now: context.clock.now(), newId: () => context.random.uuid() }));
  context.audit.record({ type: "user.created", userId: user.id, ...auditedBy(actor), data: { username: user.username, is_admin: user.isAdmin, provider: "local" } });
  return user;
}
async function checkNewUsername(username, context) {
  const problem = validateUsername(username);
  if (problem) throw new OperationError("invalid_input", problem);
  if (await context.users.findUserByUsername(normalizeUsername(username))) {
    throw new OperationError("conflict", `A user named ${JSON.stringify(normalizeUsername(username))} already exists.`);
  }
}
async function removeUser(username, context, actor) {
  const normalized = normalizeUsername(username);
  if (actor.kind === "admin" && normalizeUsername(actor.username) === normalized) {
    throw new OperationError("refused", "You cannot remove your own account. Another administrator can.");
  }
  const user = await context.users.findUserByUsername(normalized);
  if (!user) throw notFound(normalized);
  await refusing(() => deleteUser(context.users, normalized));
  context.audit.record({ type: "user.removed", userId: user.id, ...auditedBy(actor), data: { username: normalized } });
  return user;
}
async function resetPassword(username, password, context, actor) {
  await refusing(() => setUserPassword(context.users, username, password));
  const user = await context.users.findUserByUsername(normalizeUsername(username));
  if (user) context.audit.record({ type: "user.password_changed", userId: user.id, ...auditedBy(actor), data: { username: user.username } });
}
async function checkUserExists(username, context) {
  const user = await context.users.findUserByUsername(normalizeUsername(username));
  if (!user) throw notFound(normalizeUsername(username));
  return user;
}
async function refusing(work) {
  try {
    return await work();
  } catch (error) {
    if (error instanceof UserError) throw new OperationError(refusals[error.code], error.message, { cause: error });
    throw error;
  }
}
function notFound(username) {
  return new OperationError("not_found", `There is no user named ${JSON.stringify(username)}.`);
}
export {
  addUser,
  checkNewUsername,
  checkUserExists,
  removeUser,
  resetPassword
};
//# sourceMappingURL=users.js.map
