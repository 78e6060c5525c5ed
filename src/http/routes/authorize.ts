import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import {
  AuthorizationPageError,
  AuthorizationRedirectError,
  authorizationResponseUrl,
  parseAuthorizationRequest,
  type AuthorizationRequest,
} from '../../protocol/authorization/authorization-request.js';
import { issueAuthorizationCode } from '../../protocol/authorization/issue-code.js';
import { consentAudience, consentCovers, consentShown, mergeConsent } from '../../protocol/authorization/consent.js';
import { noAudit, type AuditTrail } from '../../ports/audit-trail.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import type { LoginThrottle } from '../../rate-limit/login-throttle.js';
import type { ClientStore } from '../../ports/clients.js';
import type { Storage } from '../../ports/storage.js';
import { consentPage, errorPage, isUnverified, loginPage, returnToClientPage } from '../../ui/authorization-pages.js';
import { signInWithPassword } from '../password-sign-in.js';
import type { Sessions } from '../session.js';

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
}

/** How long a user has to sign in and decide before the pending request must be started again. */
const pendingLifetimeMs = 10 * 60_000;

/**
 * `GET /authorize` with its sign-in (`POST /login`) and consent (`POST /consent`) steps. The pending request
 * travels between them as a signed, expiring form field, so any instance can serve any step.
 */
