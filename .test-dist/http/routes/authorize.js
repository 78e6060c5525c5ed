import { OAuthError } from "../../errors/oauth-error.js";
import { authorizationResponseUrl } from "../../protocol/authorization/authorization-request.js";
import { decideAuthorization, decideConsent } from "../../protocol/authorization/decide-authorization.js";
import { isUnverified } from "../../protocol/authorization/unverified-client.js";
import { noAudit } from "../../ports/audit-trail.js";
import { consentPage, errorPage, loginPage, returnToClientPage } from "../../ui/authorization-pages.js";
import { signInWithPassword } from "../password-sign-in.js";
import { pendingAuthorizations } from "../pending-authorization.js";
import { pushedAuthorizations } from "../pushed-authorization.js";
import { sendPage } from "../send-page.js";
function authorizeRoutes(app, context, base) {
  const { storage, clock, sessions } = context;
  const audit = context.audit ?? noAudit;
  const clients = context.clients ?? storage.clients;
  const decision = { config: context.config, clients, consents: storage.consents, codes: storage.codes, clock, random: context.random, audit };
  const paths = { authorize: `${base}/authorize`, login: `${base}/login`, consent: `${base}/consent` };
  const pending = pendingAuthorizations(sessions.signer("pending-authorization"), clock);
  const pushed = pushedAuthorizations(sessions.signer("pushed-request"), { pushedRequests: storage.pushedRequests, clock });
  const signInChoices = {
    providers: context.config.identity.providers.map(({ id, name }) => ({ id, name })),
    upstreamAction: (id) => `${base}/signin/upstream/${id}`,
    localPasswords: context.config.identity.localPasswords
  };
  const signedIn = async (request) => {
    if (context.host) {
      const hosted = await context.host.user(request);
      return hosted && { id: hosted.user.id, username: hosted.user.username, authTime: hosted.authTime };
    }
    const found = await sessions.readUser(request, storage.users);
    return found && { id: found.session.userId, username: found.user.username, authTime: found.session.authTime };
  };
  function render(request, reply, decided, status) {
    switch (decided.kind) {
      case "sign-in": {
        if (context.host) return reply.header("cache-control", "no-store").redirect(context.host.signInUrl(`${paths.authorize}?${new URLSearchParams(decided.resume)}`), status);
        const csrf = sessions.csrfToken(request, reply);
        const { clientName, unverified } = decided;
        return sendPage(reply, 200, (nonce) => loginPage({ nonce, csrf, pending: pending.seal(decided.resume), action: paths.login, clientName, unverified, ...signInChoices }));
      }
      case "consent": {
        const csrf = sessions.csrfToken(request, reply);
        const { client, request: authz, username, alreadyAllowed } = decided;
        const { redirectUri, scope, resource, resourceName } = authz;
        const sealed = pending.seal(decided.resume, decided.shown);
        return sendPage(reply, 200, (nonce) => consentPage({ nonce, csrf, pending: sealed, action: paths.consent, client, redirectUri, scope, resource, resourceName, username, alreadyAllowed }));
      }
      case "redirect-with-code":
      case "redirect-with-error":
        return reply.header("cache-control", "no-store").redirect(authorizationResponseUrl(decided.redirectUri, { ...decided.params }), status);
      case "link-with-error": {
        const href = authorizationResponseUrl(decided.redirectUri, { ...decided.params });
        return sendPage(reply, 400, (nonce) => returnToClientPage({ nonce, href, message: decided.params.error_description }));
      }
      case "error-page":
        return sendPage(reply, 400, (nonce) => errorPage({ nonce, title: "This request cannot continue", message: decided.description }));
      default:
        return unknownDecision(decided);
    }
  }
  app.get(paths.authorize, async (request, reply) => {
    const query = singleValued(request.query);
    if (!query) return render(request, reply, { kind: "error-page", error: "invalid_request", description: "A parameter is repeated." }, 302);
    const resolved = await pushed.resolve(query);
    if ("kind" in resolved) return render(request, reply, resolved, 302);
    return render(request, reply, await decideAuthorization(resolved.query, await signedIn(request), { ...decision, notPushed: !resolved.pushed }), 302);
  });
  app.post(paths.login, async (request, reply) => {
    const form = request.body ?? {};
    const query = pending.open(form["pending"])?.query;
    if (!sessions.csrfMatches(request, form["csrf"]) || !query) return expired(reply);
    if (!context.config.identity.localPasswords || context.host) return passwordsOff(reply);
    const username = form["username"] ?? "";
    const outcome = await signInWithPassword({ users: storage.users, throttle: context.throttle, sessions, clock, audit }, request, reply, {
      username,
      password: form["password"] ?? ""
    });
    if ("user" in outcome) return reply.header("cache-control", "no-store").redirect(`${paths.authorize}?${new URLSearchParams(query)}`, 303);
    const client = await clients.findClient(query["client_id"] ?? "").catch((error) => {
      if (error instanceof OAuthError) return void 0;
      throw error;
    });
    const csrf = sessions.csrfToken(request, reply);
    return sendPage(
      reply,
      outcome.status,
      (nonce) => loginPage({
        nonce,
        csrf,
        pending: form["pending"],
        action: paths.login,
        clientName: client?.metadata.client_name ?? "the application",
        unverified: client !== void 0 && isUnverified(client),
        username,
        error: outcome.message,
        ...signInChoices
      })
    );
  });
  app.post(paths.consent, async (request, reply) => {
    const form = request.body ?? {};
    const opened = pending.open(form["pending"]);
    if (!sessions.csrfMatches(request, form["csrf"]) || !opened) return expired(reply);
    const answer = { allow: form["decision"] === "allow", shown: opened.shown, ip: request.ip };
    return render(request, reply, await decideConsent(opened.query, await signedIn(request), answer, decision), 303);
  });
  const passwordsOff = (reply) => sendPage(reply, 403, (nonce) => errorPage({ nonce, title: "Passwords are turned off", message: "This server does not accept passwords. Go back and sign in with one of the providers it offers." }));
  const expired = (reply) => sendPage(
    reply,
    400,
    (nonce) => errorPage({ nonce, title: "This page has expired", message: "The form was too old or was not sent from this browser. Start again from the application." })
  );
}
function singleValued(query) {
  const result = {};
  for (const [name, value] of Object.entries(query)) {
    if (typeof value !== "string") return void 0;
    if (value !== "") result[name] = value;
  }
  return result;
}
function unknownDecision(decided) {
  throw new Error(`unknown authorization decision: ${JSON.stringify(decided)}`);
}
export {
  authorizeRoutes
};
//# sourceMappingURL=authorize.js.map
