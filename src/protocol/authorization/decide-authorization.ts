import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import type { AuthorizationCodeStore } from '../../ports/grants.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import type { ConsentStore } from '../../ports/consents.js';
import type { AuditTrail } from '../../ports/audit-trail.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import type { AuthorizationDecision } from './authorization-decision.js';
import { AuthorizationPageError, AuthorizationRedirectError, parseAuthorizationRequest, type AuthorizationRequest } from './authorization-request.js';
import { alreadyAllowedScope, consentAudience, consentCovers, consentShown, mergeConsent } from './consent.js';
import { issueAuthorizationCode } from './issue-code.js';
import { isUnverified } from './unverified-client.js';

/** What deciding an authorization request needs: the client and consent stores, where codes go, time and randomness. */
export interface AuthorizationDecisionContext {
  config: Config;
  /** Client lookups, metadata document clients included. */
  clients: Pick<ClientStore, 'findClient'>;
  consents: Pick<ConsentStore, 'findConsent' | 'saveConsent'>;
  codes: Pick<AuthorizationCodeStore, 'insertCode'>;
  clock: Clock;
  random: RandomSource;
  audit: AuditTrail;
  /** The request came in `/authorize`'s query, not pushed: refused where pushing is required (RFC 9126 §5, §6). */
  notPushed?: boolean;
}

/** The user signed in to the browser that sent the request: who, and when they signed in (the code's `auth_time`). */
export interface SignedInUser {
  id: string;
  username: string;
  authTime: number;
}

/** What the user answered on the consent page. */
export interface ConsentAnswer {
  allow: boolean;
  /** The digest of what the page showed, as its form carried it back ({@link consentShown}). */
  shown: string | undefined;
  /** The address the answer came from, for the audit trail. */
  ip: string | null;
}

/**
 * Decides an authorization request: validate it; without a signed-in user (or with `prompt=login`) ask them to
 * sign in; with a remembered consent that covers it, issue the code at once; otherwise ask for consent.
 * `prompt=none` turns each question into an error redirect (`login_required`, `consent_required`).
 *
 * @param query the request's parameters, each given once (a repeated one is refused before, RFC 6749 §3.1)
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest (prompt)
 */
export async function decideAuthorization(
  query: Record<string, string>,
  user: SignedInUser | undefined,
  context: AuthorizationDecisionContext,
): Promise<AuthorizationDecision> {
  const parsed = await parse(query, context);
  if ('kind' in parsed) return parsed;
  const { request, client } = parsed;
  if (!user || request.prompt === 'login') {
    if (request.prompt === 'none') return refuse(new OAuthError('login_required'), request, client, context);
    // After signing in the request resumes without `prompt=login`, or it would ask again forever.
    const { prompt: _, ...rest } = query;
    return {
      kind: 'sign-in',
      clientName: client.metadata.client_name ?? client.clientId,
      unverified: isUnverified(client),
      resume: request.prompt === 'login' ? rest : query,
    };
  }
  const asked = { scope: request.scope, audience: consentAudience(request.resource, context.config.issuer) };
  const remembered = await context.consents.findConsent(user.id, client.clientId);
  if (consentCovers(remembered, client, asked) && request.prompt !== 'consent') return issueCode(request, user, context);
  if (request.prompt === 'none') return refuse(new OAuthError('consent_required'), request, client, context);
  // Step-up: what the client already has for this resource is shown as such, and the page asks for the rest.
  const alreadyAllowed = alreadyAllowedScope(remembered, client, asked);
  return { kind: 'consent', client, request, username: user.username, resume: query, alreadyAllowed, shown: consentShown(client, asked, alreadyAllowed) };
}

/**
 * Decides the user's answer on the consent page for the request `query`: a deny goes back to the client as
 * `access_denied`; an allow is remembered (merged with earlier ones) and issues the code. An allow counts only
 * for what the page showed: when the client or what it asks for changed while the page was open, or the user
 * signed out meanwhile, the request is decided again as new.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2.1 (access_denied)
 */
export async function decideConsent(
  query: Record<string, string>,
  user: SignedInUser | undefined,
  answer: ConsentAnswer,
  context: AuthorizationDecisionContext,
): Promise<AuthorizationDecision> {
  if (!user) return decideAuthorization(query, undefined, context);
  const parsed = await parse(query, context);
  if ('kind' in parsed) return parsed;
  const { request, client } = parsed;
  if (!answer.allow) {
    // The user saw the consent page, which names the redirect's host: the answer goes there at once, whoever
    // registered the client.
    return { kind: 'redirect-with-error', redirectUri: request.redirectUri, params: errorParams(new OAuthError('access_denied', 'The user denied the request.'), request.state, context) };
  }
  const asked = { scope: request.scope, audience: consentAudience(request.resource, context.config.issuer) };
  const previous = await context.consents.findConsent(user.id, client.clientId);
  if (answer.shown !== consentShown(client, asked, alreadyAllowedScope(previous, client, asked))) return decideAuthorization(query, user, context);
  // The consent becomes the union of what was allowed before and now; the code (and the grant it starts) carries
  // what this request asked for, so a client asking for the union gets the union. Earlier grants, and their
  // refresh tokens, keep their own scope.
  await context.consents.saveConsent(user.id, client.clientId, mergeConsent(previous, client, asked), context.clock.now());
  context.audit.record({ type: 'consent.granted', userId: user.id, clientId: client.clientId, ip: answer.ip, data: { scope: asked.scope, resource: asked.audience } });
  return issueCode(request, user, context);
}

/** The validated request, or the decision that refuses it. */
async function parse(
  query: Record<string, string>,
  context: AuthorizationDecisionContext,
): Promise<{ request: AuthorizationRequest; client: ClientRecord } | AuthorizationDecision> {
  try {
    return await parseAuthorizationRequest(query, context);
  } catch (error) {
    if (error instanceof AuthorizationPageError) return { kind: 'error-page', error: error.code, description: error.description };
    if (error instanceof AuthorizationRedirectError) return refuse(error.error, { redirectUri: error.redirectUri, state: error.state }, error.client, context);
    throw error;
  }
}

/**
 * An error found before the user did anything. It goes to the redirect URI of a vouched-for client only: for a
 * client that registered itself, an immediate redirect would make this server an open redirector to any URI
 * anyone registers (RFC 9700 §4.11.2), so the user sees a page that names the host and decides whether to go
 * back there.
 */
function refuse(
  error: OAuthError,
  request: Pick<AuthorizationRequest, 'redirectUri' | 'state'>,
  client: ClientRecord,
  context: AuthorizationDecisionContext,
): AuthorizationDecision {
  return { kind: isUnverified(client) ? 'link-with-error' : 'redirect-with-error', redirectUri: request.redirectUri, params: errorParams(error, request.state, context) };
}

function errorParams(error: OAuthError, state: string | null, context: AuthorizationDecisionContext) {
  return { error: error.code, error_description: error.description, state, iss: context.config.issuer };
}

async function issueCode(request: AuthorizationRequest, user: SignedInUser, context: AuthorizationDecisionContext): Promise<AuthorizationDecision> {
  const code = await issueAuthorizationCode(request, { id: user.id, authTime: user.authTime }, context);
  return { kind: 'redirect-with-code', redirectUri: request.redirectUri, params: { code, state: request.state, iss: context.config.issuer } };
}
