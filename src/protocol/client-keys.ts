import { createLocalJWKSet, type JSONWebKeySet, type JWTVerifyGetKey } from 'jose';
import type { Logger } from 'pino';
import type { Config } from '../config/defaults.js';
import { OAuthError } from '../errors/oauth-error.js';
import type { ClientRecord } from '../ports/clients.js';
import type { Clock } from '../ports/clock.js';
import { DocumentFetchError, type DocumentFetcher } from '../ports/document-fetcher.js';

/** The public keys a client registered, as jose's key lookup for verifying what it signed. */
export interface ClientKeyResolver {
  /**
   * The client's keys: its `jwks`, or the key set at its `jwks_uri` (fetched, then cached). `refresh` asks for the
   * set to be fetched again (an assertion named a key the cached set lacks); it is, at most once per
   * {@link minRefetchIntervalMs} per URL.
   *
   * @throws {OAuthError} `invalid_client` when the client registered no keys, or its key set cannot be fetched or read
   */
  keysFor(client: Pick<ClientRecord, 'clientId' | 'metadata'>, options?: { refresh?: boolean }): Promise<JWTVerifyGetKey>;
}

export interface ClientKeyResolverOptions {
  /** The SSRF-safe fetcher of `src/outbound/`, passed in by the composer. */
  fetchDocument: DocumentFetcher;
  /** `cimd.maxBytes`, `cimd.timeoutMs` and `cimd.allowPrivateAddresses` apply to key sets too. */
  config: Pick<Config, 'cimd'>;
  clock: Clock;
  logger?: Pick<Logger, 'warn'>;
  /** Library and test option, not configuration: a CA to trust for `jwks_uri` (as for metadata documents). */
  fetchOptions?: { ca?: string };
}

/** How long a fetched key set is used before it is fetched again. */
export const jwksCacheMs = 5 * 60_000;
/** A key set is fetched again for an unknown key at most this often, so that junk assertions cannot make us fetch. */
export const minRefetchIntervalMs = 30_000;
/** Key sets kept in memory at most; the least recently used goes first. */
const maxCachedKeySets = 1000;

/** JWK members only private or symmetric keys have: such a key in a published set is never used to verify. */
const privateKeyMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

/**
 * Resolves the keys of `private_key_jwt` clients. A registered `jwks` is used as it is (it was checked at
 * registration). A `jwks_uri` is fetched through the same SSRF guard as Client ID Metadata Documents (`https`
 * only, public addresses only, size and time limits, no redirects), cached for {@link jwksCacheMs}, with
 * concurrent lookups of one URL sharing one fetch. Private and symmetric keys in a fetched set are ignored.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2 (jwks_uri, jwks)
 * @see https://www.rfc-editor.org/rfc/rfc7517#section-5
 */
export function createClientKeyResolver(options: ClientKeyResolverOptions): ClientKeyResolver {
  const { config, clock } = options;
  const cache = new Map<string, { keys: JWTVerifyGetKey; fetchedAt: number }>();
  const inFlight = new Map<string, Promise<JWTVerifyGetKey>>();

  async function fetchKeySet(url: string, clientId: string): Promise<JWTVerifyGetKey> {
    const refuse = (description: string, detail: string, cause?: unknown): never => {
      options.logger?.warn({ client_id: clientId, jwks_uri: url, detail, err: cause }, 'client key set refused');
      throw new OAuthError('invalid_client', description, { detail, cause });
    };
    let body: string;
    try {
      body = (await options.fetchDocument(url, { ...config.cimd, ca: options.fetchOptions?.ca })).body;
    } catch (error) {
      if (!(error instanceof DocumentFetchError)) throw error;
      const reason = error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
      return refuse(`the client's jwks_uri could not be fetched: ${error.message}`, reason, error);
    }
    let keys: JWTVerifyGetKey;
    try {
      keys = localKeySet(publicKeysOf(JSON.parse(body)));
    } catch (error) {
      return refuse("the client's jwks_uri does not hold a JWK Set", 'not a JWK Set', error);
    }
    cache.delete(url);
    cache.set(url, { keys, fetchedAt: clock.now() });
    if (cache.size > maxCachedKeySets) cache.delete(cache.keys().next().value!);
    return keys;
  }

  return {
    async keysFor(client, { refresh = false } = {}) {
      const { jwks, jwks_uri: url } = client.metadata;
      if (jwks !== undefined) {
        try {
          return localKeySet(jwks as JSONWebKeySet);
        } catch (error) {
          throw new OAuthError('invalid_client', "the client's registered jwks is not a usable JWK Set", { cause: error });
        }
      }
      if (url === undefined) throw new OAuthError('invalid_client', 'the client registered no keys (jwks or jwks_uri)');
      const now = clock.now();
      const cached = cache.get(url);
      const fresh = cached !== undefined && now - cached.fetchedAt < (refresh ? minRefetchIntervalMs : jwksCacheMs);
      if (cached && fresh) {
        cache.delete(url);
        cache.set(url, cached);
        return cached.keys;
      }
      let pending = inFlight.get(url);
      if (!pending) {
        pending = fetchKeySet(url, client.clientId).finally(() => inFlight.delete(url));
        inFlight.set(url, pending);
      }
      return pending;
    },
  };
}

/** jose's lookup over a key set; it throws when the set is not `{ "keys": [ … ] }`. */
function localKeySet(jwks: JSONWebKeySet): JWTVerifyGetKey {
  return createLocalJWKSet(jwks) as JWTVerifyGetKey;
}

/** The public keys of a fetched JWK Set; anything else in it is dropped. */
function publicKeysOf(document: unknown): JSONWebKeySet {
  const keys = (document as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) throw new TypeError('not a JWK Set');
  return {
    keys: keys.filter(
      (key): key is JSONWebKeySet['keys'][number] =>
        typeof key === 'object' && key !== null && key.kty !== 'oct' && !privateKeyMembers.some((member) => member in key),
    ),
  };
}
