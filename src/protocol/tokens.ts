import type { TokenSigner } from '../ports/token-signing.js';
import { scopeTokens } from './scope.js';

/** What an access token is about. */
export interface AccessTokenSubject {
  issuer: string;
  /** The user's id, or the client's for client credentials. */
  sub: string;
  clientId: string;
  scope: string;
  /** The resource (RFC 8707) the token is for; the issuer itself when none was named. */
  audience: string;
  authTime: number | null;
  grantId: string | null;
  /** No user: a machine client's own token (`client_credentials`). */
  machine?: boolean;
  /** The thumbprint of the DPoP key the token is bound to (`cnf.jkt`, RFC 9449 §6.1). */
  jkt?: string | undefined;
}

/**
 * Issues an access token as a JWT per RFC 9068: `typ: at+jwt`, with `iss`, `sub`, `aud`, `client_id`, `scope`,
 * `jti`, `iat` and `exp`. `gid` names the grant, so that introspection can tell when the grant was revoked;
 * a token without a user has `gty: "client_credentials"` instead.
 *
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-2.2
 */
export async function issueAccessToken(
  subject: AccessTokenSubject,
  context: { signer: TokenSigner; nowMs: number; ttlSeconds: number; jti: string },
): Promise<{ token: string; expiresIn: number; expiresAt: number }> {
  const iat = Math.floor(context.nowMs / 1000);
  const claims: Record<string, unknown> = {
    iss: subject.issuer,
    sub: subject.sub,
    aud: subject.audience,
    client_id: subject.clientId,
    scope: subject.scope,
    jti: context.jti,
    iat,
    exp: iat + context.ttlSeconds,
  };
  if (subject.authTime !== null) claims['auth_time'] = Math.floor(subject.authTime / 1000);
  if (subject.grantId !== null) claims['gid'] = subject.grantId;
  // No user stands behind this token: resource servers must not take `sub` (the client's id) for a person.
  // The claim and its value follow the grant type, as several authorization servers name it (`gty`).
  if (subject.machine === true) claims['gty'] = 'client_credentials';
  if (subject.jkt !== undefined) claims['cnf'] = { jkt: subject.jkt };
  const token = await context.signer.sign(claims, 'at+jwt');
  return { token, expiresIn: context.ttlSeconds, expiresAt: (iat + context.ttlSeconds) * 1000 };
}

/** Standard claims (OIDC Core §5.4) released per scope, from what a local user record holds. */
export function userClaims(scope: string, user: { username: string; name: string | null; email: string | null }): Record<string, unknown> {
  const tokens = scopeTokens(scope);
  const claims: Record<string, unknown> = {};
  if (tokens.includes('profile')) {
    claims['preferred_username'] = user.username;
    if (user.name !== null) claims['name'] = user.name;
  }
  if (tokens.includes('email') && user.email !== null) claims['email'] = user.email;
  return claims;
}

/**
 * Issues an ID token (OpenID Connect Core §2) for a client that was granted `openid`.
 *
 * @see https://openid.net/specs/openid-connect-core-1_0.html#IDToken
 */
export async function issueIdToken(
  input: { issuer: string; sub: string; clientId: string; nonce: string | null; authTime: number; claims: Record<string, unknown> },
  context: { signer: TokenSigner; nowMs: number; ttlSeconds: number },
): Promise<string> {
  const iat = Math.floor(context.nowMs / 1000);
  const claims: Record<string, unknown> = {
    ...input.claims,
    iss: input.issuer,
    sub: input.sub,
    aud: input.clientId,
    iat,
    exp: iat + context.ttlSeconds,
    auth_time: Math.floor(input.authTime / 1000),
  };
  if (input.nonce !== null) claims['nonce'] = input.nonce;
  return context.signer.sign(claims, 'JWT');
}
