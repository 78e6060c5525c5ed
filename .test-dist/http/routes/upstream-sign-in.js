import { UpstreamSignInError } from "../../identity/upstream-client.js";
import { errorPage } from "../../ui/authorization-pages.js";
import { linkUpstream, signInUpstream } from "../../users/upstream-accounts.js";
import { safeReturnPath, signedInUser } from "../pages-context.js";
import { pendingAuthorizations } from "../pending-authorization.js";
import { sendPage } from "../send-page.js";
import { upstreamRoundTrips } from "../upstream-round-trip.js";
function upstreamSignInRoutes(app, context) {
  const { base, sessions, storage, clock, random, audit, config } = context;
  const roundTrips = upstreamRoundTrips(config.issuer, sessions.signer("upstream-sign-in"), clock);
  const pending = pendingAuthorizations(sessions.signer("pending-authorization"), clock);
  const redirectUri = (provider) => `${config.issuer}/signin/callback/${provider}`;
  const accounts = { users: storage.users, identities: storage.identities, clock, random, rules: config.identity };
  const page = (reply, status, title, message) => sendPage(reply, status, (nonce) => errorPage({ nonce, title, message }));
  const expired = (reply) => page(reply, 400, "This page has expired", "The form was too old or was not sent from this browser. Go back and start again.");
  async function leave(request, reply, then) {
    const provider = request.params.provider;
    const client = context.upstream.get(provider);
    if (!client) return page(reply, 404, "Unknown sign-in provider", "This server has no sign-in provider of that name.");
    let begun;
    try {
      begun = await client.begin(redirectUri(provider));
    } catch (error) {
      if (!(error instanceof UpstreamSignInError)) throw error;
      request.log.warn({ provider, reason: error.reason, err: error }, "upstream sign-in could not start");
      return failed(request, reply, provider, error.reason, error.message);
    }
    if (!roundTrips.write(reply, { provider, roundTrip: begun.roundTrip, then })) {
      return page(reply, 400, "This request is too large", "The authorization request is too large to carry through the sign-in provider. Start again from the application.");
    }
    return reply.header("cache-control", "no-store").redirect(begun.url.href, 303);
  }
  app.post(`${base}/signin/upstream/:provider`, async (request, reply) => {
    const form = request.body ?? {};
    if (!sessions.csrfMatches(request, form["csrf"])) return expired(reply);
    if (form["pending"] !== void 0) {
      const opened = pending.open(form["pending"]);
      if (!opened) return expired(reply);
      return leave(request, reply, { kind: "authorize", query: opened.query });
    }
    return leave(request, reply, { kind: "page", path: safeReturnPath(base, form["return_to"]) });
  });
  app.post(`${base}/signin/link/:provider`, async (request, reply) => {
    const form = request.body ?? {};
    const user = await signedInUser(context, request);
    if (!user || !sessions.csrfMatches(request, form["csrf"])) return expired(reply);
    return leave(request, reply, { kind: "link", userId: user.id });
  });
  app.get(`${base}/signin/callback/:provider`, async (request, reply) => {
    const provider = request.params.provider;
    const client = context.upstream.get(provider);
    if (!client) return page(reply, 404, "Unknown sign-in provider", "This server has no sign-in provider of that name.");
    const started = roundTrips.read(request);
    roundTrips.clear(reply);
    if (!started || started.provider !== provider) {
      return failed(request, reply, provider, "state_mismatch", "This sign-in has expired, was already used, or was started in another browser. Start again.");
    }
    let profile;
    try {
      profile = await client.complete(new URL(request.url, config.issuer), redirectUri(provider), started.roundTrip);
    } catch (error) {
      if (!(error instanceof UpstreamSignInError)) throw error;
      request.log.info({ provider, reason: error.reason }, "upstream sign-in failed");
      return failed(request, reply, provider, error.reason, error.message);
    }
    const then = started.then;
    if (then.kind === "link") {
      const user = await signedInUser(context, request);
      if (!user || user.id !== then.userId) return expired(reply);
      const linked = await linkUpstream(user, profile, accounts);
      if ("refused" in linked) return refused(request, reply, provider, linked, user.id);
      audit.record({ type: "user.identity_linked", userId: user.id, ip: request.ip, data: { provider } });
      return reply.header("cache-control", "no-store").redirect(`${base}/account?notice=linked`, 303);
    }
    const outcome = await signInUpstream(profile, accounts);
    if ("refused" in outcome) return refused(request, reply, provider, outcome);
    if (outcome.created) {
      audit.record({ type: "user.created", userId: outcome.user.id, ip: request.ip, data: { provider, username: outcome.user.username, is_admin: outcome.user.isAdmin } });
    }
    signIn(request, reply, outcome.user, provider);
    const next = then.kind === "authorize" ? `${base}/authorize?${new URLSearchParams(then.query)}` : then.path;
    return reply.header("cache-control", "no-store").redirect(next, 303);
  });
  function signIn(request, reply, user, provider) {
    sessions.write(reply, { userId: user.id, authTime: clock.now(), epoch: user.sessionEpoch });
    audit.record({ type: "user.signed_in", userId: user.id, ip: request.ip, data: { provider } });
  }
  function failed(request, reply, provider, reason, message) {
    audit.record({ type: "user.sign_in_failed", ip: request.ip, data: { provider, reason } });
    const unavailable = reason === "unreachable" || reason === "token_exchange_failed";
    return page(reply, unavailable ? 502 : 400, "Sign-in did not work", message);
  }
  function refused(request, reply, provider, refusal, userId) {
    audit.record({ type: "user.sign_in_failed", userId: userId ?? null, ip: request.ip, data: { provider, reason: refusal.refused } });
    return page(reply, 403, "Sign-in refused", refusal.message);
  }
}
export {
  upstreamSignInRoutes
};
//# sourceMappingURL=upstream-sign-in.js.map
