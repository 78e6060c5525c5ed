import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { Config } from '../config/defaults.js';
import type { SigningKeyRecord } from '../ports/signing-keys.js';

/** The JWS algorithms Latchkey signs with (`keys.algorithm`). */
export type SigningAlgorithm = Config['keys']['algorithm'];

/** A JWK Set as published at `jwks_uri`. @see https://www.rfc-editor.org/rfc/rfc7517#section-5 */
export interface JsonWebKeySet {
  keys: JWK[];
}

/** Key-generation parameters per algorithm: RSA keys of 2048 bits (RFC 7518 §3.3's minimum), EdDSA as Ed25519. */
const generationOptions: Record<SigningAlgorithm, { modulusLength?: number; crv?: string }> = {
  ES256: {},
  RS256: { modulusLength: 2048 },
  EdDSA: { crv: 'Ed25519' },
};

/**
 * JWK members that carry private key material: EC and OKP `d`; RSA `d`, `p`, `q`, `dp`, `dq`, `qi`, `oth`;
 * symmetric `k`. None of them may ever reach the JWKS.
 * @see https://www.rfc-editor.org/rfc/rfc7518#section-6
 */
const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * A new signing key pair as a {@link SigningKeyRecord}, current from `now`. The `kid` is the key's RFC 7638
 * JWK thumbprint (SHA-256), so it is derived from the key itself and the same everywhere. The public JWK
 * carries `kid`, `alg` and `use: "sig"` (RFC 7517 §4); the private JWK is kept as exported.
 * @see https://www.rfc-editor.org/rfc/rfc7638
 */
export async function generateSigningKey(alg: SigningAlgorithm, now: number): Promise<SigningKeyRecord> {
  const { publicKey, privateKey } = await generateKeyPair(alg, { ...generationOptions[alg], extractable: true });
  const exported = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(exported);
  return {
    kid,
    alg,
    publicJwk: { ...exported, kid, alg, use: 'sig' },
    privateJwk: await exportJWK(privateKey),
    createdAt: now,
    retiredAt: null,
    expiresAt: null,
  };
}

/**
 * The public JWK of a key for the JWKS. Stored public JWKs hold no private member; they are stripped here all
 * the same, so that a mix-up in storage can never publish a private key.
 */
export function publicJwk(record: SigningKeyRecord): JWK {
  const jwk: Record<string, unknown> = { ...record.publicJwk, kid: record.kid, alg: record.alg, use: 'sig' };
  for (const member of privateMembers) delete jwk[member];
  return jwk as JWK;
}

/** Whether `record` still verifies at `now` (the current key, or a retired one within its grace period). */
export function isUnexpired(record: SigningKeyRecord, now: number): boolean {
  return record.expiresAt === null || record.expiresAt > now;
}

/**
 * The key that signs at `now`: the newest unretired, unexpired key. Every instance reads the same list in the
 * same order (newest first, then by kid), so even two unretired keys left by racing first starts resolve to
 * the same signing key everywhere.
 */
export function currentKeyOf(records: readonly SigningKeyRecord[], now: number): SigningKeyRecord | undefined {
  return records.find((record) => record.retiredAt === null && isUnexpired(record, now));
}
