import { dummyVerify, hashPassword, passwordNeedsRehash, validateNewPassword, verifyPassword } from "./password.js";
class UserError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
    this.name = "UserError";
  }
  code;
}
const userFieldLimits = Object.freeze({ username: 64, name: 200, email: 254 });
function normalizeUsername(username) {
  return username.toLowerCase();
}
function validateUsername(username) {
  if (username.length === 0) return "The username is empty.";
  if (username.length > userFieldLimits.username) return `The username is too long: it may have at most ${userFieldLimits.username} characters.`;
  if (!/^[A-Za-z0-9._@-]+$/.test(username)) return "The username may only contain letters a\u2013z, digits and the characters . _ - @.";
  return void 0;
}
async function createUser(store, input, deps) {
  const usernameProblem = validateUsername(input.username);
  if (usernameProblem) throw new UserError("invalid_username", usernameProblem);
  const username = normalizeUsername(input.username);
  const passwordProblem = validateNewPassword(input.password);
  if (passwordProblem) throw new UserError("invalid_password", passwordProblem);
  const name = optionalField("name", input.name, userFieldLimits.name);
  const email = optionalField("email", input.email, userFieldLimits.email);
  if (email !== null && !/^[^\s@]+@[^\s@]+$/.test(email)) throw new UserError("invalid_profile", `The email address ${JSON.stringify(email)} is not valid.`);
  if (await store.findUserByUsername(username)) throw taken(username);
  const user = {
    id: deps.newId(),
    username,
    passwordHash: await hashPassword(input.password),
    name,
    email,
    isAdmin: input.isAdmin ?? false,
    createdAt: deps.now,
    sessionEpoch: 0
  };
  if (!await store.createUser(user)) throw taken(username);
  return user;
}
async function setUserPassword(store, username, password) {
  const problem = validateNewPassword(password);
  if (problem) throw new UserError("invalid_password", problem);
  const passwordHash = await hashPassword(password);
  if (!await store.setPasswordHash(normalizeUsername(username), passwordHash)) throw unknown(username);
}
async function removeUser(store, username) {
  if (!await store.deleteUser(normalizeUsername(username))) throw unknown(username);
}
async function authenticate(store, username, password) {
  const user = validateUsername(username) === void 0 ? await store.findUserByUsername(normalizeUsername(username)) : void 0;
  if (!user || user.passwordHash === null) return dummyVerify(password).then(() => void 0);
  if (!await verifyPassword(password, user.passwordHash)) return void 0;
  if (passwordNeedsRehash(user.passwordHash)) {
    const passwordHash = await hashPassword(password);
    await store.setPasswordHash(user.username, passwordHash);
    return { ...user, passwordHash };
  }
  return user;
}
function optionalField(field, value, max) {
  if (value === void 0) return null;
  const trimmed = value.trim();
  if (trimmed === "") return null;
  if ([...trimmed].length > max) throw new UserError("invalid_profile", `The ${field} is too long: it may have at most ${max} characters.`);
  return trimmed;
}
function taken(username) {
  return new UserError("username_taken", `A user named ${JSON.stringify(username)} already exists.`);
}
function unknown(username) {
  return new UserError("unknown_user", `There is no user named ${JSON.stringify(normalizeUsername(username))}.`);
}
export {
  UserError,
  authenticate,
  createUser,
  normalizeUsername,
  removeUser,
  setUserPassword,
  userFieldLimits,
  validateUsername
};
//# sourceMappingURL=users.js.map
