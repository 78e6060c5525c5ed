import type { AuthorizationCodeStore } from '../../ports/grants.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import { digestSecret } from '../secrets.js';
import type { AuthorizationRequest } from './authorization-request.js';

/** OAuth 2.1 §4.1.2: codes are short-lived; a minute is plenty for a client to redeem one. */
export const codeLifetimeMs = 60_000;

/**
 * Issues an authorization code for a user's approved request, stored only by its digest and bound to the client,
 * the redirect URI, the PKCE challenge and the resource.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.2
 */
export async function issueAuthorizationCode(
  request: AuthorizationRequest,
  user: { id: string; authTime: number },
  context: { codes: Pick<AuthorizationCodeStore, 'insertCode'>; clock: Clock; random: RandomSource },
): Promise<string> {
  const code = context.random.token(32);
  const now = context.clock.now();
  await context.codes.insertCode({
    codeDigest: digestSecret(code),
    clientId: request.clientId,
    userId: user.id,
    redirectUri: request.redirectUri,
    codeChallenge: request.codeChallenge,
    scope: request.scope,
    resource: request.resource,
    nonce: request.nonce,
    authTime: user.authTime,
    expiresAt: now + codeLifetimeMs,
  });
  return code;
}
