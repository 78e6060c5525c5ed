import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { AuthorizationDecision } from '../../protocol/authorization/authorization-decision.js';
import { authorizationResponseUrl } from '../../protocol/authorization/authorization-request.js';
import { decideAuthorization, decideConsent, type SignedInUser } from '../../protocol/authorization/decide-authorization.js';
import { isUnverified } from '../../protocol/authorization/unverified-client.js';
import { noAudit, type AuditTrail } from '../../ports/audit-trail.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import type { LoginThrottle } from '../../rate-limit/login-throttle.js';
import type { ClientStore } from '../../ports/clients.js';
import type { Storage } from '../../ports/storage.js';
import { consentPage, errorPage, loginPage, returnToClientPage } from '../../ui/authorization-pages.js';
import { signInWithPassword } from '../password-sign-in.js';
import type { HostSignIn } from '../host-sign-in.js';
import { pendingAuthorizations } from '../pending-authorization.js';
import { pushedAuthorizations } from '../pushed-authorization.js';
import { sendPage } from '../send-page.js';
import type { Sessions } from '../session.js';

// Kept until the other page routes import it from send-page.ts.

export interface AuthorizeContext {
  config: Config;
  storage: Storage;
  clock: Clock;
  random: RandomSource;
  sessions: Sessions;
  throttle: LoginThrottle;
  /** Client lookups, metadata document clients included; by default `storage.clients`. */
  clients?: Pick<ClientStore, 'findClient'>;
  /** Where sign-ins and consents are recorded; by default nowhere. */
  audit?: AuditTrail;
  /** A host app's sign-in (library mode): who is signed in comes from it, and signing in happens at the host. */
  host?: HostSignIn | undefined;
}

/**
 * `GET /authorize` with its sign-in (`POST /login`) and consent (`POST /consent`) steps: each parses the request
 * (query or form, session cookie, CSRF token), lets the protocol decide, and renders the decision. The pending
 * request travels between them as a signed, expiring form field, so any instance can serve any step.
 */
