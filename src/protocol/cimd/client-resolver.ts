import CachePolicy from 'http-cache-semantics';
import type { Logger } from 'pino';
import type { Config } from '../../config/defaults.js';
import { OAuthError } from '../../errors/oauth-error.js';
import { checkMetadataDocument, isMetadataDocumentClientId, metadataDocumentRefusal, validateClientIdUrl } from './validate-document.js';
import type { Clock } from '../../ports/clock.js';
import { checkClientCap } from '../registration/registration-rules.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import { DocumentFetchError, type DocumentFetcher } from '../../ports/document-fetcher.js';

export interface ClientResolverOptions {
  clients: Pick<ClientStore, 'findClient' | 'saveMetadataDocumentClient' | 'countClientsWithPolicy'>;
  config: Config;
  clock: Clock;
  logger?: Pick<Logger, 'warn'>;
  /** Fetches a metadata document: the SSRF-safe fetcher of `src/outbound/` in a server, passed in by its composer. */
  fetchDocument: DocumentFetcher;
  /** Library and test option, not configuration: a CA to trust for metadata documents. */
  fetchOptions?: { ca?: string };
}

/** Documents kept in memory at most: enough for every client in use, bounded against a flood of distinct URLs. */
const maxCachedDocuments = 1000;

/**
 * Looks clients up by `client_id`: registered clients in the store, and clients whose `client_id` is an `https`
 * URL from their Client ID Metadata Document. A document is fetched, validated and cached in memory for as long as
 * its HTTP cache headers say, within `cimd.minCacheSeconds`..`cimd.maxCacheSeconds`; concurrent lookups of one URL
 * share one fetch. Each validated document is saved as a client row (`registrationSource: 'cimd'`, no secrets),
 * since codes and grants refer to their client.
 *
 * A document is checked as a registration is (the default registration policy, its client cap, the look-alike
 * check); one that cannot be fetched or is invalid makes the client unknown: `invalid_client` with a description
 * of what is wrong (`/authorize` shows it on a page, never at the redirect URI). Where registration is protected,
 * nothing is fetched and only clients an operator registered under a URL are found. Database errors pass through
 * as they are (`503`), never as `invalid_client`.
 *
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-5
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-client-id-metadata-document#section-5.2 (caching)
 */
export function createClientResolver(options: ClientResolverOptions): Pick<ClientStore, 'findClient'> {
  const { clients, config, clock } = options;
  // A Map iterates in insertion order; re-inserting on each hit makes the first key the least recently used.
  const cache = new Map<string, { record: ClientRecord; expiresAt: number }>();
  const inFlight = new Map<string, Promise<ClientRecord>>();

  async function resolve(url: string): Promise<ClientRecord> {
    // The URL is checked before anything is looked up or fetched: a malformed one never leaves the server.
    validateClientIdUrl(url, config.registration.maxUriLength);
    // A client registered some other way under this URL (by an operator) wins, and nothing is fetched for it.
    const existing = await clients.findClient(url);
    if (existing && existing.registrationSource !== 'cimd') return existing;

    const { ruled, ttlSeconds } = await fetchAndValidate(url, existing === undefined);
    const { metadata } = ruled;
    const now = clock.now();
    const record: ClientRecord = {
      clientId: url,
      clientSecretDigest: null,
      clientSecretExpiresAt: 0,
      registrationAccessTokenDigest: null,
      clientIdIssuedAt: existing?.clientIdIssuedAt ?? Math.floor(now / 1000),
      metadata,
      registrationSource: 'cimd',
      updatedAt: now,
      policy: ruled.policyName,
      lookAlikeOf: ruled.lookAlikeOf,
      initialAccessTokenId: null,
      lastUsedAt: existing?.lastUsedAt ?? null,
    };
    await clients.saveMetadataDocumentClient(record);
    cache.delete(url);
    cache.set(url, { record, expiresAt: now + ttlSeconds * 1000 });
    if (cache.size > maxCachedDocuments) cache.delete(cache.keys().next().value!);
    return record;
  }

  /**
   * The cache spares the fetch, not the row: cleanup deletes metadata-document clients nobody used, and codes and
   * grants need the row, so a cached client whose row is gone is saved again (one primary-key read per lookup,
   * as for any registered client). A client an operator registered under the URL meanwhile wins.
   */
  async function stored(record: ClientRecord): Promise<ClientRecord> {
    const row = await clients.findClient(record.clientId);
    // A row saved under an earlier configuration keeps the policy it was first saved with: the current one applies.
    if (row) return row.registrationSource === 'cimd' ? { ...row, policy: record.policy } : row;
    await clients.saveMetadataDocumentClient(record);
    return record;
  }

  /** Where metadata documents are refused: a client an operator registered under the URL, or none. */
  async function registeredOnly(url: string, refusal: string): Promise<ClientRecord | undefined> {
    const row = await clients.findClient(url);
    if (row && row.registrationSource !== 'cimd') return row;
    if (!config.cimd.enabled) return undefined;
    throw new OAuthError('invalid_client', refusal);
  }

  async function fetchAndValidate(url: string, isNew: boolean) {
    const refuse = (description: string, detail: string, cause: unknown): never => {
      options.logger?.warn({ client_id: url, detail, err: cause }, 'client metadata document refused');
      throw new OAuthError('invalid_client', description, { detail, cause });
    };
    const request = { url, method: 'GET', headers: { accept: 'application/json' } };
    let fetched;
    try {
      fetched = await options.fetchDocument(url, { ...config.cimd, ca: options.fetchOptions?.ca });
    } catch (error) {
      if (!(error instanceof DocumentFetchError)) throw error;
      const reason = error.cause instanceof Error ? `${error.message}: ${error.cause.message}` : error.message;
      return refuse(`The application's metadata document could not be fetched: ${error.message}.`, reason, error);
    }
    let document: unknown;
    try {
      document = JSON.parse(fetched.body);
    } catch (error) {
      return refuse("The application's metadata document is not valid JSON.", 'JSON.parse failed', error);
    }
    try {
      const ruled = await checkMetadataDocument(url, document, config);
      // The policy's cap counts a document's client once, when it is first saved.
      if (isNew) await checkClientCap(ruled, clients);
      const policy = new CachePolicy(request, { status: 200, headers: fetched.headers as CachePolicy.Headers }, { shared: false });
      const ttlSeconds = Math.min(Math.max(policy.timeToLive() / 1000, config.cimd.minCacheSeconds), config.cimd.maxCacheSeconds);
      return { ruled, ttlSeconds };
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return refuse(`The application's metadata document is not valid: ${error.description}`, error.description, error);
    }
  }

  return {
    async findClient(clientId) {
      if (!isMetadataDocumentClientId(clientId)) return clients.findClient(clientId);
      const refusal = metadataDocumentRefusal(config);
      if (refusal !== undefined) return registeredOnly(clientId, refusal);
      const cached = cache.get(clientId);
      if (cached && cached.expiresAt > clock.now()) {
        cache.delete(clientId);
        cache.set(clientId, cached);
        return stored(cached.record);
      }
      let pending = inFlight.get(clientId);
      if (!pending) {
        pending = resolve(clientId).finally(() => inFlight.delete(clientId));
        inFlight.set(clientId, pending);
      }
      return pending;
    },
  };
}
