import type { FastifyInstance } from 'fastify';
import { validateNewPassword } from '../../users/password.js';
import { canUnlinkIdentity, hasLocalPassword } from '../../users/sign-in-methods.js';
import { setUserPassword, UserError } from '../../users/users.js';
import { accountPaths, readAccountNotice, redirectToAccount, refuseStaleForm, sendAccountPage } from '../account-view.js';
import { checkCurrentPassword } from '../current-password.js';
import { redirectToSignIn, signedInUser, type PagesContext } from '../pages-context.js';

/**
 * `GET /account`, the signed-in user's account: how they sign in and the apps they connected, and its forms:
 *
 * - `POST /account/apps/:clientId/revoke` cuts one app off: its consent is forgotten and every grant the user
 *   gave it is revoked, so its refresh tokens fail at once;
 * - `POST /account/identities/:identityId/unlink` unlinks one of the user's upstream identities, unless it is
 *   their last way to sign in, and ends the user's other sessions;
 * - `POST /account/password` changes the user's password (the current one is asked for, under the sign-in
 *   throttle), which ends every other session; this browser gets a fresh session and stays signed in.
 *
 * The user is always the session's, never a form field, so nobody can act on another user's apps or
 * identities; every POST carries the CSRF token, so another site cannot make the browser send one.
 */
export function accountRoutes(app: FastifyInstance, context: PagesContext): void {
  const { base, sessions, storage, clock, audit } = context;
  const paths = accountPaths(base);

  app.get(paths.account, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    return sendAccountPage(context, request, reply, user, 200, { notice: readAccountNotice(request) });
  });

  // The client id is the rest of the path (a wildcard, not a parameter): metadata-document clients have URLs of
  // up to 2000 characters as their ids, beyond the 100 that Fastify allows a path parameter.
  app.post(`${base}/account/apps/*`, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = request.body as Record<string, string> | undefined;
    if (!sessions.csrfMatches(request, form?.['csrf'])) return refuseStaleForm(reply, base);
    const path = (request.params as Record<string, string | undefined>)['*'] ?? '';
    if (!path.endsWith('/revoke')) return reply.callNotFound();
    const clientId = path.slice(0, -'/revoke'.length);
    const revoked = await storage.consents.revokeConnectedApp(user.id, clientId, clock.now());
    if (revoked) {
      audit.record({ type: 'consent.revoked', userId: user.id, clientId, ip: request.ip, data: { grants_revoked: revoked.grantsRevoked } });
    }
    return redirectToAccount(reply, base, revoked ? 'revoked' : 'not_connected');
  });

  app.post(`${base}/account/identities/:identityId/unlink`, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = request.body as Record<string, string> | undefined;
    if (!sessions.csrfMatches(request, form?.['csrf'])) return refuseStaleForm(reply, base);
    const { identityId } = request.params as { identityId: string };
    // Only among the session user's own identities: another user's id is "not linked", and nothing changes.
    const identities = await storage.identities.listIdentities(user.id);
    const identity = identities.find((candidate) => candidate.id === identityId);
    if (!identity) return redirectToAccount(reply, base, 'not_linked');
    const allowed = canUnlinkIdentity({ hasPassword: hasLocalPassword(user), localPasswords: context.signInMethods.localPasswords, identityCount: identities.length });
    if (!allowed) return redirectToAccount(reply, base, 'last_sign_in_method');
    if (!(await storage.identities.unlinkIdentity(user.id, identity.id))) return redirectToAccount(reply, base, 'not_linked');
    // An identity is often unlinked because someone else got hold of it: whoever signed in through it is signed
    // out too. Every session of the user ends (as a new password does); this browser keeps its own, sign-in time
    // and all. (With a host app's sign-in there is no session of Latchkey's to keep.)
    const current = context.host ? undefined : sessions.read(request);
    await storage.users.endSessions(user.id);
    const updated = current && (await storage.users.findUserById(user.id));
    if (current && updated) sessions.write(reply, { ...current, epoch: updated.sessionEpoch });
    audit.record({ type: 'user.identity_unlinked', userId: user.id, ip: request.ip, data: { provider: identity.provider } });
    return redirectToAccount(reply, base, 'unlinked');
  });

  app.post(paths.changePassword, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (!sessions.csrfMatches(request, form['csrf'])) return refuseStaleForm(reply, base);
    const refuse = (status: number, passwordError: string) => sendAccountPage(context, request, reply, user, status, { passwordError });
    // The page offers no form then; a hand-made request gets the page, with the reason.
    if (!hasLocalPassword(user)) return refuse(400, 'Your account has no password to change: you sign in with a linked account.');
    if (!context.signInMethods.localPasswords) return refuse(400, 'This server does not accept passwords, so yours cannot be changed.');
    const next = form['new_password'] ?? '';
    // The cheap checks first: a typo in the new password costs no password check and no throttle count.
    if (next !== (form['new_password_repeat'] ?? '')) return refuse(400, 'The two new passwords differ. Nothing was changed: type the same new password twice.');
    const problem = validateNewPassword(next);
    if (problem) return refuse(400, `${problem} Nothing was changed.`);
    const failure = await checkCurrentPassword(context, request, user, form['current_password'] ?? '');
    if (failure) return refuse(failure.status, failure.message);

    try {
      // As every new password does, this raises the session epoch: every session of the user ends, copies of
      // this browser's cookie included.
      await setUserPassword(storage.users, user.username, next);
    } catch (error) {
      // Removed meanwhile: there is no account left to be signed in to.
      if (error instanceof UserError && error.code === 'unknown_user') return redirectToSignIn(context, reply, paths.account);
      throw error;
    }
    const updated = await storage.users.findUserById(user.id);
    if (!updated) return redirectToSignIn(context, reply, paths.account);
    sessions.write(reply, { userId: user.id, authTime: clock.now(), epoch: updated.sessionEpoch });
    audit.record({ type: 'user.password_changed', userId: user.id, ip: request.ip });
    return redirectToAccount(reply, base, 'password_changed');
  });
}
