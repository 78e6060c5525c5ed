import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ClientRecord } from '../../src/ports/clients.js';
import type { Storage } from '../../src/ports/storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { DatabaseKind, TestDatabase } from '../support/databases.js';

let counter = 0;

/** A client record with distinct values, as registration would build it. */
export function sampleClient(overrides: Partial<ClientRecord> = {}): ClientRecord {
  counter++;
  return {
    clientId: `client-${process.pid}-${counter}-${Math.random().toString(36).slice(2)}`,
    clientSecretDigest: `secret-digest-${counter}`,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: `rat-digest-${counter}`,
    clientIdIssuedAt: 1_767_225_600 + counter,
    metadata: {
      client_name: `Client ${counter} ✓`,
      redirect_uris: [`https://client${counter}.example/cb`],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
      scope: 'openid profile email',
      application_type: 'web',
    },
    registrationSource: 'dynamic',
    updatedAt: 1_767_225_600_000 + counter,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
    ...overrides,
  };
}

/**
 * The behaviour every storage adapter must have. `test/storage/sqlite.test.ts` and `postgres.test.ts` run it,
 * each on a fresh database.
 */
export function storageContract(kind: DatabaseKind): void {
  let database: TestDatabase;
  let storage: Storage;
  const open = () => openStorage({ url: database.url, sqliteSynchronous: 'full', poolSize: 5 });

  before(async () => {
    database = await kind.create();
    storage = await open();
    await storage.migrate();
  });
  after(async () => {
    await storage.close();
    await database.cleanup();
  });

  it('migrates idempotently and answers ping, and takes writes', async () => {
    await storage.migrate();
    assert.equal(await storage.ping(), true);
    assert.equal(await storage.writable(), true);
    assert.equal(storage.dialect, kind.name);
  });

  it('stores a client and finds it unchanged', async () => {
    const client = sampleClient();
    await storage.clients.insertClient(client);
    assert.deepEqual(await storage.clients.findClient(client.clientId), client);
  });

  it('finds nothing for an unknown client id', async () => {
    assert.equal(await storage.clients.findClient('no-such-client'), undefined);
  });

  it('stores every one of many concurrent inserts (group commit)', async () => {
    const clients = Array.from({ length: 300 }, () => sampleClient());
    await Promise.all(clients.map((c) => storage.clients.insertClient(c)));
    for (const client of clients) assert.deepEqual(await storage.clients.findClient(client.clientId), client);
  });

  it('fails only the conflicting insert of a batch', async () => {
    const existing = sampleClient();
    await storage.clients.insertClient(existing);
    const others = Array.from({ length: 5 }, () => sampleClient());
    const results = await Promise.allSettled([
      ...others.map((c) => storage.clients.insertClient(c)),
      storage.clients.insertClient(sampleClient({ clientId: existing.clientId })),
    ]);
    assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'rejected']);
    for (const client of others) assert.ok(await storage.clients.findClient(client.clientId));
    assert.deepEqual(await storage.clients.findClient(existing.clientId), existing);
  });

  it('updates a client only while the expected registration token digest is current', async () => {
    const client = sampleClient();
    await storage.clients.insertClient(client);
    const updated = { ...client, registrationAccessTokenDigest: 'rotated', metadata: { ...client.metadata, client_name: 'Renamed' } };
    assert.equal(await storage.clients.updateClient(updated, 'stale-digest'), false);
    assert.deepEqual(await storage.clients.findClient(client.clientId), client);
    assert.equal(await storage.clients.updateClient(updated, client.registrationAccessTokenDigest!), true);
    assert.deepEqual(await storage.clients.findClient(client.clientId), updated);
  });

  it('lets exactly one of two concurrent updates with the same token win', async () => {
    const client = sampleClient();
    await storage.clients.insertClient(client);
    const a = { ...client, registrationAccessTokenDigest: 'a' };
    const b = { ...client, registrationAccessTokenDigest: 'b' };
    const results = await Promise.all([
      storage.clients.updateClient(a, client.registrationAccessTokenDigest!),
      storage.clients.updateClient(b, client.registrationAccessTokenDigest!),
    ]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  it('deletes a client once', async () => {
    const client = sampleClient();
    await storage.clients.insertClient(client);
    assert.equal(await storage.clients.deleteClient(client.clientId), true);
    assert.equal(await storage.clients.findClient(client.clientId), undefined);
    assert.equal(await storage.clients.deleteClient(client.clientId), false);
    assert.equal(await storage.clients.updateClient(client, client.registrationAccessTokenDigest!), false);
  });

  it('creates users with unique usernames, finds, lists, re-hashes and deletes them', async () => {
    const user = { id: `u-${Math.random()}`, username: `alice-${counter++}`, passwordHash: 'scrypt$x', name: 'Alice', email: null, isAdmin: true, createdAt: 1_767_225_600_000 };
    assert.equal(await storage.users.createUser(user), true);
    assert.equal(await storage.users.createUser({ ...user, id: 'other-id' }), false, 'a taken username is refused');
    assert.deepEqual(await storage.users.findUserByUsername(user.username), { ...user, sessionEpoch: 0 });
    assert.deepEqual(await storage.users.findUserById(user.id), { ...user, sessionEpoch: 0 });
    assert.ok((await storage.users.listUsers()).some((u) => u.id === user.id));
    await storage.users.endSessions(user.id);
    assert.equal((await storage.users.findUserById(user.id))?.sessionEpoch, 1, 'ending the sessions raises the epoch');
    assert.equal(await storage.users.setPasswordHash(user.username, 'scrypt$y'), true);
    assert.equal((await storage.users.findUserById(user.id))?.passwordHash, 'scrypt$y');
    assert.equal((await storage.users.findUserById(user.id))?.sessionEpoch, 2, 'a new password ends the sessions too');
    assert.equal(await storage.users.deleteUser(user.username), true);
    assert.equal(await storage.users.findUserById(user.id), undefined);
    assert.equal(await storage.users.deleteUser(user.username), false);
    assert.equal(await storage.users.setPasswordHash(user.username, 'z'), false);
  });

  it('keeps one current signing key, retires the previous one on rotation, and hides expired keys', async () => {
    const key = (kid: string, createdAt: number) => ({
      kid,
      alg: 'ES256',
      publicJwk: { kty: 'EC', crv: 'P-256', x: kid, y: kid },
      privateJwk: { kty: 'EC', crv: 'P-256', x: kid, y: kid, d: 'secret' },
      createdAt,
      retiredAt: null,
      expiresAt: null,
    });
    const first = key(`k1-${counter}`, 1000);
    assert.equal(await storage.signingKeys.insertFirstSigningKey(first), true);
    assert.equal(await storage.signingKeys.insertFirstSigningKey(key(`k1b-${counter}`, 1001)), false, 'only when there is no current key');
    const second = key(`k2-${counter}`, 2000);
    await storage.signingKeys.rotateSigningKey(second, 5000);
    const listed = await storage.signingKeys.listSigningKeys(3000);
    assert.deepEqual(listed, [second, { ...first, retiredAt: 2000, expiresAt: 5000 }]);
    assert.deepEqual(await storage.signingKeys.listSigningKeys(5000), [second], 'an expired key leaves the list');
  });

  it('keeps a single current key when several instances insert a first key at once', async () => {
    const fresh = await kind.create();
    const other = await openStorage({ url: fresh.url, sqliteSynchronous: 'full', poolSize: 5 });
    try {
      await other.migrate();
      const keys = Array.from({ length: 4 }, (_, i) => ({
        kid: `race-${i}`,
        alg: 'ES256',
        publicJwk: { kty: 'EC' },
        privateJwk: { kty: 'EC', d: 'x' },
        createdAt: 1000 + i,
        retiredAt: null,
        expiresAt: null,
      }));
      const results = await Promise.all(keys.map((k) => other.signingKeys.insertFirstSigningKey(k)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal((await other.signingKeys.listSigningKeys(0)).filter((k) => k.retiredAt === null).length, 1);
    } finally {
      await other.close();
      await fresh.cleanup();
    }
  });

  it('creates a server secret once, and every later caller gets the same one', async () => {
    const name = `cookie-${counter++}`;
    const values = await Promise.all([1, 2, 3].map((i) => storage.secrets.getOrCreateSecret(name, () => `value-${i}`, 1)));
    assert.equal(new Set(values).size, 1);
    assert.equal(await storage.secrets.getOrCreateSecret(name, () => 'later', 2), values[0]);
  });

  it('writes pending inserts before close, so a reopened database has them', async () => {
    const client = sampleClient();
    const pending = storage.clients.insertClient(client);
    await storage.close();
    await pending;
    storage = await open();
    assert.deepEqual(await storage.clients.findClient(client.clientId), client);
  });
}
