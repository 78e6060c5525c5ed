import { StorageUnavailableError } from "../ports/storage.js";
import { adminMessagePage, forbiddenPage } from "../ui/admin-layout.js";
import { redirectToSignIn, signedInUser } from "./pages-context.js";
import { sendPage } from "./send-page.js";
function adminRouter(app, context) {
  const { base, sessions } = context;
  async function admit(request, reply) {
    const user = await signedInUser(context, request);
    if (!user) return { refused: redirectToSignIn(context, reply, request.method === "GET" ? request.url : `${base}/admin`) };
    const csrf = sessions.csrfToken(request, reply);
    if (!user.isAdmin) return { refused: sendPage(reply, 403, (nonce) => forbiddenPage({ nonce, base, csrf, username: user.username })) };
    return { admin: { user, frame: { base, csrf, username: user.username }, actor: { kind: "admin", username: user.username, ip: request.ip } } };
  }
  const guarded = (handler, checkCsrf) => async (request, reply) => {
    const admitted = await admit(request, reply);
    if ("refused" in admitted) return admitted.refused;
    const { admin } = admitted;
    const form = request.body ?? {};
    if (checkCsrf && !sessions.csrfMatches(request, form["csrf"])) {
      return sendPage(
        reply,
        400,
        (nonce) => adminMessagePage({
          nonce,
          frame: admin.frame,
          title: "This form has expired",
          message: "The form was too old or was not sent from this browser, so nothing was changed. Go back, reload the page and try again."
        })
      );
    }
    try {
      return await handler(request, reply, admin);
    } catch (error) {
      request.log.error({ err: error }, "admin page failed");
      const unavailable = error instanceof StorageUnavailableError;
      return sendPage(
        reply,
        unavailable ? 503 : 500,
        (nonce) => adminMessagePage({
          nonce,
          frame: admin.frame,
          title: unavailable ? "The database is unavailable" : "Something went wrong",
          message: unavailable ? "The database could not be reached. Try again in a moment." : "The request failed. The server log has the details."
        })
      );
    }
  };
  return {
    get: (path, handler) => void app.get(`${base}/admin${path}`, guarded(handler, false)),
    post: (path, handler) => void app.post(`${base}/admin${path}`, guarded(handler, true))
  };
}
const refusalStatus = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  // The form was fine; the request is one this administrator may not make (their own account).
  refused: 400
};
const notices = {
  "client-deleted": (subject) => `Client ${subject} was deleted: its grants, refresh tokens and codes no longer work.`,
  "iat-revoked": (subject) => `Initial access token ${subject} was revoked: it registers no more clients.`,
  "iat-not-revoked": () => "That initial access token was already revoked, or does not exist.",
  "user-created": (subject) => `User ${subject} was created.`,
  "user-removed": (subject) => `User ${subject} was removed, with their consents and grants.`,
  "identity-unlinked": (subject) => `Unlinked the ${subject}: it no longer signs them in.`,
  "key-rotated": (subject) => `Signing key ${subject} is now current. The previous key keeps verifying tokens until its grace period ends.`
};
function redirectWithNotice(context, reply, path, notice, subject = "") {
  const signed = subject ? context.sessions.signer("admin-notice").sign(`${notice}
${subject.slice(0, 200)}`) : void 0;
  const query = new URLSearchParams({ notice, ...signed ? { subject: signed } : {} });
  return reply.header("cache-control", "no-store").redirect(`${context.base}/admin${path}?${query}`, 303);
}
function readNotice(context, request) {
  const query = request.query;
  const code = query["notice"];
  if (typeof code !== "string" || !Object.hasOwn(notices, code)) return void 0;
  let subject = "";
  if (typeof query["subject"] === "string") {
    const value = context.sessions.signer("admin-notice").verify(query["subject"].slice(0, 1e3));
    if (value === void 0 || !value.startsWith(`${code}
`)) return void 0;
    subject = value.slice(code.length + 1, code.length + 1 + 200);
  }
  return notices[code](subject);
}
export {
  adminRouter,
  readNotice,
  redirectWithNotice,
  refusalStatus
};
//# sourceMappingURL=admin-router.js.map
