import type { FastifyInstance } from 'fastify';
import { accountErrorPage, accountPage } from '../../ui/account-page.js';
import { redirectToSignIn, signedInUser, type PagesContext } from '../pages-context.js';
import { sendPage } from '../send-page.js';

/** The notices the page shows after an action, by the `notice` query value (never text from the URL). */
const notices = new Map([
  ['revoked', 'Access revoked: the tokens of that app no longer work, and it must ask you again to get new ones.'],
  ['not_connected', 'That app was not connected to your account (its access may have been revoked already).'],
]);

/**
 * `GET /account`, the signed-in user's connected apps, and `POST /account/apps/:clientId/revoke`, which cuts one
 * off: its consent is forgotten and every grant the user gave it is revoked, so its refresh tokens fail at once.
 * The user is always the session's, never a form field, so nobody can revoke another user's app; every POST
 * carries the CSRF token, so another site cannot make the browser revoke one.
 */
export function accountRoutes(app: FastifyInstance, context: PagesContext): void {
  const { base, sessions, storage, clock, audit } = context;
  const paths = {
    account: `${base}/account`,
    signOut: `${base}/signout`,
    revoke: (clientId: string) => `${base}/account/apps/${encodeURIComponent(clientId)}/revoke`,
  };

  app.get(paths.account, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const apps = await storage.consents.listConnectedApps(user.id);
    const csrf = sessions.csrfToken(request, reply);
    const notice = notices.get(String((request.query as Record<string, unknown>)['notice']));
    return sendPage(reply, 200, (nonce) => accountPage({ nonce, csrf, user, apps, notice, paths }));
  });

  // The client id is the rest of the path (a wildcard, not a parameter): metadata-document clients have URLs of
  // up to 2000 characters as their ids, beyond the 100 that Fastify allows a path parameter.
  app.post(`${base}/account/apps/*`, async (request, reply) => {
    const user = await signedInUser(context, request);
    if (!user) return redirectToSignIn(context, reply, paths.account);
    const form = request.body as Record<string, string> | undefined;
    if (!sessions.csrfMatches(request, form?.['csrf'])) {
      return sendPage(reply, 400, (nonce) =>
        accountErrorPage({
          nonce,
          title: 'Nothing was changed',
          message: 'The form was too old or was not sent from this browser. Open your connected apps again and retry.',
          back: paths.account,
        }),
      );
    }
    const path = (request.params as Record<string, string | undefined>)['*'] ?? '';
    if (!path.endsWith('/revoke')) return reply.callNotFound();
    const clientId = path.slice(0, -'/revoke'.length);
    const revoked = await storage.consents.revokeConnectedApp(user.id, clientId, clock.now());
    if (revoked) {
      audit.record({ type: 'consent.revoked', userId: user.id, clientId, ip: request.ip, data: { grants_revoked: revoked.grantsRevoked } });
    }
    return reply.header('cache-control', 'no-store').redirect(`${paths.account}?notice=${revoked ? 'revoked' : 'not_connected'}`, 303);
  });
}
