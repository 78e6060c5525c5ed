import { signInPage } from "../../ui/sign-in-page.js";
import { signInWithPassword } from "../password-sign-in.js";
import { redirectToSignIn, safeReturnPath, signedInUser } from "../pages-context.js";
import { sendPage } from "../send-page.js";
function signInRoutes(app, context) {
  const { base, sessions, storage, clock, audit } = context;
  const paths = { signIn: `${base}/signin`, signOut: `${base}/signout` };
  const signInChoices = { ...context.signInMethods, upstreamAction: (id) => `${base}/signin/upstream/${id}` };
  app.get(paths.signIn, async (request, reply) => {
    const query = request.query;
    const returnTo = safeReturnPath(base, typeof query["return_to"] === "string" ? query["return_to"] : void 0);
    if (await signedInUser(context, request)) return reply.header("cache-control", "no-store").redirect(returnTo, 303);
    if (context.host) return redirectToSignIn(context, reply, returnTo);
    const csrf = sessions.csrfToken(request, reply);
    const notice = query["signed_out"] === "1" ? "You are signed out." : void 0;
    return sendPage(reply, 200, (nonce) => signInPage({ nonce, csrf, action: paths.signIn, returnTo, notice, ...signInChoices }));
  });
  app.post(paths.signIn, async (request, reply) => {
    const form = request.body ?? {};
    const returnTo = safeReturnPath(base, form["return_to"]);
    const username = form["username"] ?? "";
    const again = (status, error) => {
      const csrf = sessions.csrfToken(request, reply);
      return sendPage(reply, status, (nonce) => signInPage({ nonce, csrf, action: paths.signIn, returnTo, username, error, ...signInChoices }));
    };
    if (!sessions.csrfMatches(request, form["csrf"])) return again(400, "The form was too old or was not sent from this browser. Please sign in again.");
    if (!context.signInMethods.localPasswords) return again(403, "This server does not accept passwords: sign in with one of the providers below.");
    const outcome = await signInWithPassword({ users: storage.users, throttle: context.throttle, sessions, clock, audit }, request, reply, {
      username,
      password: form["password"] ?? ""
    });
    if (!("user" in outcome)) return again(outcome.status, outcome.message);
    return reply.header("cache-control", "no-store").redirect(returnTo, 303);
  });
  app.post(paths.signOut, async (request, reply) => {
    const form = request.body ?? {};
    if (!sessions.csrfMatches(request, form["csrf"])) return reply.code(400).header("cache-control", "no-store").send({ error: "invalid_request", error_description: "The CSRF token is missing or wrong." });
    const signedIn = await sessions.readUser(request, storage.users);
    if (signedIn) await storage.users.endSessions(signedIn.user.id);
    sessions.clear(reply);
    return reply.header("cache-control", "no-store").redirect(`${paths.signIn}?signed_out=1`, 303);
  });
}
export {
  signInRoutes
};
//# sourceMappingURL=sign-in.js.map
