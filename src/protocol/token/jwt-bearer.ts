import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { profileFromClaims } from '../../identity/profile-from-claims.js';
import type { EnterpriseKeyResolver } from '../../keys/enterprise-keys.js';
import { noAudit } from '../../ports/audit-trail.js';
import { jwtBearerGrantType, type ClientMetadata } from '../../ports/client-metadata.js';
import type { ClientRecord } from '../../ports/clients.js';
import type { GrantRecord } from '../../ports/grants.js';
import type { IdentityStore } from '../../ports/identities.js';
import type { ReplayStore } from '../../ports/replays.js';
import type { UserStore } from '../../ports/users.js';
import { signInUpstream } from '../../users/upstream-accounts.js';
import { resolveResource, resourceScopeLimit, sameResource, type ResolvedResource } from '../resources.js';
import { scopeTokens } from '../scope.js';
import { verifyIdJag, type VerifiedIdJag } from './id-jag.js';
import { tokenResponse, type TokenContext, type TokenResponse } from './token-context.js';

/** What the identity assertion grant needs beyond the token endpoint's context. */
export interface EnterpriseGrantContext {
  /** The keys of each configured enterprise provider (keys/enterprise-keys.ts), cached across requests. */
  keysFor: EnterpriseKeyResolver;
  /** Remembers each assertion's `jti` until it expires, across instances. */
  replays: Pick<ReplayStore, 'useOnce'>;
  /** Users are found, or created, by (provider, subject), as upstream sign-ins find them. */
  identities: IdentityStore;
  users: UserStore;
}

/**
 * The JWT bearer grant (RFC 7523 §2.1) with an Identity Assertion JWT Authorization Grant (ID-JAG) from a
 * configured enterprise IdP: the MCP enterprise-managed authorization extension. The IdP decided, by its policy,
 * that this client may act for this user at this server; the assertion carries that decision, so there is no
 * consent page. In order:
 *
 * - the client is confidential (draft §8.1: a public client "SHOULD use the existing authorization code grant";
 *   a client identifier alone proves nothing, so anyone who obtained an assertion could redeem it as a public
 *   client that the IdP named);
 * - the assertion verifies ({@link verifyIdJag}) and its `client_id` is the authenticated client (draft §4.4.1);
 * - its `resource`, when present, is a configured resource (MCP extension §7.6.2), and the token's audience;
 * - the scope is the request's (or the assertion's), limited to the assertion's, what the client registered and
 *   what the resource offers; a scope the assertion names that the resource does not offer is `invalid_grant`;
 * - its `jti` is used once (MCP extension §7.4.2 makes replay detection REQUIRED);
 * - the user is the one linked to (provider, `sub`), created when `identity.allow` admits them (users/upstream-accounts.ts).
 *
 * The response has an access token and no refresh token: the draft's resource authorization server "SHOULD NOT
 * return a Refresh Token", the client asks the IdP for a new assertion instead, so the IdP's policy is consulted
 * again. The grant is stored, so that revoking it (the dashboard, `/account`) ends its tokens too.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-identity-assertion-authz-grant#section-4.4
 * @see https://modelcontextprotocol.io/extensions/auth/enterprise-managed-authorization
 * @see https://www.rfc-editor.org/rfc/rfc7523#section-2.1
 * @throws {OAuthError} `unsupported_grant_type`, `unauthorized_client`, `invalid_request`, `invalid_grant`, `invalid_target`, `invalid_scope`
 */
export async function exchangeIdentityAssertion(params: Record<string, string>, client: ClientRecord, context: TokenContext): Promise<TokenResponse> {
  const { config, enterprise } = context;
  const providers = config.identity.enterpriseProviders;
  if (!enterprise || providers.length === 0) throw new OAuthError('unsupported_grant_type', 'this server trusts no enterprise identity provider');
  if (client.metadata.token_endpoint_auth_method === 'none') {
    throw new OAuthError('unauthorized_client', 'identity assertion grants are for confidential clients only; use the authorization code flow');
  }
  const assertion = params['assertion'];
  if (!assertion) throw new OAuthError('invalid_request', 'assertion is required');
  const now = context.clock.now();
  const verified = await verifyIdJag(assertion, { providers, keysFor: enterprise.keysFor, issuer: config.issuer, nowMs: now });
  const { claims, provider } = verified;
  if (claims.client_id !== client.clientId) {
    throw new OAuthError('invalid_grant', 'the assertion was issued for another client', { detail: `client_id claim ${JSON.stringify(claims.client_id)}` });
  }
  const resource = assertedResource(claims['resource'], params['resource'], config);
  const scope = grantedScope(claims['scope'], params['scope'], client.metadata, resource, config);
  if (!(await enterprise.replays.useOnce(`idjag:${provider.issuer}:${claims.jti}`, claims.exp * 1000, now))) {
    throw new OAuthError('invalid_grant', 'the assertion was already used', { detail: `jti ${JSON.stringify(claims.jti)} of ${provider.id}` });
  }

  const userId = await linkedUser(verified, context, enterprise);
  const grant: GrantRecord = {
    id: context.random.uuid(),
    clientId: client.clientId,
    userId,
    scope,
    resource: resource?.audience ?? null,
    authTime: typeof claims['auth_time'] === 'number' ? claims['auth_time'] * 1000 : null,
    createdAt: now,
    revokedAt: null,
  };
  await context.grants.createGrant(grant, null, null);
  return tokenResponse(grant, client, scope, context, { grantType: jwtBearerGrantType });
}

