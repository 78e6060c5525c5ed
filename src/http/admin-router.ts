import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../operations/actor.js';
import type { OperationErrorCode } from '../operations/operation-error.js';
import { StorageUnavailableError } from '../ports/storage.js';
import type { UserRecord } from '../ports/users.js';
import { adminMessagePage, forbiddenPage, type AdminFrame } from '../ui/admin-layout.js';
import { redirectToSignIn, signedInUser, type PagesContext } from './pages-context.js';
import { sendPage } from './send-page.js';

/** The signed-in administrator of a dashboard request. */
export interface AdminRequest {
  user: UserRecord;
  /** For the page: base path, CSRF token, username. */
  frame: AdminFrame;
  /** Who the operations of this request are done by: this administrator, from this address. */
  actor: Actor;
}

/** A dashboard handler: called only for an administrator, and for a POST only with a valid CSRF token. */
export type AdminHandler = (request: FastifyRequest, reply: FastifyReply, admin: AdminRequest) => Promise<FastifyReply>;

/** Registers dashboard routes by their path below `<base>/admin`; every one goes through the access check. */
export interface AdminRouter {
  get(path: string, handler: AdminHandler): void;
  post(path: string, handler: AdminHandler): void;
}

/**
 * The one way dashboard routes are registered: it lets in only a signed-in user with the admin role (a browser
 * without a session goes to the sign-in page, any other user gets 403), checks the CSRF token of every POST
 * before the handler runs, and answers failures with a page. Every answer carries `sendPage`'s headers (never
 * cached, never framed), or is a redirect.
 */
export function adminRouter(app: FastifyInstance, context: PagesContext): AdminRouter {
  const { base, sessions } = context;

  /**
   * The administrator of this request, or `{ refused }`: the reply that turns everyone else away. The reply is
   * wrapped, never returned bare from an async function: a Fastify reply is a thenable, so awaiting it would
   * wait for the response and resolve to `undefined` (which once threw, and logged an error, on every refusal).
   */
  async function admit(request: FastifyRequest, reply: FastifyReply): Promise<{ admin: AdminRequest } | { refused: FastifyReply }> {
    const user = await signedInUser(context, request);
    // After signing in, a GET comes back where it was; a POST cannot be replayed, so it lands on the overview.
    if (!user) return { refused: redirectToSignIn(context, reply, request.method === 'GET' ? request.url : `${base}/admin`) };
    const csrf = sessions.csrfToken(request, reply);
    if (!user.isAdmin) return { refused: sendPage(reply, 403, (nonce) => forbiddenPage({ nonce, base, csrf, username: user.username })) };
    return { admin: { user, frame: { base, csrf, username: user.username }, actor: { kind: 'admin', username: user.username, ip: request.ip } } };
  }

  const guarded = (handler: AdminHandler, checkCsrf: boolean) => async (request: FastifyRequest, reply: FastifyReply) => {
    const admitted = await admit(request, reply);
    if ('refused' in admitted) return admitted.refused;
    const { admin } = admitted;
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    if (checkCsrf && !sessions.csrfMatches(request, form['csrf'])) {
      return sendPage(reply, 400, (nonce) =>
        adminMessagePage({
          nonce,
          frame: admin.frame,
          title: 'This form has expired',
          message: 'The form was too old or was not sent from this browser, so nothing was changed. Go back, reload the page and try again.',
        }),
      );
    }
    try {
      return await handler(request, reply, admin);
    } catch (error) {
      // A page rather than the JSON error of the API; the log has the details.
      request.log.error({ err: error }, 'admin page failed');
      const unavailable = error instanceof StorageUnavailableError;
      return sendPage(reply, unavailable ? 503 : 500, (nonce) =>
        adminMessagePage({
          nonce,
          frame: admin.frame,
          title: unavailable ? 'The database is unavailable' : 'Something went wrong',
          message: unavailable ? 'The database could not be reached. Try again in a moment.' : 'The request failed. The server log has the details.',
        }),
      );
    }
  };

  return {
    get: (path, handler) => void app.get(`${base}/admin${path}`, guarded(handler, false)),
    post: (path, handler) => void app.post(`${base}/admin${path}`, guarded(handler, true)),
  };
}

/** The status of a page that shows an operation's refusal (the form again, with what went wrong). */
export const refusalStatus: Record<OperationErrorCode, 400 | 404 | 409> = {
  invalid_input: 400,
  not_found: 404,
  conflict: 409,
  // The form was fine; the request is one this administrator may not make (their own account).
  refused: 400,
};

/** What a redirect after a POST tells the next page (Post/Redirect/Get): a fixed message, perhaps naming something. */
const notices = {
  'client-deleted': (subject: string) => `Client ${subject} was deleted: its grants, refresh tokens and codes no longer work.`,
  'iat-revoked': (subject: string) => `Initial access token ${subject} was revoked: it registers no more clients.`,
  'iat-not-revoked': () => 'That initial access token was already revoked, or does not exist.',
  'user-created': (subject: string) => `User ${subject} was created.`,
  'user-removed': (subject: string) => `User ${subject} was removed, with their consents and grants.`,
  'identity-unlinked': (subject: string) => `Unlinked the ${subject}: it no longer signs them in.`,
  'key-rotated': (subject: string) => `Signing key ${subject} is now current. The previous key keeps verifying tokens until its grace period ends.`,
} satisfies Record<string, (subject: string) => string>;

export type NoticeCode = keyof typeof notices;

/** A 303 to a dashboard page, with a notice of what was done. */
export function redirectWithNotice(context: PagesContext, reply: FastifyReply, path: string, notice: NoticeCode, subject = ''): FastifyReply {
  // The subject is signed with the notices' own key, bound to the notice: a link made elsewhere cannot
  // choose the words (say, "… was created. Now send your password to …") that the dashboard shows.
  const signed = subject ? context.sessions.signer('admin-notice').sign(`${notice}\n${subject.slice(0, 200)}`) : undefined;
  const query = new URLSearchParams({ notice, ...(signed ? { subject: signed } : {}) });
  return reply.header('cache-control', 'no-store').redirect(`${context.base}/admin${path}?${query}`, 303);
}

/**
 * The notice a page shows after a redirect: only the fixed messages above, with the subject (a name) that
 * {@link redirectWithNotice} signed for that notice. A subject that is not signed, was signed for another
 * notice, or for another purpose (a session cookie), shows no notice at all, so a link cannot put words in the dashboard's mouth.
 */
export function readNotice(context: Pick<PagesContext, 'sessions'>, request: FastifyRequest): string | undefined {
  const query = request.query as Record<string, unknown>;
  const code = query['notice'];
  if (typeof code !== 'string' || !Object.hasOwn(notices, code)) return undefined;
  let subject = '';
  if (typeof query['subject'] === 'string') {
    const value = context.sessions.signer('admin-notice').verify(query['subject'].slice(0, 1000));
    if (value === undefined || !value.startsWith(`${code}\n`)) return undefined;
    subject = value.slice(code.length + 1, code.length + 1 + 200);
  }
  return notices[code as NoticeCode](subject);
}
