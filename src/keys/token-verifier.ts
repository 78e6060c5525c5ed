import { jwtVerify } from 'jose';
import type { Clock } from '../ports/clock.js';
import type { TokenVerifier } from '../ports/token-signing.js';
import type { KeyManager } from './key-manager.js';

/** Verifies this server's access tokens with its own keys (RFC 9068 §4), at the clock's time. */
export function createTokenVerifier(keys: KeyManager, issuer: string, clock: Clock): TokenVerifier {
  return {
    async verifyAccessToken(token) {
      try {
        const { payload } = await jwtVerify(token, keys.keyResolver, {
          issuer,
          typ: 'at+jwt',
          currentDate: new Date(clock.now()),
          requiredClaims: ['sub', 'client_id', 'jti', 'exp', 'iat'],
        });
        return payload as Record<string, unknown>;
      } catch {
        return undefined;
      }
    },
  };
}
