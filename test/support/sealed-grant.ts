import { randomBytes, randomUUID } from 'node:crypto';
import { refreshTokenKey, refreshTokenSeal, sealedRefreshToken, type RefreshTokenSeal } from '../../src/protocol/token/refresh-token-key.js';
import type { TestServer } from './server.js';

/** The server's refresh token seal (its stored secret `refresh-token-seal`), to make and read tokens as it does. */
export async function serverSeal(server: TestServer): Promise<RefreshTokenSeal> {
  return refreshTokenSeal(await server.storage.secrets.getOrCreateSecret('refresh-token-seal', () => randomBytes(32).toString('base64url'), 0));
}

/**
 * A public client registered through `/register`, and a grant of `userId` (UUID id) whose first refresh token is
 * sealed with the server's key at `now`, as a code exchange issues it. Resolves the client, the grant and the token.
 */
export async function sealedGrant(
  server: TestServer,
  options: { seal: RefreshTokenSeal; userId: string; now: number; lifetimeMs: number },
): Promise<{ clientId: string; grantId: string; token: string }> {
  const registered = await server.app.inject({
    method: 'POST',
    url: '/register',
    payload: { client_name: 'Sealed', redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code', 'refresh_token'], token_endpoint_auth_method: 'none' },
  });
  const clientId = (registered.json() as { client_id: string }).client_id;
  const grantId = randomUUID();
  const { now } = options;
  const token = sealedRefreshToken(options.seal, { issuedAt: now, grantId, generation: 0 }, randomBytes(32).toString('base64url'))!;
  await server.storage.grants.createGrant(
    { id: grantId, clientId, userId: options.userId, scope: 'mcp:tools', resource: null, authTime: now, createdAt: now, revokedAt: null },
    { tokenDigest: refreshTokenKey(token), grantId, scope: 'mcp:tools', createdAt: now, expiresAt: now + options.lifetimeMs },
    null,
  );
  return { clientId, grantId, token };
}

/** A refresh token grant request of a public client, as a form. */
export function refreshRequest(server: TestServer, clientId: string, token: string) {
  return server.app.inject({
    method: 'POST',
    url: '/token',
    payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: token, client_id: clientId }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}
