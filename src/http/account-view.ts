import type { FastifyReply, FastifyRequest } from 'fastify';
import type { UserRecord } from '../ports/users.js';
import { accountErrorPage, accountPage, type AccountNotice, type AccountPaths } from '../ui/account-page.js';
import type { PagesContext } from './pages-context.js';
import { sendPage } from './send-page.js';

/** The account page's address and the addresses of its forms, below the issuer's path. */
export function accountPaths(base: string): AccountPaths & { account: string } {
  return {
    account: `${base}/account`,
    signOut: `${base}/signout`,
    revoke: (clientId) => `${base}/account/apps/${encodeURIComponent(clientId)}/revoke`,
    unlink: (identityId) => `${base}/account/identities/${encodeURIComponent(identityId)}/unlink`,
    // The sign-in routes own linking: it is a sign-in at the provider that ends in a link instead of a session.
    link: (providerId) => `${base}/signin/link/${encodeURIComponent(providerId)}`,
    changePassword: `${base}/account/password`,
  };
}

/**
 * The notices the page shows after an action, by the `notice` query value: fixed texts only, never text from
 * the URL. `linked` is for the end of linking (the upstream sign-in routes send it; a refused link is a page of its own).
 */
const accountNotices = {
  revoked: { kind: 'status', text: 'Access revoked: the tokens of that app no longer work, and it must ask you again to get new ones.' },
  not_connected: { kind: 'status', text: 'That app was not connected to your account (its access may have been revoked already).' },
  unlinked: { kind: 'status', text: 'Unlinked: that account no longer signs you in here.' },
  not_linked: { kind: 'status', text: 'That account was not linked to yours (it may have been unlinked already).' },
  last_sign_in_method: { kind: 'alert', text: 'Not unlinked: it is your only way to sign in, and without it you could not sign in again. Link another account first.' },
  password_changed: { kind: 'status', text: 'Your password is changed. Every other browser that was signed in to your account is signed out.' },
  linked: { kind: 'status', text: 'Linked: you can now sign in with that account too.' },
} satisfies Record<string, AccountNotice>;

export type AccountNoticeCode = keyof typeof accountNotices;

/** The notice named by the request's `notice` query value, if it names one. */
export function readAccountNotice(request: FastifyRequest): AccountNotice | undefined {
  const code = (request.query as Record<string, unknown>)['notice'];
  return typeof code === 'string' && Object.hasOwn(accountNotices, code) ? accountNotices[code as AccountNoticeCode] : undefined;
}

/** Renders the account page of `user` (the session's, always) with `status`, a notice or the password form's refusal. */
export async function sendAccountPage(
  context: PagesContext,
  request: FastifyRequest,
  reply: FastifyReply,
  user: UserRecord,
  status: number,
  extra: { notice?: AccountNotice | undefined; passwordError?: string | undefined } = {},
): Promise<FastifyReply> {
  const [apps, identities] = await Promise.all([context.storage.consents.listConnectedApps(user.id), context.storage.identities.listIdentities(user.id)]);
  const csrf = context.sessions.csrfToken(request, reply);
  const paths = accountPaths(context.base);
  return sendPage(reply, status, (nonce) =>
    accountPage({ nonce, csrf, user, apps, identities, methods: context.signInMethods, paths, notice: extra.notice, passwordError: extra.passwordError }),
  );
}

/** The answer to an account form without this browser's CSRF token (too old, or sent by another site): nothing changes. */
export function refuseStaleForm(reply: FastifyReply, base: string): FastifyReply {
  return sendPage(reply, 400, (nonce) =>
    accountErrorPage({
      nonce,
      title: 'Nothing was changed',
      message: 'The form was too old or was not sent from this browser. Open your account page again and retry.',
      back: accountPaths(base).account,
    }),
  );
}

/** After a POST, back to the account page with one of {@link accountNotices} (Post/Redirect/Get). */
export function redirectToAccount(reply: FastifyReply, base: string, notice: AccountNoticeCode): FastifyReply {
  return reply.header('cache-control', 'no-store').redirect(`${accountPaths(base).account}?notice=${notice}`, 303);
}
