import type { ClientRecord, ClientStore } from '../ports/clients.js';
import type { Clock } from '../ports/clock.js';

/** How long a client read from the database is served from memory. */
export const clientCacheMs = 2000;
/** Clients kept at most; past it, the one kept longest goes first. */
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
 *
 * Entries are kept in the order they were read, which is also the order they expire in (each is kept for the same
 * time): whenever a client is kept, the expired ones at the front go first, so the cache holds only the clients
 * read in the last {@link clientCacheMs}, and a burst of many clients does not leave its copies behind until
 * {@link maxEntries} newer ones push them out.
 */
export function cacheClientLookups(clients: ClientStore, clock: Pick<Clock, 'now'>): ClientStore & { forget(clientId: string): void; readonly size: number } {
  // A Map iterates in insertion order: the first key is the one read longest ago, so the first to expire.
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

  /** Keeps `record` at the back, after dropping the expired entries at the front and, when full, the first. */
  const keep = (clientId: string, record: ClientRecord, now: number) => {
    cache.delete(clientId);
    for (const [id, entry] of cache) {
      if (entry.expiresAt > now && cache.size < maxEntries) break;
      cache.delete(id);
    }
    cache.set(clientId, { record: Object.freeze(record), expiresAt: now + clientCacheMs });
  };

  return {
    ...clients,
    forget,
    get size() {
      return cache.size;
    },
    async findClient(clientId) {
      const now = clock.now();
      const hit = cache.get(clientId);
      if (hit && hit.expiresAt > now) return hit.record;
      const started = generation;
      const record = await clients.findClient(clientId);
      if (!record || record.registrationSource === 'cimd') {
        cache.delete(clientId);
        return record;
      }
      // A change made while this read ran may or may not be in it: such a read is answered but not kept.
      if (started === generation) keep(clientId, record, now);
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
