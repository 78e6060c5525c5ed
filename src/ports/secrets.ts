/**
 * Server-wide random secrets (cookie and CSRF MAC keys), the same on every instance, stored sealed under the
 * key-encryption key when one is set.
 */
export interface ServerSecretStore {
  /** The secret called `name`; created from `generate()` if there is none yet (the first writer wins). */
  getOrCreateSecret(name: string, generate: () => string, now: number): Promise<string>;
  /** Seals the stored secrets as {@link SigningKeyStore.sealPrivateKeys} seals the private keys. */
  sealSecrets(scope: SealScope): Promise<SealSummary>;
}

/**
 * What to seal under the current key-encryption key: values stored in plaintext (done at every start), or
 * also those sealed under an older key (`latchkey keys rewrap`, after a rotation).
 */
export type SealScope = 'plaintext' | 'all';

/** How many values a table holds, and how many of them were (re)sealed. */
export interface SealSummary {
  total: number;
  sealed: number;
}