/**
 * The resource the token is for: the assertion's `resource` (a URI, or a list the request's `resource` picks one
 * of), which must be a configured resource; without one, the request's, or the default resource. An assertion
 * naming a resource this server does not know is `invalid_grant` (MCP extension §7.6.2), even with no resource
 * configured, where a user flow would accept any URI: the IdP's decision was for a resource, and this server
 * must know it to bind the token to it.
 */
function assertedResource(claim: unknown, requested: string | undefined, config: Config): ResolvedResource | null {
  if (claim === undefined) return resolveResource(requested, config);
  const named = typeof claim === 'string' ? [claim] : Array.isArray(claim) && claim.every((r) => typeof r === 'string') ? (claim as string[]) : null;
  if (named === null || named.length === 0) throw new OAuthError('invalid_grant', 'the assertion\'s resource claim must be a URI or a list of URIs');
  let chosen = named[0]!;
  if (requested !== undefined) {
    const match = named.find((uri) => sameResource(requested, uri));
    if (match === undefined) throw new OAuthError('invalid_target', 'resource is not one the assertion names');
    chosen = match;
  } else if (named.length > 1) {
    throw new OAuthError('invalid_request', 'the assertion names several resources: choose one with the resource parameter');
  }
  if (config.resources.length === 0) throw new OAuthError('invalid_grant', 'the assertion names a resource this server does not issue tokens for');
  try {
    return resolveResource(chosen, config);
  } catch (cause) {
    throw new OAuthError('invalid_grant', 'the assertion names a resource this server does not issue tokens for', { cause, detail: `resource ${JSON.stringify(chosen)}` });
  }
}

/**
 * The scope of the token: what the request asks (else what the assertion names, else what the client
 * registered), limited to the assertion's scope when it has one (RFC 7521 §4.1: never more than was granted;
 * MCP extension §7.2.1: the intersection), to the client's registered scope and to the resource's scopes. No
 * refresh token is issued, so `offline_access` is never granted.
 */
function grantedScope(claim: unknown, requested: string | undefined, metadata: ClientMetadata, resource: ResolvedResource | null, config: Config): string {
  if (claim !== undefined && typeof claim !== 'string') throw new OAuthError('invalid_grant', 'the assertion\'s scope claim must be a string');
  const offered = resourceScopeLimit(resource, config);
  const asserted = claim === undefined ? null : scopeTokens(claim);
  const unknown = asserted?.filter((scope) => !offered.includes(scope)) ?? [];
  if (unknown.length > 0) {
    throw new OAuthError('invalid_grant', 'the assertion names scopes this resource does not offer', { detail: `scope ${unknown.join(' ')}` });
  }
  const registered = scopeTokens(metadata.scope);
  const asked = requested !== undefined && requested.trim() !== '' ? scopeTokens(requested) : (asserted ?? registered);
  const granted = asked.filter(
    (scope) => (asserted === null || asserted.includes(scope)) && registered.includes(scope) && offered.includes(scope) && scope !== 'offline_access',
  );
  if (granted.length === 0 && asked.some((scope) => scope !== 'offline_access')) {
    throw new OAuthError('invalid_scope', 'none of the requested scopes can be granted to this client for this resource');
  }
  return granted.join(' ');
}

/**
 * The user the assertion is about, linked by (provider id, `sub`) exactly as an upstream sign-in links: an
 * unknown subject is created when `identity.allow` admits the profile built from the assertion's claims (an
 * `email` counts only with `email_verified`), and refused otherwise.
 */
async function linkedUser({ provider, claims }: VerifiedIdJag, context: TokenContext, enterprise: EnterpriseGrantContext): Promise<string> {
  const profile = profileFromClaims({ id: provider.id, claims: { email: 'email', name: 'name', username: 'preferred_username', groups: 'groups' } }, claims);
  const outcome = await signInUpstream(profile, {
    users: enterprise.users,
    identities: enterprise.identities,
    clock: context.clock,
    random: context.random,
    rules: { allow: context.config.identity.allow, admins: context.config.identity.admins },
  });
  if ('refused' in outcome) {
    throw new OAuthError('invalid_grant', 'the user the assertion names may not use this server', { detail: `${provider.id} subject ${claims.sub}: ${outcome.refused}` });
  }
  if (outcome.created) {
    (context.audit ?? noAudit).record({
      type: 'user.created',
      userId: outcome.user.id,
      ip: context.ip ?? null,
      data: { provider: provider.id, username: outcome.user.username, is_admin: outcome.user.isAdmin },
    });
  }
  return outcome.user.id;
}
