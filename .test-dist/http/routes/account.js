import { validateNewPassword } from "../../users/password.js";
import { canUnlinkIdentity, hasLocalPassword } from "../../users/sign-in-methods.js";
import { setUserPassword, UserError } from "../../users/users.js";
import { accountPaths, readAccountNotice, redirectToAccount, refuseStaleForm, sendAccountPage } from "../account-view.js";
import { checkCurrentPassword } from "../current-password.js";
import { redirectToSignIn, signedInUser } from "../pages-context.js";
function accountRoutes(app, context) {
  const { base, sessions, storage, clock, audit } = context;
  const paths = accountPaths(base);
  app.get(paths.account, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    return sendAccountPage(context, request, reply, user, 200, { notice: readAccountNotice(request) });
  });
  app.post(`${base}/account/apps/*`, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = request.body;
    if (!sessions.csrfMatches(request, form?.["csrf"])) return refuseStaleForm(reply, base);
    const path = request.params["*"] ?? "";
    if (!path.endsWith("/revoke")) return reply.callNotFound();
    const clientId = path.slice(0, -"/revoke".length);
    const revoked = await storage.consents.revokeConnectedApp(user.id, clientId, clock.now());
    if (revoked) {
      audit.record({ type: "consent.revoked", userId: user.id, clientId, ip: request.ip, data: { grants_revoked: revoked.grantsRevoked } });
    }
    return redirectToAccount(reply, base, revoked ? "revoked" : "not_connected");
  });
  app.post(`${base}/account/identities/:identityId/unlink`, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = request.body;
    if (!sessions.csrfMatches(request, form?.["csrf"])) return refuseStaleForm(reply, base);
    const { identityId } = request.params;
    const identities = await storage.identities.listIdentities(user.id);
    const identity = identities.find((candidate) => candidate.id === identityId);
    if (!identity) return redirectToAccount(reply, base, "not_linked");
    const allowed = canUnlinkIdentity({ hasPassword: hasLocalPassword(user), localPasswords: context.signInMethods.localPasswords, identityCount: identities.length });
    if (!allowed) return redirectToAccount(reply, base, "last_sign_in_method");
    if (!await storage.identities.unlinkIdentity(user.id, identity.id)) return redirectToAccount(reply, base, "not_linked");
    const current = context.host ? void 0 : sessions.read(request);
    await storage.users.endSessions(user.id);
    const updated = current && await storage.users.findUserById(user.id);
    if (current && updated) sessions.write(reply, { ...current, epoch: updated.sessionEpoch });
    audit.record({ type: "user.identity_unlinked", userId: user.id, ip: request.ip, data: { provider: identity.provider } });
    return redirectToAccount(reply, base, "unlinked");
  });
  app.post(paths.changePassword, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = request.body ?? {};
    if (!sessions.csrfMatches(request, form["csrf"])) return refuseStaleForm(reply, base);
    const refuse = (status, passwordError) => sendAccountPage(context, request, reply, user, status, { passwordError });
    if (!hasLocalPassword(user)) return refuse(400, "Your account has no password to change: you sign in with a linked account.");
    if (!context.signInMethods.localPasswords) return refuse(400, "This server does not accept passwords, so yours cannot be changed.");
    const next = form["new_password"] ?? "";
    if (next !== (form["new_password_repeat"] ?? "")) return refuse(400, "The two new passwords differ. Nothing was changed: type the same new password twice.");
    const problem = validateNewPassword(next);
    if (problem) return refuse(400, `${problem} Nothing was changed.`);
    const failure = await checkCurrentPassword(context, request, user, form["current_password"] ?? "");
    if (failure) return refuse(failure.status, failure.message);
    try {
      await setUserPassword(storage.users, user.username, next);
    } catch (error) {
      if (error instanceof UserError && error.code === "unknown_user") return redirectToSignIn(context, reply, paths.account);
      throw error;
    }
    const updated = await storage.users.findUserById(user.id);
    if (!updated) return redirectToSignIn(context, reply, paths.account);
    sessions.write(reply, { userId: user.id, authTime: clock.now(), epoch: updated.sessionEpoch });
    audit.record({ type: "user.password_changed", userId: user.id, ip: request.ip });
    return redirectToAccount(reply, base, "password_changed");
  });
}
export {
  accountRoutes
};
//# sourceMappingURL=account.js.map
