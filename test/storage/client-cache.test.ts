import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Storage } from '../../src/ports/storage.js';
import { loadConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { cacheClientLookups, clientCacheMs } from '../../src/storage/client-cache.js';
import { fixedClock } from '../support/clock.js';
import { sqliteKind, type TestDatabase } from '../support/databases.js';
import { sampleClient } from './contract.js';
import { startTestServer } from '../support/server.js';

describe('client lookups cached for a moment (cacheClientLookups)', () => {
  let database: TestDatabase;
  /** The server's storage, and a second connection to the same file: "another instance" or the CLI. */
  let server: Storage;
  let elsewhere: Storage;
  before(async () => {
    database = await sqliteKind.create();
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url } }).database;
    server = await openStorage(config);
    await server.migrate();
    elsewhere = await openStorage(config);
  });
  after(async () => {
    await server.close();
    await elsewhere.close();
    await database.cleanup();
  });

  it('serves a change made elsewhere only once the cached copy is older than the bound', async () => {
    const clock = fixedClock();
    const clients = cacheClientLookups(server.clients, clock);
    const client = sampleClient();
    await clients.insertClient(client);
    assert.equal((await clients.findClient(client.clientId))?.metadata.client_name, client.metadata.client_name);
    const renamed = { ...client, metadata: { ...client.metadata, client_name: 'Renamed elsewhere' } };
    assert.equal(await elsewhere.clients.updateClient(renamed, client.registrationAccessTokenDigest!), true);
    assert.equal((await clients.findClient(client.clientId))?.metadata.client_name, client.metadata.client_name, 'still the cached copy');
    clock.advance(clientCacheMs);
    assert.equal((await clients.findClient(client.clientId))?.metadata.client_name, 'Renamed elsewhere');
    // Deleted elsewhere: gone once the bound has passed.
    assert.equal(await elsewhere.clients.deleteClient(client.clientId), true);
    clock.advance(clientCacheMs);
    assert.equal(await clients.findClient(client.clientId), undefined);
  });

  it('keeps only the clients read within the bound: expired copies go as soon as another client is kept', async () => {
    const clock = fixedClock();
    const clients = cacheClientLookups(server.clients, clock);
    const burst = [sampleClient(), sampleClient(), sampleClient()];
    for (const client of burst) await clients.insertClient(client);
    for (const client of burst) await clients.findClient(client.clientId);
    assert.equal(clients.size, 3);
    // A hit within the bound does not renew the copy: it expires when it would have.
    clock.advance(clientCacheMs - 1);
    assert.equal((await clients.findClient(burst[0]!.clientId))?.clientId, burst[0]!.clientId);
    clock.advance(1);
    const later = sampleClient();
    await clients.insertClient(later);
    await clients.findClient(later.clientId);
    assert.equal(clients.size, 1, 'the burst is gone, only the client read last is kept');
    // An expired client read again is kept anew, at the back.
    await clients.findClient(burst[1]!.clientId);
    assert.equal(clients.size, 2);
  });

  it('forgets a client at once when it is updated or deleted through it (a rotated secret stops working here at once)', async () => {
    const clock = fixedClock();
    const clients = cacheClientLookups(server.clients, clock);
    const client = sampleClient();
    await clients.insertClient(client);
    await clients.findClient(client.clientId);
    const rotated = { ...client, clientSecretDigest: 'new-digest', registrationAccessTokenDigest: 'new-rat' };
    assert.equal(await clients.updateClient(rotated, client.registrationAccessTokenDigest!), true);
    assert.equal((await clients.findClient(client.clientId))?.clientSecretDigest, 'new-digest');
    assert.equal(await clients.deleteClient(client.clientId), true);
    assert.equal(await clients.findClient(client.clientId), undefined);
  });

  it('keeps no unknown id: a client registered elsewhere after a miss is found at once', async () => {
    const clock = fixedClock();
    const clients = cacheClientLookups(server.clients, clock);
    const client = sampleClient();
    assert.equal(await clients.findClient(client.clientId), undefined);
    await elsewhere.clients.insertClient(client);
    assert.equal((await clients.findClient(client.clientId))?.clientId, client.clientId);
  });

  it('hands out a frozen record, so no caller can change what the next one reads', async () => {
    const clients = cacheClientLookups(server.clients, fixedClock());
    const client = sampleClient();
    await clients.insertClient(client);
    const found = await clients.findClient(client.clientId);
    assert.throws(() => {
      (found as { clientSecretDigest: string | null }).clientSecretDigest = 'x';
    }, TypeError);
  });

  it("keeps no metadata document's client: the resolver learns at once that cleanup deleted its row", async () => {
    const clients = cacheClientLookups(server.clients, fixedClock());
    const client = sampleClient({ clientId: 'https://agent.example/client.json', registrationSource: 'cimd', registrationAccessTokenDigest: null });
    await elsewhere.clients.saveMetadataDocumentClient(client);
    assert.equal((await clients.findClient(client.clientId))?.registrationSource, 'cimd');
    assert.equal(await elsewhere.clients.deleteClient(client.clientId), true);
    assert.equal(await clients.findClient(client.clientId), undefined);
  });
});

describe("the server's cleanup and its client cache", () => {
  it('forgets the clients its cleanup deletes, at once', async () => {
    const server = await startTestServer();
    try {
      const client = sampleClient({ clientIdIssuedAt: 1, lastUsedAt: null });
      await server.storage.clients.insertClient({ ...client, updatedAt: 1 });
      assert.ok(await server.storage.clients.findClient(client.clientId), 'cached now');
      const now = Date.now();
      const deleted = await server.storage.cleanup.deleteUnusedClients({ now, unusedRegisteredBefore: now, idleSince: 0, accessTokensIssuedAfter: now }, 100);
      assert.ok(deleted.some((entry) => entry.clientId === client.clientId), JSON.stringify(deleted));
      assert.equal(await server.storage.clients.findClient(client.clientId), undefined);
    } finally {
      await server.close();
    }
  });
});
