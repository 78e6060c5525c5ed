import { createPrivateKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { errors, importJWK, type CompactJWSHeaderParameters, type CryptoKey, type JWK } from 'jose';
import type { Config } from '../config/defaults.js';
import type { Clock } from '../ports/clock.js';
import type { SigningKeyRecord, SigningKeyStore } from '../ports/signing-keys.js';
import { currentKeyOf, generateSigningKey, isUnexpired, publicJwk, type JsonWebKeySet } from './jwks.js';

/** The key that signs tokens now: for jose's `SignJWT`, `.setProtectedHeader({ alg, kid, typ: 'at+jwt' })`. */
export interface SigningKey {
  kid: string;
  alg: string;
  /** A `node:crypto` private key (jose's `SignJWT` takes it too), made once per key from its JWK. */
  key: KeyObject;
}

/** A key as listed by the CLI and the dashboard: no key material at all. */
export interface SigningKeyInfo {
  kid: string;
  alg: string;
  /** `current` signs; `retired` only verifies, until `expiresAt`; `standby` is unretired but not the newest. */
  status: 'current' | 'retired' | 'standby';
  /** Milliseconds since the epoch. */
  createdAt: number;
  retiredAt: number | null;
  expiresAt: number | null;
}

/** Signing keys for one instance: generated on first start, shared through the database, rotated with a grace period. */
export interface KeyManager {
  /**
   * At start: makes sure there is a current key, generating one (`keys.algorithm`) if the database has none.
   * An existing key is kept whatever its algorithm: a change of `keys.algorithm` takes effect at the next rotation.
   */
  ensureKey(): Promise<void>;
  /** The current key (the newest unretired one), imported once and cached. */
  signingKey(): Promise<SigningKey>;
  /** The public JWKs of every key that still verifies: the current one and retired ones within their grace. */
  jwks(): Promise<JsonWebKeySet>;
  /**
   * A key resolver for jose's `jwtVerify`: the public key named by the header's `kid` among unexpired keys.
   * An unknown `kid`, or an `alg` other than the key's, throws jose's `JWKSNoMatchingKey`.
   */
  readonly keyResolver: (header: CompactJWSHeaderParameters) => Promise<CryptoKey>;
  /** Adds a new current key; the previous ones keep verifying for `keys.rotationGraceSeconds`. */
  rotate(): Promise<SigningKeyRecord>;
  /** Every unexpired key, newest first, read from the database now (not from the cache). */
  listKeys(): Promise<SigningKeyInfo[]>;
}

export interface KeyManagerOptions {
  /** Sealing the stored keys at rest is the storage's business, not the key manager's. */
  store: Omit<SigningKeyStore, 'sealPrivateKeys'>;
  clock: Clock;
  config: Config['keys'];
}

interface Snapshot {
  loadedAt: number;
  records: SigningKeyRecord[];
}

/**
 * An unknown `kid` re-reads the keys at once (another instance may have rotated since the last refresh), but
 * at most this often, so that tokens with made-up key ids cannot turn into a query each.
 */
const unknownKidReloadMs = 1000;

/**
 * The {@link KeyManager} over the database's {@link SigningKeyStore}. Keys are cached and re-read when the
 * cache is older than `keys.refreshSeconds` (by `clock`), and at once after `ensureKey` and `rotate`, so that a
 * rotation made by another instance or by `latchkey keys rotate` takes effect everywhere within that time.
 * Expiry is checked against the clock on every use, not only when the cache is loaded.
 * @see https://www.rfc-editor.org/rfc/rfc9068#section-4 (resource servers verify with the keys at `jwks_uri`)
 */
export function createKeyManager({ store, clock, config }: KeyManagerOptions): KeyManager {
  const refreshMs = config.refreshSeconds * 1000;
  let snapshot: Snapshot | undefined;
  let refreshing: Promise<Snapshot> | undefined;
  let loadsStarted = 0;
  let newestApplied = 0;
  let lastUnknownKidReload = Number.NEGATIVE_INFINITY;
  const privateKeys = new Map<string, KeyObject>();
  const publicKeys = new Map<string, Promise<CryptoKey>>();

  /** Reads the keys now. Of loads that overlap, the one started last wins, so a reload after a write sees it. */
  async function reload(): Promise<Snapshot> {
    const sequence = ++loadsStarted;
    const loadedAt = clock.now();
    const records = await store.listSigningKeys(loadedAt);
    if (sequence > newestApplied) {
      newestApplied = sequence;
      snapshot = { loadedAt, records };
      const kids = new Set(records.map((record) => record.kid));
      for (const cache of [privateKeys, publicKeys]) {
        for (const kid of cache.keys()) if (!kids.has(kid)) cache.delete(kid);
      }
    }
    return snapshot!;
  }

  /** The cached keys, re-read once older than `refreshSeconds`. A failed re-read serves the previous keys. */
  async function fresh(): Promise<Snapshot> {
    if (snapshot && clock.now() - snapshot.loadedAt < refreshMs) return snapshot;
    refreshing ??= reload().finally(() => (refreshing = undefined));
    try {
      return await refreshing;
    } catch (error) {
      // The keys read before are still right (expiry is checked on use): keep signing and verifying with them
      // while the database is away, rather than failing every request that needs a key.
      if (snapshot) return snapshot;
      throw error;
    }
  }

  /**
   * The private key as a `KeyObject`, straight from its JWK: the signer signs with `node:crypto` on it, and a
   * `KeyObject` made from a non-extractable `CryptoKey` is deprecated (DEP0204). A key that fails to load is not
   * cached, so that the next use tries again.
   */
  function privateKeyOf(kid: string, jwk: JWK): KeyObject {
    let key = privateKeys.get(kid);
    if (!key) {
      key = createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
      if (key.asymmetricKeyType === undefined) throw new TypeError(`signing key ${kid} is not an asymmetric key`);
      privateKeys.set(kid, key);
    }
    return key;
  }

  function imported(cache: Map<string, Promise<CryptoKey>>, kid: string, jwk: JWK, alg: string): Promise<CryptoKey> {
    let key = cache.get(kid);
    if (!key) {
      key = importJWK(jwk, alg, { extractable: false }).then((result) => {
        if (result instanceof Uint8Array) throw new TypeError(`signing key ${kid} is not an asymmetric key`);
        return result;
      });
      // A failed import is not cached, so that the next use tries again.
      key.catch(() => cache.get(kid) === key && cache.delete(kid));
      cache.set(kid, key);
    }
    return key;
  }

  async function ensureKey(): Promise<void> {
    if (currentKeyOf((await reload()).records, clock.now())) return;
    // Several instances may start at once: the store inserts only if there is still no current key, and a
    // loser simply reads the winner's key.
    await store.insertFirstSigningKey(await generateSigningKey(config.algorithm, clock.now()));
    if (!currentKeyOf((await reload()).records, clock.now())) throw new Error('no current signing key after generating one');
  }

  return {
    ensureKey,

    async signingKey() {
      let record = currentKeyOf((await fresh()).records, clock.now());
      if (!record) {
        await ensureKey();
        record = currentKeyOf(snapshot!.records, clock.now())!;
      }
      return { kid: record.kid, alg: record.alg, key: privateKeyOf(record.kid, record.privateJwk) };
    },

    async jwks() {
      const now = clock.now();
      return { keys: (await fresh()).records.filter((record) => isUnexpired(record, now)).map(publicJwk) };
    },

    async keyResolver(header) {
      const { kid, alg } = header;
      if (typeof kid !== 'string') throw new errors.JWKSNoMatchingKey('the token names no key (kid)');
      const find = (records: SigningKeyRecord[]) =>
        records.find((record) => record.kid === kid && isUnexpired(record, clock.now()));
      let record = find((await fresh()).records);
      if (!record && clock.now() - lastUnknownKidReload >= unknownKidReloadMs) {
        lastUnknownKidReload = clock.now();
        record = find((await reload()).records);
      }
      // RFC 8725 §3.1: the algorithm is the key's, never whatever the token header claims.
      if (!record || record.alg !== alg) throw new errors.JWKSNoMatchingKey();
      return imported(publicKeys, record.kid, record.publicJwk, record.alg);
    },

    async rotate() {
      const now = clock.now();
      const key = await generateSigningKey(config.algorithm, now);
      await store.rotateSigningKey(key, now + config.rotationGraceSeconds * 1000);
      await reload();
      return key;
    },

    async listKeys() {
      const now = clock.now();
      const { records } = await reload();
      const current = currentKeyOf(records, now);
      return records
        .filter((record) => isUnexpired(record, now))
        .map(({ kid, alg, createdAt, retiredAt, expiresAt }) => ({
          kid,
          alg,
          status: kid === current?.kid ? 'current' : retiredAt === null ? 'standby' : 'retired',
          createdAt,
          retiredAt,
          expiresAt,
        }));
    },
  };
}