export function authorizeRoutes(app: FastifyInstance, context: AuthorizeContext, base: string): void {
  const { config, storage, clock, sessions } = context;
  const audit = context.audit ?? noAudit;
  const clients = context.clients ?? storage.clients;
  const paths = { authorize: `${base}/authorize`, login: `${base}/login`, consent: `${base}/consent` };

  // Signed for this purpose only: a session cookie or a notice posted as `pending` does not verify.
  const pendingSigner = sessions.signer('pending-authorization');
  // `shown`, on the consent page's form, is what the page showed (consentShown): an allow counts only for that.
  const pending = {
    seal: (query: Record<string, string>, shown?: string) =>
      pendingSigner.sign(Buffer.from(JSON.stringify({ query, shown, expires: clock.now() + pendingLifetimeMs })).toString('base64url')),
    open(sealed: string | undefined): { query: Record<string, string>; shown: string | undefined } | undefined {
      const value = sealed === undefined ? undefined : pendingSigner.verify(sealed);
      if (value === undefined) return undefined;
      const { query, shown, expires } = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as {
        query: Record<string, string>;
        shown?: string;
        expires: number;
      };
      return expires > clock.now() ? { query, shown } : undefined;
    },
  };

  /** Answers with the redirect that ends the authorization: a code, or an error, with `state` and `iss`. */
  const finish = (reply: FastifyReply, redirectUri: string, params: Record<string, string | null>, status = 302) =>
    reply.header('cache-control', 'no-store').redirect(authorizationResponseUrl(redirectUri, { ...params, iss: config.issuer }), status);

  /**
   * Ends the request with an error. Errors found before the user did anything go to the redirect URI of a
   * verified client only: for a client that registered itself, an immediate redirect would make this server an
   * open redirector to any URI anyone registers (RFC 9700 §4.11.2), so the user sees a page that names the
   * host and decides whether to go back there.
   */
  const fail = (reply: FastifyReply, error: unknown, status = 302): FastifyReply => {
    if (error instanceof AuthorizationRedirectError) {
      const params = { error: error.error.code, error_description: error.error.description, state: error.state };
      if (isUnverified(error.client)) {
        const href = authorizationResponseUrl(error.redirectUri, { ...params, iss: config.issuer });
        return sendPage(reply, 400, (nonce) => returnToClientPage({ nonce, href, message: error.error.description }));
      }
      return finish(reply, error.redirectUri, params, status);
    }
    if (error instanceof AuthorizationPageError) {
      return sendPage(reply, 400, (nonce) => errorPage({ nonce, title: 'This request cannot continue', message: error.description }));
    }
    throw error;
  };

  /** After sign-in (or with a session): a remembered consent issues the code at once; otherwise ask. */
  async function proceed(request: FastifyRequest, reply: FastifyReply, query: Record<string, string>, status: 302 | 303) {
    let parsed;
    try {
      parsed = await parseAuthorizationRequest(query, { config, clients });
    } catch (error) {
      return fail(reply, error, status);
    }
    const { request: authz, client } = parsed;
    const signedIn = await sessions.readUser(request, storage.users);
    const redirectError = (code: 'login_required' | 'consent_required') =>
      fail(reply, new AuthorizationRedirectError(new OAuthError(code), authz.redirectUri, authz.state, client), status);
    const session = signedIn?.session;
    const user = signedIn?.user;
    if (!session || !user || authz.prompt === 'login') {
      if (authz.prompt === 'none') return redirectError('login_required');
      const { prompt: _, ...rest } = query;
      const csrf = sessions.csrfToken(request, reply);
      return sendPage(reply, 200, (nonce) =>
        loginPage({
          nonce,
          csrf,
          pending: pending.seal(authz.prompt === 'login' ? rest : query),
          action: paths.login,
          clientName: client.metadata.client_name ?? client.clientId,
          unverified: isUnverified(client),
        }),
      );
    }
    const remembered = await storage.consents.findConsent(user.id, client.clientId);
    if (consentCovers(remembered, client, { scope: authz.scope, audience: consentAudience(authz.resource, config.issuer) }) && authz.prompt !== 'consent') {
      return finish(reply, authz.redirectUri, { code: await issueCode(authz, session), state: authz.state }, status);
    }
    if (authz.prompt === 'none') return redirectError('consent_required');
    const csrf = sessions.csrfToken(request, reply);
    return sendPage(reply, 200, (nonce) =>
      consentPage({
        nonce,
        csrf,
        pending: pending.seal(query, consentShown(client, { scope: authz.scope, audience: consentAudience(authz.resource, config.issuer) })),
        action: paths.consent,
        client,
        redirectUri: authz.redirectUri,
        scope: authz.scope,
        resource: authz.resource,
        resourceName: authz.resourceName,
        username: user.username,
      }),
    );
  }

  const issueCode = (authz: AuthorizationRequest, session: { userId: string; authTime: number }) =>
    issueAuthorizationCode(authz, { id: session.userId, authTime: session.authTime }, { codes: storage.codes, clock, random: context.random });

  app.get(paths.authorize, async (request, reply) => {
    const query = singleValued(request.query);
    if (!query) return sendPage(reply, 400, (nonce) => errorPage({ nonce, title: 'This request cannot continue', message: 'A parameter is repeated.' }));
    return proceed(request, reply, query, 302);
  });

  app.post(paths.login, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const query = pending.open(form['pending'])?.query;
    if (!sessions.csrfMatches(request, form['csrf']) || !query) return expired(reply);
    const username = form['username'] ?? '';
    // Only for the name on the page: a client that is no longer valid is refused on the way back to /authorize.
    const client = await clients.findClient(query['client_id'] ?? '').catch((error: unknown) => {
      if (error instanceof OAuthError) return undefined;
      throw error;
    });
    const again = (status: number, error: string) => {
      const csrf = sessions.csrfToken(request, reply);
      return sendPage(reply, status, (nonce) =>
        loginPage({
          nonce,
          csrf,
          pending: form['pending']!,
          action: paths.login,
          clientName: client?.metadata.client_name ?? 'the application',
          unverified: client !== undefined && isUnverified(client),
          username,
          error,
        }),
      );
    };
    const outcome = await signInWithPassword({ users: storage.users, throttle: context.throttle, sessions, clock, audit }, request, reply, {
      username,
      password: form['password'] ?? '',
    });
    if (!('user' in outcome)) return again(outcome.status, outcome.message);
    return reply.header('cache-control', 'no-store').redirect(`${paths.authorize}?${new URLSearchParams(query)}`, 303);
  });

  app.post(paths.consent, async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const opened = pending.open(form['pending']);
    if (!sessions.csrfMatches(request, form['csrf']) || !opened) return expired(reply);
    const { query } = opened;
    const session = (await sessions.readUser(request, storage.users))?.session;
    if (!session) return proceed(request, reply, query, 303);
    let parsed;
    try {
      parsed = await parseAuthorizationRequest(query, { config, clients });
    } catch (error) {
      return fail(reply, error, 303);
    }
    const { request: authz, client } = parsed;
    if (form['decision'] !== 'allow') {
      return finish(reply, authz.redirectUri, { error: 'access_denied', error_description: 'The user denied the request.', state: authz.state }, 303);
    }
    const audience = consentAudience(authz.resource, config.issuer);
    // The client (its name, redirects, flag) or what it asks for changed while the page was open: the user
    // allowed what they saw, not this. They see the page again, as it is now.
    if (opened.shown !== consentShown(client, { scope: authz.scope, audience })) return proceed(request, reply, query, 303);
    const previous = await storage.consents.findConsent(session.userId, client.clientId);
    await storage.consents.saveConsent(session.userId, client.clientId, mergeConsent(previous, client, { scope: authz.scope, audience }), clock.now());
    audit.record({ type: 'consent.granted', userId: session.userId, clientId: client.clientId, ip: request.ip, data: { scope: authz.scope, resource: audience } });
    return finish(reply, authz.redirectUri, { code: await issueCode(authz, session), state: authz.state }, 303);
  });

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

/**
 * Sends a page with the headers every page gets: no caching, no framing (clickjacking on a consent page would
 * let another site collect approvals), a Content-Security-Policy that allows only this page's own styles.
 */
export function sendPage(reply: FastifyReply, status: number, render: (nonce: string) => string): FastifyReply {
  const nonce = randomBytes(16).toString('base64url');
  return reply
    .code(status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-frame-options', 'DENY')
    .header('referrer-policy', 'no-referrer')
    .header('content-security-policy', `default-src 'none'; style-src 'nonce-${nonce}'; img-src 'self' https: data:; frame-ancestors 'none'; base-uri 'none'`)
    .send(render(nonce));
}
