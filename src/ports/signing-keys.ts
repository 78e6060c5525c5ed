import type { JWK } from 'jose';
import type { SealScope, SealSummary } from './secrets.js';

/** A token signing key. The private JWK never leaves the server; the public one is published at `jwks_uri`. */
export interface SigningKeyRecord {
  kid: string;
  alg: string;
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: number;
  /** From this time the key no longer signs; null while it is the current key. */
  retiredAt: number | null;
  /** From this time the key leaves the JWKS (tokens it signed have expired); null while it is not retired. */
  expiresAt: number | null;
}

/** Signing keys, shared by every instance through the database. */
export interface SigningKeyStore {
  /** Every key not yet expired at `now`, newest first. */
  listSigningKeys(now: number): Promise<SigningKeyRecord[]>;
  /**
   * Adds `key` as the current key and, in the same transaction, retires every other unretired key at
   * `key.createdAt`, to expire at `expiresAt`.
   */
  rotateSigningKey(key: SigningKeyRecord, expiresAt: number): Promise<void>;
  /** Adds `key` only if there is no unexpired key at all (first start; several instances may race). */
  insertFirstSigningKey(key: SigningKeyRecord): Promise<boolean>;
  /**
   * Seals the stored private keys (every key, expired ones too) under the current key-encryption key: those in
   * plaintext, and with `all` those sealed under an older key too. Every key is decrypted first, in one
   * transaction: one that no configured key opens throws `SecretsAtRestError` and nothing is written.
   */
  sealPrivateKeys(scope: SealScope): Promise<SealSummary>;
}
