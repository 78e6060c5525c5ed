import { auditedBy } from "../../operations/actor.js";
import { OperationError } from "../../operations/operation-error.js";
import { addUser, removeUser } from "../../operations/users.js";
import { canUnlinkIdentity, hasLocalPassword, providerName } from "../../users/sign-in-methods.js";
import { normalizeUsername } from "../../users/users.js";
import { userListPage } from "../../ui/admin-pages-users.js";
import { readNotice, redirectWithNotice, refusalStatus } from "../admin-router.js";
import { sendPage } from "../send-page.js";
function userRoutes(router, context) {
  const { storage, clock, random, audit } = context;
  const ports = { users: storage.users, clock, random, audit };
  const empty = { username: "", name: "", email: "", isAdmin: false };
  const list = async (reply, admin, status, extra) => {
    const users = await storage.users.listUsers();
    const identities = await storage.identities.listIdentitiesOf(users.map((user) => user.id));
    return sendPage(
      reply,
      status,
      (nonce) => userListPage({ nonce, frame: admin.frame, users, identities, methods: context.signInMethods, form: extra.form ?? empty, notice: extra.notice, error: extra.error })
    );
  };
  router.get("/users", (request, reply, admin) => list(reply, admin, 200, { notice: readNotice(context, request) }));
  router.post("/users", async (request, reply, admin) => {
    const body = request.body;
    const form = { username: (body["username"] ?? "").trim(), name: body["name"] ?? "", email: body["email"] ?? "", isAdmin: body["admin"] === "1" };
    try {
      const user = await addUser({ username: form.username, password: body["password"] ?? "", isAdmin: form.isAdmin, name: form.name, email: form.email }, ports, admin.actor);
      return redirectWithNotice(context, reply, "/users", "user-created", user.username);
    } catch (error) {
      if (error instanceof OperationError) return list(reply, admin, refusalStatus[error.code], { error: error.message, form });
      throw error;
    }
  });
  router.post("/users/:username/remove", async (request, reply, admin) => {
    try {
      const user = await removeUser(request.params.username, ports, admin.actor);
      return redirectWithNotice(context, reply, "/users", "user-removed", user.username);
    } catch (error) {
      if (error instanceof OperationError) return list(reply, admin, refusalStatus[error.code], { error: error.message });
      throw error;
    }
  });
  router.post("/users/:username/identities/:identityId/unlink", async (request, reply, admin) => {
    const params = request.params;
    const user = await storage.users.findUserByUsername(normalizeUsername(params.username));
    const identities = user ? await storage.identities.listIdentities(user.id) : [];
    const identity = identities.find((candidate) => candidate.id === params.identityId);
    if (!user || !identity) {
      return list(reply, admin, 404, { error: `That identity is not linked to a user named ${JSON.stringify(normalizeUsername(params.username))} (it may have been unlinked already).` });
    }
    const own = user.id === admin.user.id;
    if (own && !canUnlinkIdentity({ hasPassword: hasLocalPassword(user), localPasswords: context.signInMethods.localPasswords, identityCount: identities.length })) {
      return list(reply, admin, 400, { error: "You cannot unlink your own last way to sign in: you could not sign in again. Link another account first." });
    }
    if (!await storage.identities.unlinkIdentity(user.id, identity.id)) {
      return list(reply, admin, 404, { error: "That identity was unlinked already." });
    }
    const current = own && !context.host ? context.sessions.read(request) : void 0;
    await storage.users.endSessions(user.id);
    const updated = current && await storage.users.findUserById(user.id);
    if (current && updated) context.sessions.write(reply, { ...current, epoch: updated.sessionEpoch });
    audit.record({ type: "user.identity_unlinked", userId: user.id, ...auditedBy(admin.actor), data: { provider: identity.provider } });
    return redirectWithNotice(context, reply, "/users", "identity-unlinked", `${providerName(context.signInMethods, identity.provider)} account of ${user.username}`);
  });
}
export {
  userRoutes
};
//# sourceMappingURL=admin-users.js.map
