import { accountErrorPage, accountPage } from "../ui/account-page.js";
import { sendPage } from "./send-page.js";
function accountPaths(base) {
  return {
    account: `${base}/account`,
    signOut: `${base}/signout`,
    revoke: (clientId) => `${base}/account/apps/${encodeURIComponent(clientId)}/revoke`,
    unlink: (identityId) => `${base}/account/identities/${encodeURIComponent(identityId)}/unlink`,
    // The sign-in routes own linking: it is a sign-in at the provider that ends in a link instead of a session.
    link: (providerId) => `${base}/signin/link/${encodeURIComponent(providerId)}`,
    changePassword: `${base}/account/password`
  };
}
const accountNotices = {
  revoked: { kind: "status", text: "Access revoked: the tokens of that app no longer work, and it must ask you again to get new ones." },
  not_connected: { kind: "status", text: "That app was not connected to your account (its access may have been revoked already)." },
  unlinked: { kind: "status", text: "Unlinked: that account no longer signs you in here." },
  not_linked: { kind: "status", text: "That account was not linked to yours (it may have been unlinked already)." },
  last_sign_in_method: { kind: "alert", text: "Not unlinked: it is your only way to sign in, and without it you could not sign in again. Link another account first." },
  password_changed: { kind: "status", text: "Your password is changed. Every other browser that was signed in to your account is signed out." },
  linked: { kind: "status", text: "Linked: you can now sign in with that account too." }
};
function readAccountNotice(request) {
  const code = request.query["notice"];
  return typeof code === "string" && Object.hasOwn(accountNotices, code) ? accountNotices[code] : void 0;
}
async function sendAccountPage(context, request, reply, user, status, extra = {}) {
  const [apps, identities] = await Promise.all([context.storage.consents.listConnectedApps(user.id), context.storage.identities.listIdentities(user.id)]);
  const csrf = context.sessions.csrfToken(request, reply);
  const paths = accountPaths(context.base);
  return sendPage(
    reply,
    status,
    (nonce) => accountPage({ nonce, csrf, user, apps, identities, methods: context.signInMethods, paths, notice: extra.notice, passwordError: extra.passwordError })
  );
}
function refuseStaleForm(reply, base) {
  return sendPage(
    reply,
    400,
    (nonce) => accountErrorPage({
      nonce,
      title: "Nothing was changed",
      message: "The form was too old or was not sent from this browser. Open your account page again and retry.",
      back: accountPaths(base).account
    })
  );
}
function redirectToAccount(reply, base, notice) {
  return reply.header("cache-control", "no-store").redirect(`${accountPaths(base).account}?notice=${notice}`, 303);
}
export {
  accountPaths,
  readAccountNotice,
  redirectToAccount,
  refuseStaleForm,
  sendAccountPage
};
//# sourceMappingURL=account-view.js.map
