import { KeyObject, sign, type SignKeyObjectInput } from 'node:crypto';
import type { TokenSigner } from '../ports/token-signing.js';
import type { KeyManager } from './key-manager.js';

/**
 * Signs JWTs with the key manager's current key, naming it by `kid` in the header.
 *
 * The signature is made by `node:crypto`'s one-shot `sign()` on a `KeyObject` (made once per key from the
 * imported `CryptoKey`), not by jose's `SignJWT`: jose signs through WebCrypto, whose every call is an
 * asynchronous job with its arguments copied to another thread and back, which cost a tenth of a token
 * request. The JWS itself is the RFC 7515 compact serialisation, which tests verify with jose.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1 (compact serialisation)
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.4 (ECDSA signatures as R || S, not DER)
 */
export function createTokenSigner(keys: KeyManager): TokenSigner {
  const signingKeys = new WeakMap<object, SignKeyObjectInput & { digest: string | null }>();
  const headers = new Map<string, string>();

  function signingKeyOf(key: Parameters<typeof KeyObject.from>[0], alg: string): SignKeyObjectInput & { digest: string | null } {
    let signing = signingKeys.get(key);
    if (!signing) {
      const keyObject = KeyObject.from(key);
      signing = { key: keyObject, ...algorithmOptions(alg) };
      signingKeys.set(key, signing);
    }
    return signing;
  }

  function encodedHeader(alg: string, kid: string, typ: string): string {
    const cacheKey = `${alg} ${kid} ${typ}`;
    let header = headers.get(cacheKey);
    if (!header) {
      // A new key (rotation) adds two headers; the map is cleared now and then rather than grown forever.
      if (headers.size > 64) headers.clear();
      header = Buffer.from(JSON.stringify({ alg, kid, typ })).toString('base64url');
      headers.set(cacheKey, header);
    }
    return header;
  }

  return {
    async sign(claims, typ) {
      const { kid, alg, key } = await keys.signingKey();
      const signingInput = `${encodedHeader(alg, kid, typ)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
      const { digest, ...keyInput } = signingKeyOf(key, alg);
      const signature = sign(digest, Buffer.from(signingInput), keyInput);
      return `${signingInput}.${signature.toString('base64url')}`;
    },
  };
}

/** The digest and signature encoding `crypto.sign()` needs for a JWS `alg`. */
function algorithmOptions(alg: string): { digest: string | null; dsaEncoding?: 'ieee-p1363' } {
  switch (alg) {
    case 'ES256':
      // JWS wants the raw R || S of RFC 7518 §3.4, not the DER that OpenSSL emits by default.
      return { digest: 'sha256', dsaEncoding: 'ieee-p1363' };
    case 'RS256':
      return { digest: 'sha256' };
    case 'EdDSA':
      // Ed25519 hashes internally: no digest is named.
      return { digest: null };
    default:
      throw new TypeError(`unsupported signing algorithm ${alg}`);
  }
}
