import type { FastifyInstance } from 'fastify';
import { signInPage } from '../../ui/sign-in-page.js';
import { signInWithPassword } from '../password-sign-in.js';
import { redirectToSignIn, safeReturnPath, signedInUser, type PagesContext } from '../pages-context.js';
import { sendPage } from '../send-page.js';

/**
 * `GET|POST /signin` and `POST /signout`: signing in to the account and admin pages, outside an authorization
 * request. Same throttle and session as the authorization pages; the form carries the CSRF token and the
 * page to return to, which must be one of this server's account or admin pages (no open redirect).
 */
export function signInRoutes(app: FastifyInstance, context: PagesContext): void {
  const { base, sessions, storage, clock, audit } = context;
  const paths = { signIn: `${base}/signin`, signOut: `${base}/signout` };
  const signInChoices = { ...context.signInMethods, upstreamAction: (id: string) => `${base}/signin/upstream/${id}` };

  app.get(paths.signIn, async (request, reply) => {
    const query = request.query as Record<string, unknown>;
    const returnTo = safeReturnPath(base, typeof query['return_to'] === 'string' ? query['return_to'] : undefined);
    if (await signedInUser(context, request)) return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
    if (context.host) return redirectToSignIn(context, reply, returnTo);
    const csrf = sessions.csrfToken(request, reply);
    const notice = query['signed_out'] === '1' ? 'You are signed out.' : undefined;
    return sendPage(reply, 200, (nonce) => signInPage({ nonce, csrf, action: paths.signIn, returnTo, notice, ...signInChoices }));
  });

  app.post(paths.signIn, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const returnTo = safeReturnPath(base, form['return_to']);
    const username = form['username'] ?? '';
    const again = (status: number, error: string) => {
      const csrf = sessions.csrfToken(request, reply);
      return sendPage(reply, status, (nonce) => signInPage({ nonce, csrf, action: paths.signIn, returnTo, username, error, ...signInChoices }));
    };
    if (!sessions.csrfMatches(request, form['csrf'])) return again(400, 'The form was too old or was not sent from this browser. Please sign in again.');
    if (!context.signInMethods.localPasswords) return again(403, 'This server does not accept passwords: sign in with one of the providers below.');
    const outcome = await signInWithPassword({ users: storage.users, throttle: context.throttle, sessions, clock, audit }, request, reply, {
      username,
      password: form['password'] ?? '',
    });
    if (!('user' in outcome)) return again(outcome.status, outcome.message);
    return reply.header('cache-control', 'no-store').redirect(returnTo, 303);
  });

  app.post(paths.signOut, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    // A cross-site form cannot sign a user out either: the token must match.
    if (!sessions.csrfMatches(request, form['csrf'])) return reply.code(400).header('cache-control', 'no-store').send({ error: 'invalid_request', error_description: 'The CSRF token is missing or wrong.' });
    // Every session of the user ends, not only this browser's cookie: a copy of it stops working too.
    const signedIn = await sessions.readUser(request, storage.users);
    if (signedIn) await storage.users.endSessions(signedIn.user.id);
    sessions.clear(reply);
    return reply.header('cache-control', 'no-store').redirect(`${paths.signIn}?signed_out=1`, 303);
  });
}
