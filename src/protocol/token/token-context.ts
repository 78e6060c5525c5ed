import type { Config } from '../../config/defaults.js';
import type { AuthorizationCodeStore, GrantRecord, GrantStore } from '../../ports/grants.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import type { UserStore } from '../../ports/users.js';
import { noUsageTracking, type ClientUsage } from '../../cleanup/client-usage.js';
import { noAudit, type AuditTrail } from '../../ports/audit-trail.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import type { TokenSigner } from '../../ports/token-signing.js';
import type { ClientAssertionServices } from '../client-assertion.js';
import type { GrantType } from '../../ports/client-metadata.js';
import type { VerifiedDpopProof } from '../dpop/dpop-proof.js';
import { orderedRefreshToken, refreshTokenKey, sealedRefreshToken, type RefreshTokenSeal } from './refresh-token-key.js';
import { scopeTokens } from '../scope.js';
import { issueAccessToken, issueIdToken, userClaims } from '../tokens.js';
import type { EnterpriseGrantContext } from './jwt-bearer.js';

/** What the token endpoint needs. */
export interface TokenContext {
  config: Config;
  clients: Pick<ClientStore, 'findClient'>;
  codes: AuthorizationCodeStore;
  grants: GrantStore;
  users: Pick<UserStore, 'findUserById'>;
  signer: TokenSigner;
  clock: Clock;
  random: RandomSource;
  /** Told of every issue, so that cleanup knows the client is in use; by default nothing is recorded. */
  usage?: ClientUsage;
  /** Records `token.issued` and `grant.revoked`; by default nothing is recorded. */
  audit?: AuditTrail;
  /** The client's address, for the audit trail. */
  ip?: string | null;
  /** The request's verified DPoP proof (RFC 9449): the access token is bound to its key. */
  dpop?: VerifiedDpopProof | undefined;
  /** For identity assertion grants (jwt-bearer.ts); without it that grant is unsupported. */
  enterprise?: EnterpriseGrantContext;
  /** What `private_key_jwt` client authentication needs; without it, client assertions are refused. */
  clientAssertions?: ClientAssertionServices;
  /**
   * The MAC key of sealed refresh tokens (refresh-token-key.ts), the same on every instance; without it refresh
   * tokens are unsealed, and every retired one is kept until it expires.
   */
  refreshTokenSeal?: RefreshTokenSeal;
}

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer' | 'DPoP';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/** A new refresh token: the value for the client and the record to store (by digest). */
export function mintRefreshToken(grantId: string, generation: number, scope: string, context: TokenContext) {
  const now = context.clock.now();
  const random = context.random.token(32);
  const sealed = context.refreshTokenSeal && sealedRefreshToken(context.refreshTokenSeal, { issuedAt: now, grantId, generation }, random);
  const value = sealed ?? orderedRefreshToken(now, random);
  return {
    value,
    record: { tokenDigest: refreshTokenKey(value), grantId, scope, createdAt: now, expiresAt: now + context.config.tokens.refreshTokenTtlSeconds * 1000 },
  };
}

/**
 * The access token (and, for `openid`, the ID token) of a grant, with the refresh token already stored.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5.1
 */
export async function tokenResponse(
  grant: GrantRecord,
  client: ClientRecord,
  scope: string,
  context: TokenContext,
  extras: { grantType: GrantType; refreshToken?: string | undefined; nonce?: string | null; withIdToken?: boolean },
): Promise<TokenResponse> {
  const { config, clock, signer } = context;
  const nowMs = clock.now();
  const access = await issueAccessToken(
    {
      issuer: config.issuer,
      sub: grant.userId ?? client.clientId,
      clientId: client.clientId,
      scope,
      audience: grant.resource ?? config.issuer,
      authTime: grant.authTime,
      // A grant without a user (client credentials) is not stored: nothing could be found under its id.
      grantId: grant.userId === null ? null : grant.id,
      machine: grant.userId === null,
      jkt: context.dpop?.jkt,
    },
    { signer, nowMs, ttlSeconds: config.tokens.accessTokenTtlSeconds, jti: context.random.token(16) },
  );
  const tokenType = context.dpop ? 'DPoP' : 'Bearer';
  const response: TokenResponse = { access_token: access.token, token_type: tokenType, expires_in: access.expiresIn, scope };
  if (extras.refreshToken !== undefined) response.refresh_token = extras.refreshToken;
  if (extras.withIdToken && grant.userId !== null && scopeTokens(scope).includes('openid')) {
    const user = await context.users.findUserById(grant.userId);
    if (user) {
      response.id_token = await issueIdToken(
        {
          issuer: config.issuer,
          sub: user.id,
          clientId: client.clientId,
          nonce: extras.nonce ?? null,
          authTime: grant.authTime ?? nowMs,
          claims: userClaims(scope, user),
        },
        { signer, nowMs, ttlSeconds: config.tokens.idTokenTtlSeconds },
      );
    }
  }
  recordIssue(extras.grantType, grant, client, scope, context);
  return response;
}

/**
 * Tells usage tracking and the audit trail that tokens were issued, once they have been: a code exchange
 * completes an authorization, and a refresh or client credentials request shows the client is still in use.
 * The event names the grant, never a token.
 */
function recordIssue(grantType: GrantType, grant: GrantRecord, client: ClientRecord, scope: string, context: TokenContext): void {
  (context.usage ?? noUsageTracking).clientUsed(client.clientId);
  (context.audit ?? noAudit).record({
    type: 'token.issued',
    clientId: client.clientId,
    userId: grant.userId,
    ip: context.ip ?? null,
    data: { grant_type: grantType, scope, grant_id: grant.id },
  });
}

/** Records that a grant was revoked because one of its credentials was presented again (it has leaked). */
export function recordGrantRevoked(
  grant: { grantId: string; clientId: string; userId: string | null },
  reason: 'code_replayed' | 'refresh_token_reused' | 'refresh_token_of_another_client',
  context: TokenContext,
): void {
  (context.audit ?? noAudit).record({
    type: 'grant.revoked',
    clientId: grant.clientId,
    userId: grant.userId,
    ip: context.ip ?? null,
    data: { grant_id: grant.grantId, reason },
  });
}
