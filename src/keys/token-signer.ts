import { SignJWT, type JWTPayload } from 'jose';
import type { TokenSigner } from '../ports/token-signing.js';
import type { KeyManager } from './key-manager.js';

/** Signs JWTs with the key manager's current key, naming it by `kid` in the header. */
export function createTokenSigner(keys: KeyManager): TokenSigner {
  return {
    async sign(claims, typ) {
      const { kid, alg, key } = await keys.signingKey();
      return new SignJWT(claims as JWTPayload).setProtectedHeader({ alg, kid, typ }).sign(key);
    },
  };
}
