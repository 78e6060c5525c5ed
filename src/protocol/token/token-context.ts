import type { Config } from '../../config/defaults.js';
import type { AuthorizationCodeStore, ClientRecord, ClientStore, GrantRecord, GrantStore, UserStore } from '../../storage/ports.js';
import type { Clock, RandomSource, TokenSigner } from '../context.js';
import { digestSecret } from '../secrets.js';
import { scopeTokens } from '../scope.js';
import { issueAccessToken, issueIdToken, userClaims } from '../tokens.js';

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
}

/** A successful token response (RFC 6749 §5.1). */
export interface TokenResponse {
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
  scope: string;
  refresh_token?: string;
  id_token?: string;
}

/** A new refresh token: the value for the client and the record to store (by digest). */
export function mintRefreshToken(grantId: string, scope: string, context: TokenContext) {
  const value = context.random.token(32);
  const now = context.clock.now();
  return {
    value,
    record: { tokenDigest: digestSecret(value), grantId, scope, createdAt: now, expiresAt: now + context.config.tokens.refreshTokenTtlSeconds * 1000 },
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
  extras: { refreshToken?: string | undefined; nonce?: string | null; withIdToken?: boolean },
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
      grantId: grant.id,
    },
    { signer, nowMs, ttlSeconds: config.tokens.accessTokenTtlSeconds, jti: context.random.token(16) },
  );
  const response: TokenResponse = { access_token: access.token, token_type: 'Bearer', expires_in: access.expiresIn, scope };
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
  return response;
}
