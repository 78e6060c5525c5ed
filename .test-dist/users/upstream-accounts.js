import { matchesRule } from "../identity/matches-rule.js";
import { normalizeUsername, userFieldLimits, validateUsername } from "./users.js";
const notAllowed = {
  refused: "not_allowed",
  message: "Your account at this provider is not allowed to sign in here. Ask the administrator of this server, or sign in with another account."
};
async function signInUpstream(profile, context) {
  if (!matchesRule(context.rules.allow, profile)) return notAllowed;
  const now = context.clock.now();
  const found = await context.identities.findIdentity(profile.provider, profile.subject);
  if (found) {
    const user = await context.users.findUserById(found.userId);
    if (!user) return { refused: "unknown_user", message: "Your account was removed. Sign in again to start over." };
    await context.identities.recordSignIn(found.id, now, profileOf(profile));
    return { user: await withAdminRule(user, profile, context), created: false, identity: found };
  }
  return createFromProfile(profile, context, now);
}
async function linkUpstream(user, profile, context) {
  if (!matchesRule(context.rules.allow, profile)) return notAllowed;
  const now = context.clock.now();
  const found = await context.identities.findIdentity(profile.provider, profile.subject);
  if (found && found.userId !== user.id) return linkedElsewhere;
  if (found) {
    await context.identities.recordSignIn(found.id, now, profileOf(profile));
    return { user, created: false, identity: found };
  }
  const identity = newIdentity(profile, user.id, now, context.random);
  if (!await context.identities.linkIdentity(identity)) return linkedElsewhere;
  const named = matchesRule(context.rules.admins, profile);
  return { user: named ? await withAdminRule(user, profile, context) : user, created: false, identity };
}
const linkedElsewhere = {
  refused: "linked_elsewhere",
  message: "That account at the provider is already linked to another user here. Sign in with it instead, or ask an administrator to unlink it."
};
async function createFromProfile(profile, context, now) {
  const isAdmin = matchesRule(context.rules.admins, profile);
  const candidates = usernameCandidates(profile, context.random);
  for (const username of candidates) {
    const user = {
      id: context.random.uuid(),
      username,
      passwordHash: null,
      name: clip(profile.name, userFieldLimits.name),
      email: profile.emailVerified ? clip(profile.email, userFieldLimits.email) : null,
      isAdmin,
      createdAt: now
    };
    const identity = newIdentity(profile, user.id, now, context.random);
    const outcome = await context.identities.createUserWithIdentity(user, identity);
    if (outcome === "created") return { user: { ...user, sessionEpoch: 0 }, created: true, identity };
    if (outcome === "identity_taken") return signInUpstream(profile, context);
  }
  throw new Error("no free username for an upstream sign-in after several attempts");
}
function usernameCandidates(profile, random) {
  const usable = (value) => {
    if (!value) return void 0;
    const name = normalizeUsername(value.trim());
    return validateUsername(name) === void 0 && name.length <= userFieldLimits.username - 7 ? name : void 0;
  };
  const login = profile.username?.includes("@") ? null : profile.username;
  const preferred = [usable(profile.emailVerified ? profile.email : null), usable(login)].filter((name) => name !== void 0);
  const stem = preferred[0] ?? profile.provider;
  const suffix = () => random.token(6).toLowerCase().replace(/[^a-z0-9]/g, "0").slice(0, 8);
  return [...new Set(preferred), `${stem}-${suffix()}`, `${stem}-${suffix()}`, `${stem}-${suffix()}`];
}
async function withAdminRule(user, profile, context) {
  if (ruleIsEmpty(context.rules.admins)) return user;
  const named = matchesRule(context.rules.admins, profile);
  const isAdmin = user.passwordHash === null ? named : user.isAdmin || named;
  if (isAdmin === user.isAdmin) return user;
  await context.users.setAdmin(user.id, isAdmin);
  return { ...user, isAdmin };
}
function ruleIsEmpty(rule) {
  return !rule.emailDomains?.length && !rule.emails?.length && rule.claim === void 0;
}
function newIdentity(profile, userId, now, random) {
  return { id: random.uuid(), userId, provider: profile.provider, subject: profile.subject, ...profileOf(profile), createdAt: now, lastSignedInAt: now };
}
function profileOf(profile) {
  return {
    email: profile.emailVerified ? clip(profile.email, userFieldLimits.email) : null,
    displayName: clip(profile.name ?? profile.username, userFieldLimits.name)
  };
}
function clip(value, max) {
  if (value === null || value === void 0) return null;
  const trimmed = value.trim();
  return trimmed === "" ? null : [...trimmed].slice(0, max).join("");
}
export {
  linkUpstream,
  signInUpstream
};
//# sourceMappingURL=upstream-accounts.js.map
