// DPoP proofs for the token benchmark's load generator. autocannon builds each request synchronously
// (`setupRequest`), so the proof is signed with node:crypto's synchronous `sign`, ES256 in the JWS (IEEE P1363)
// form; the server verifies it with jose as any client's.
import { generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** A client's DPoP key and a maker of proofs for one endpoint. */
export interface BenchDpopKey {
  /** The RFC 7638 thumbprint the grants are bound to. */
  jkt: string;
  /** A fresh proof (new `jti`, current `iat`) for `POST htu`, with the server nonce when one is set. */
  proof(htu: string, nonce: string | undefined): string;
}

const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export async function createBenchDpopKey(): Promise<BenchDpopKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' }) as JWK;
  const header = encode({ typ: 'dpop+jwt', alg: 'ES256', jwk });
  return {
    jkt: await calculateJwkThumbprint(jwk, 'sha256'),
    proof: (htu, nonce) => signed(header, { jti: randomBytes(16).toString('base64url'), htm: 'POST', htu, iat: Math.floor(Date.now() / 1000), ...(nonce ? { nonce } : {}) }, privateKey),
  };
}

function signed(header: string, payload: Record<string, unknown>, key: KeyObject): string {
  const input = `${header}.${encode(payload)}`;
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }).toString('base64url');
  return `${input}.${signature}`;
}
