import { normalizeUsername, userFieldLimits, validateUsername } from "./users.js";
const hostProvider = "host";
async function userOfHost(hostUser, context) {
  const subject = String(hostUser.id);
  if (subject === "" || subject.length > 255) throw new TypeError("authenticate() returned a user whose id is empty or longer than 255 characters");
  const profile = { email: clip(hostUser.email, userFieldLimits.email), displayName: clip(hostUser.name, userFieldLimits.name) };
  const isAdmin = hostUser.isAdmin === true;
  for (let attempt = 0; attempt < 4; attempt++) {
    const found = await context.identities.findIdentity(hostProvider, subject);
    if (found) {
      const user2 = await context.users.findUserById(found.userId);
      if (!user2) continue;
      if (user2.isAdmin !== isAdmin) await context.users.setAdmin(user2.id, isAdmin);
      if (found.email !== profile.email || found.displayName !== profile.displayName) {
        await context.identities.recordSignIn(found.id, context.clock.now(), profile);
      }
      return { ...user2, isAdmin };
    }
    const now = context.clock.now();
    const user = {
      id: context.random.uuid(),
      username: usernameFor(hostUser, subject, attempt, context.random),
      passwordHash: null,
      name: profile.displayName,
      email: profile.email,
      isAdmin,
      createdAt: now
    };
    const identity = { id: context.random.uuid(), userId: user.id, provider: hostProvider, subject, ...profile, createdAt: now, lastSignedInAt: now };
    const outcome = await context.identities.createUserWithIdentity(user, identity);
    if (outcome === "created") return { ...user, sessionEpoch: 0 };
  }
  throw new Error(`could not create a user for the host app's user ${JSON.stringify(subject)}`);
}
function usernameFor(hostUser, subject, attempt, random) {
  const candidates = [hostUser.username, hostUser.email, `host-${subject}`].map((value) => value === void 0 ? void 0 : normalizeUsername(value.trim()));
  const base = candidates.find((name) => name !== void 0 && validateUsername(name) === void 0 && name.length <= userFieldLimits.username - 7) ?? "host";
  return attempt === 0 ? base : `${base}-${random.token(6).toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 6)}`;
}
function clip(value, max) {
  if (value === void 0) return null;
  const trimmed = String(value).trim();
  return trimmed === "" ? null : [...trimmed].slice(0, max).join("");
}
export {
  hostProvider,
  userOfHost
};
//# sourceMappingURL=host-accounts.js.map