export function authorizeRoutes(app: FastifyInstance, context: AuthorizeContext, base: string): void {
  const { storage, clock, sessions } = context;
  const audit = context.audit ?? noAudit;
  const clients = context.clients ?? storage.clients;
  const decision = { config: context.config, clients, consents: storage.consents, codes: storage.codes, clock, random: context.random, audit };
  const paths = { authorize: `${base}/authorize`, login: `${base}/login`, consent: `${base}/consent` };
  const pending = pendingAuthorizations(sessions.signer('pending-authorization'), clock);
  const pushed = pushedAuthorizations(sessions.signer('pushed-request'), { pushedRequests: storage.pushedRequests, clock });
  // The sign-in choices every login page offers: one button per upstream provider, and the password form if enabled.
  const signInChoices = {
    providers: context.config.identity.providers.map(({ id, name }) => ({ id, name })),
    upstreamAction: (id: string) => `${base}/signin/upstream/${id}`,
    localPasswords: context.config.identity.localPasswords,
  };

  const signedIn = async (request: FastifyRequest): Promise<SignedInUser | undefined> => {
    if (context.host) {
      const hosted = await context.host.user(request);
      return hosted && { id: hosted.user.id, username: hosted.user.username, authTime: hosted.authTime };
    }
    const found = await sessions.readUser(request, storage.users);
    return found && { id: found.session.userId, username: found.user.username, authTime: found.session.authTime };
  };

  /** Renders what the protocol decided. `status` is the redirect's: 302 answering a link, 303 answering a form. */
  function render(request: FastifyRequest, reply: FastifyReply, decided: AuthorizationDecision, status: 302 | 303): FastifyReply {
    switch (decided.kind) {
      case 'sign-in': {
        // The host app signs its users in; it sends the browser back to the request (never with `prompt=login`).
        if (context.host) return reply.header('cache-control', 'no-store').redirect(context.host.signInUrl(`${paths.authorize}?${new URLSearchParams(decided.resume)}`), status);
        const csrf = sessions.csrfToken(request, reply);
        const { clientName, unverified } = decided;
        return sendPage(reply, 200, (nonce) => loginPage({ nonce, csrf, pending: pending.seal(decided.resume), action: paths.login, clientName, unverified, ...signInChoices }));
      }
      case 'consent': {
        const csrf = sessions.csrfToken(request, reply);
        const { client, request: authz, username, alreadyAllowed } = decided;
        const { redirectUri, scope, resource, resourceName } = authz;
        const sealed = pending.seal(decided.resume, decided.shown);
        return sendPage(reply, 200, (nonce) => consentPage({ nonce, csrf, pending: sealed, action: paths.consent, client, redirectUri, scope, resource, resourceName, username, alreadyAllowed }));
      }
      case 'redirect-with-code':
      case 'redirect-with-error':
        return reply.header('cache-control', 'no-store').redirect(authorizationResponseUrl(decided.redirectUri, { ...decided.params }), status);
      case 'link-with-error': {
        const href = authorizationResponseUrl(decided.redirectUri, { ...decided.params });
        return sendPage(reply, 400, (nonce) => returnToClientPage({ nonce, href, message: decided.params.error_description }));
      }
      case 'error-page':
        return sendPage(reply, 400, (nonce) => errorPage({ nonce, title: 'This request cannot continue', message: decided.description }));
      default:
        return unknownDecision(decided);
    }
  }

  app.get(paths.authorize, async (request, reply) => {
    const query = singleValued(request.query);
    if (!query) return render(request, reply, { kind: 'error-page', error: 'invalid_request', description: 'A parameter is repeated.' }, 302);
    // RFC 9126 §4: a request_uri stands for the parameters pushed to /par.
    const resolved = await pushed.resolve(query);
    if ('kind' in resolved) return render(request, reply, resolved, 302);
    return render(request, reply, await decideAuthorization(resolved.query, await signedIn(request), { ...decision, notPushed: !resolved.pushed }), 302);
  });

  app.post(paths.login, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const query = pending.open(form['pending'])?.query;
    if (!sessions.csrfMatches(request, form['csrf']) || !query) return expired(reply);
    if (!context.config.identity.localPasswords || context.host) return passwordsOff(reply);
    const username = form['username'] ?? '';
    const outcome = await signInWithPassword({ users: storage.users, throttle: context.throttle, sessions, clock, audit }, request, reply, {
      username,
      password: form['password'] ?? '',
    });
    // Signed in: back to /authorize, which decides the request again (a client no longer valid is refused there).
    if ('user' in outcome) return reply.header('cache-control', 'no-store').redirect(`${paths.authorize}?${new URLSearchParams(query)}`, 303);
    // The client only for its name on the page, shown again with the same pending request.
    const client = await clients.findClient(query['client_id'] ?? '').catch((error: unknown) => {
      if (error instanceof OAuthError) return undefined;
      throw error;
    });
    const csrf = sessions.csrfToken(request, reply);
    return sendPage(reply, outcome.status, (nonce) =>
      loginPage({
        nonce,
        csrf,
        pending: form['pending']!,
        action: paths.login,
        clientName: client?.metadata.client_name ?? 'the application',
        unverified: client !== undefined && isUnverified(client),
        username,
        error: outcome.message,
        ...signInChoices,
      }),
    );
  });

  app.post(paths.consent, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const opened = pending.open(form['pending']);
    if (!sessions.csrfMatches(request, form['csrf']) || !opened) return expired(reply);
    const answer = { allow: form['decision'] === 'allow', shown: opened.shown, ip: request.ip };
    return render(request, reply, await decideConsent(opened.query, await signedIn(request), answer, decision), 303);
  });

  const passwordsOff = (reply: FastifyReply) =>
    sendPage(reply, 403, (nonce) => errorPage({ nonce, title: 'Passwords are turned off', message: 'This server does not accept passwords. Go back and sign in with one of the providers it offers.' }));

  const expired = (reply: FastifyReply) =>
    sendPage(reply, 400, (nonce) =>
      errorPage({ nonce, title: 'This page has expired', message: 'The form was too old or was not sent from this browser. Start again from the application.' }),
    );
}

/** The query as single strings; undefined when a parameter is repeated (RFC 6749 §3.1). */
function singleValued(query: unknown): Record<string, string> | undefined {
  const result: Record<string, string> = {};
  for (const [name, value] of Object.entries(query as Record<string, unknown>)) {
    if (typeof value !== 'string') return undefined;
    if (value !== '') result[name] = value;
  }
  return result;
}

/** Fails to compile when the `switch` of `render` misses a kind of decision. */
function unknownDecision(decided: never): never {
  throw new Error(`unknown authorization decision: ${JSON.stringify(decided)}`);
}
