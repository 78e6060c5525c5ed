import type { ClientRecord, ClientStore } from '../ports/clients.js';
import type { Clock } from '../ports/clock.js';

/** How long a client read from the database is served from memory. */
export const clientCacheMs = 2000;
/** Clients kept at most; the least recently used goes first. */
const maxEntries = 10_000;

/**
 * Client lookups served from memory for {@link clientCacheMs}: every token request authenticates its client,
 * and reading and parsing the same row again and again was a query of its own per request. Whatever changes a
 * client through this store (an update, a deletion, a metadata document saved) forgets it at once, so this
 * server never serves its own stale copy (the composition root also has its cleanup's deletions forgotten). Changes
 * made elsewhere (another instance, the CLI, `latchkey gc`) are seen within {@link clientCacheMs}: that is the
 * staleness bound. A deleted client's grants,
 * codes and refresh tokens are deleted with it, so within that bound it can still only authenticate for
 * `client_credentials`.
 *
 * Only found clients are kept: an unknown id (which anyone can send) costs a query each time, as before, and
 * never takes room. Clients of metadata documents are not kept either: the document resolver has its own cache
 * and reads the row to learn whether cleanup deleted it (it is then saved again).
 */
export function cacheClientLookups(clients: ClientStore, clock: Pick<Clock, 'now'>): ClientStore & { forget(clientId: string): void } {
  // A Map iterates in insertion order; re-inserting on each hit makes the first key the least recently used.
  const cache = new Map<string, { record: ClientRecord; expiresAt: number }>();
  /** Bumped by every change through this store, so that a read that started before it is not cached. */
  let generation = 0;

  const forget = (clientId: string) => {
    generation++;
    cache.delete(clientId);
  };
  /** A change to a client: forgotten before it (no read meanwhile is kept) and after it (whatever it did). */
  const changing = async <R>(clientId: string, change: () => Promise<R>): Promise<R> => {
    forget(clientId);
    try {
      return await change();
    } finally {
      forget(clientId);
    }
  };

  return {
    ...clients,
    forget,
    async findClient(clientId) {
      const now = clock.now();
      const hit = cache.get(clientId);
      if (hit && hit.expiresAt > now) {
        cache.delete(clientId);
        cache.set(clientId, hit);
        return hit.record;
      }
      const started = generation;
      const record = await clients.findClient(clientId);
      if (!record || record.registrationSource === 'cimd') {
        cache.delete(clientId);
        return record;
      }
      // A change made while this read ran may or may not be in it: such a read is answered but not kept.
      if (started === generation) {
        if (cache.size >= maxEntries) cache.delete(cache.keys().next().value!);
        cache.set(clientId, { record: Object.freeze(record), expiresAt: now + clientCacheMs });
      }
      return record;
    },
    insertClient: (record, initialAccessToken) => changing(record.clientId, () => clients.insertClient(record, initialAccessToken)),
    updateClient: (record, expectedTokenDigest) => changing(record.clientId, () => clients.updateClient(record, expectedTokenDigest)),
    deleteClient: (clientId) => changing(clientId, () => clients.deleteClient(clientId)),
    // The last use is written at most hourly per client; the copy held here would show the previous one.
    touchClient: (clientId, now) => changing(clientId, () => clients.touchClient(clientId, now)),
    saveMetadataDocumentClient: (record) => changing(record.clientId, () => clients.saveMetadataDocumentClient(record)),
  };
}
