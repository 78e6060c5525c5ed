import { sign, type KeyObject } from 'node:crypto';
import type { TokenSigner } from '../ports/token-signing.js';
import type { KeyManager } from './key-manager.js';

/**
 * Signs JWTs with the key manager's current key, naming it by `kid` in the header.
 *
 * The signature is made by `node:crypto`'s one-shot `sign()` on the key manager's `KeyObject` (made once per key
 * from its JWK), not by jose's `SignJWT`: jose signs through WebCrypto, whose every call is an
 * asynchronous job with its arguments copied to another thread and back, which cost a tenth of a token
 * request. The JWS itself is the RFC 7515 compact serialisation, which tests verify with jose.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7515#section-7.1 (compact serialisation)
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-3.4 (ECDSA signatures as R || S, not DER)
 */
export function createTokenSigner(keys: KeyManager): TokenSigner {
  const signingKeys = new WeakMap<object, SigningKey>();
  const headers = new Map<string, string>();

  function signingKeyOf(key: KeyObject, alg: string): SigningKey {
    let signing = signingKeys.get(key);
    if (!signing) {
      signing = { key, ...algorithmOptions(alg) };
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
      const { key: keyObject, digest, ecdsaBytes } = signingKeyOf(key, alg);
      // The KeyObject itself, not `{ key, dsaEncoding }`: Node reads an options object anew on every call, which
      // cost as much as the signature. ECDSA's DER output is turned into R || S here instead.
      const signature = sign(digest, Buffer.from(signingInput), keyObject);
      const encoded = ecdsaBytes === undefined ? signature : derToRaw(signature, ecdsaBytes);
      return `${signingInput}.${encoded.toString('base64url')}`;
    },
  };
}

interface SigningKey {
  key: KeyObject;
  digest: string | null;
  /** For ECDSA: the length of R and of S in the JWS signature (RFC 7518 §3.4). */
  ecdsaBytes?: number;
}

/** The digest `crypto.sign()` needs for a JWS `alg`, and for ECDSA the size of R and S. */
function algorithmOptions(alg: string): Omit<SigningKey, 'key'> {
  switch (alg) {
    case 'ES256':
      // JWS wants the raw R || S of RFC 7518 §3.4 (32 bytes each), not the DER that OpenSSL emits.
      return { digest: 'sha256', ecdsaBytes: 32 };
    case 'RS256':
      return { digest: 'sha256' };
    case 'EdDSA':
      // Ed25519 hashes internally: no digest is named.
      return { digest: null };
    default:
      throw new TypeError(`unsupported signing algorithm ${alg}`);
  }
}

/**
 * An ECDSA signature from DER (`SEQUENCE { INTEGER r, INTEGER s }`, as OpenSSL writes it) to the fixed-size
 * R || S of RFC 7518 §3.4: each integer without its sign byte, left-padded with zeros to `size` bytes.
 */
export function derToRaw(der: Buffer, size: number): Buffer {
  const raw = Buffer.alloc(size * 2);
  // SEQUENCE header: 0x30, then a length of one byte (P-256 signatures are at most 72 bytes long).
  let offset = der[1]! & 0x80 ? 2 + (der[1]! & 0x7f) : 2;
  for (let part = 0; part < 2; part++) {
    if (der[offset] !== 0x02) throw new Error('not a DER ECDSA signature');
    const length = der[offset + 1]!;
    let start = offset + 2;
    let bytes = length;
    while (bytes > size && der[start] === 0) {
      start++;
      bytes--;
    }
    if (bytes > size) throw new Error('not a DER ECDSA signature');
    der.copy(raw, part * size + (size - bytes), start, start + bytes);
    offset += 2 + length;
  }
  return raw;
}
