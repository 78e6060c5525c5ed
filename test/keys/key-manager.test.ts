import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { calculateJwkThumbprint, errors, jwtVerify, SignJWT, type JWK } from 'jose';
import type { Config } from '../../src/config/defaults.js';
import { loadConfig } from '../../src/config/load.js';
import { createKeyManager, type KeyManager, type KeyManagerOptions } from '../../src/keys/key-manager.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { StorageUnavailableError, type Storage } from '../../src/ports/storage.js';
import type { SigningKeyStore } from '../../src/ports/signing-keys.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type TestDatabase } from '../support/databases.js';

const privateMembers = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

function keysConfig(overrides: Record<string, unknown> = {}): Config['keys'] {
  return loadConfig({ env: {}, overrides: { 'keys.refreshSeconds': 30, ...overrides } }).keys;
}

/** An RFC 9068 access token signed with the manager's current key. */
async function accessToken(manager: KeyManager, clock: { now(): number }): Promise<string> {
  const { kid, alg, key } = await manager.signingKey();
  return new SignJWT({ client_id: 'c1', scope: 'mcp' })
    .setProtectedHeader({ alg, kid, typ: 'at+jwt' })
    .setIssuer('https://as.example.com')
    .setSubject('u1')
    .setAudience('https://mcp.example.com')
    .setIssuedAt(Math.floor(clock.now() / 1000))
    .setExpirationTime(Math.floor(clock.now() / 1000) + 3600)
    .sign(key);
}

function verify(manager: KeyManager, token: string, clock: { now(): number }) {
  return jwtVerify(token, manager.keyResolver, { typ: 'at+jwt', currentDate: new Date(clock.now()) });
}

const noMatchingKey = (error: unknown) => error instanceof errors.JWKSNoMatchingKey;

forEachDatabase(describe, (kind) => {
  let database: TestDatabase;
  let storage: Storage;
  const opened: Storage[] = [];
  const open = async () => {
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url } });
    const store = await openStorage(config.database);
    opened.push(store);
    return store;
  };

  beforeEach(async () => {
    database = await kind.create({ migrated: true });
    storage = await open();
    await storage.migrate();
  });
  afterEach(async () => {
    for (const store of opened.splice(0)) await store.close();
    await database.cleanup();
  });

  it('generates exactly one key on first start and none on the next', async () => {
    const clock = fixedClock();
    await createKeyManager({ store: storage.signingKeys, clock, config: keysConfig() }).ensureKey();
    await createKeyManager({ store: storage.signingKeys, clock, config: keysConfig() }).ensureKey();
    const stored = await storage.signingKeys.listSigningKeys(clock.now());
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.alg, 'ES256');
    assert.equal(stored[0]!.retiredAt, null);
  });

  it('names the key by its RFC 7638 thumbprint and publishes kid, alg and use', async () => {
    const manager = createKeyManager({ store: storage.signingKeys, clock: fixedClock(), config: keysConfig() });
    await manager.ensureKey();
    const [jwk] = (await manager.jwks()).keys;
    assert.ok(jwk);
    const { kid, alg, use, ...bare } = jwk;
    assert.equal(kid, await calculateJwkThumbprint(bare));
    assert.equal(alg, 'ES256');
    assert.equal(use, 'sig');
    assert.equal((await manager.signingKey()).kid, kid);
  });

  it('leaves one current key, the same on every instance, when several instances start at once', async () => {
    const clock = fixedClock();
    const stores = [storage, await open(), await open(), await open()];
    const instances = stores.map((store) => createKeyManager({ store: store.signingKeys, clock, config: keysConfig() }));
    await Promise.all(instances.map((instance) => instance.ensureKey()));
    const kids = await Promise.all(instances.map(async (instance) => (await instance.signingKey()).kid));
    assert.equal(new Set(kids).size, 1, 'every instance signs with the same key');
    const listed = await instances[0]!.listKeys();
    assert.deepEqual(
      listed.filter((key) => key.status === 'current').map((key) => key.kid),
      [kids[0]],
    );
  });

  it('verifies an at+jwt signed with the current key through keyResolver', async () => {
    const clock = fixedClock();
    const manager = createKeyManager({ store: storage.signingKeys, clock, config: keysConfig() });
    await manager.ensureKey();
    const { payload, protectedHeader } = await verify(manager, await accessToken(manager, clock), clock);
    assert.equal(payload.sub, 'u1');
    assert.equal(protectedHeader.kid, (await manager.signingKey()).kid);
  });

  it('refuses a token naming an unknown kid, or none, with JWKSNoMatchingKey', async () => {
    const clock = fixedClock();
    const manager = createKeyManager({ store: storage.signingKeys, clock, config: keysConfig() });
    await manager.ensureKey();
    const { key } = await manager.signingKey();
    const unknown = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', kid: 'no-such-key', typ: 'at+jwt' }).sign(key);
    await assert.rejects(verify(manager, unknown, clock), noMatchingKey);
    const anonymous = await new SignJWT({}).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(key);
    await assert.rejects(verify(manager, anonymous, clock), noMatchingKey);
  });

  it("refuses a token whose alg is not its key's (no algorithm confusion)", async () => {
    const clock = fixedClock();
    const manager = createKeyManager({ store: storage.signingKeys, clock, config: keysConfig() });
    await manager.ensureKey();
    const { kid } = await manager.signingKey();
    const forged = await new SignJWT({}).setProtectedHeader({ alg: 'HS256', kid, typ: 'at+jwt' }).sign(new Uint8Array(32));
    await assert.rejects(verify(manager, forged, clock), noMatchingKey);
  });

  it('after rotate, signs with the new key, still verifies the old key\'s tokens and lists both, newest first', async () => {
    const clock = fixedClock();
    const manager = createKeyManager({ store: storage.signingKeys, clock, config: keysConfig() });
    await manager.ensureKey();
    const oldKid = (await manager.signingKey()).kid;
    const oldToken = await accessToken(manager, clock);
    clock.advance(1000);
    const rotated = await manager.rotate();
    assert.notEqual(rotated.kid, oldKid);
    assert.equal((await manager.signingKey()).kid, rotated.kid, 'the new key signs at once on the rotating instance');
    assert.deepEqual(
      (await manager.jwks()).keys.map((jwk) => jwk.kid),
      [rotated.kid, oldKid],
    );
    clock.advance(1800 * 1000);
    assert.equal((await verify(manager, oldToken, clock)).protectedHeader.kid, oldKid, 'the old key still verifies');
    const listed = await manager.listKeys();
    assert.deepEqual(
      listed.map(({ kid, status, expiresAt }) => ({ kid, status, expiresAt })),
      [
        { kid: rotated.kid, status: 'current', expiresAt: null },
        { kid: oldKid, status: 'retired', expiresAt: rotated.createdAt + keysConfig().rotationGraceSeconds * 1000 },
      ],
    );
  });

  it('drops the old key from the JWKS and refuses its tokens once the grace period is over', async () => {
    const clock = fixedClock();
    const config = keysConfig();
    const manager = createKeyManager({ store: storage.signingKeys, clock, config });
    await manager.ensureKey();
    const issuedAt = clock.now();
    const oldToken = await accessToken(manager, clock);
    const rotated = await manager.rotate();
    clock.advance(config.rotationGraceSeconds * 1000 - 1);
    assert.equal((await manager.jwks()).keys.length, 2, 'still there one millisecond before');
    clock.advance(1);
    assert.deepEqual(
      (await manager.jwks()).keys.map((jwk) => jwk.kid),
      [rotated.kid],
      'gone even before the cache is refreshed',
    );
    // Checked as of its issue time, the token is in date: it is refused only because its key is gone.
    await assert.rejects(verify(manager, oldToken, { now: () => issuedAt }), noMatchingKey);
  });

  it('another instance signs with the rotated key only once its cache is older than refreshSeconds', async () => {
    const clock = fixedClock();
    const config = keysConfig({ 'keys.refreshSeconds': 30 });
    const cli = createKeyManager({ store: storage.signingKeys, clock, config });
    const instance = createKeyManager({ store: (await open()).signingKeys, clock, config });
    await instance.ensureKey();
    const oldKid = (await instance.signingKey()).kid;
    clock.advance(1000);
    const rotated = await cli.rotate();
    assert.equal((await cli.signingKey()).kid, rotated.kid);

    clock.advance(28_999);
    assert.equal((await instance.signingKey()).kid, oldKid, 'the cached key still signs within refreshSeconds');
    assert.deepEqual((await instance.jwks()).keys.map((jwk) => jwk.kid), [oldKid]);
    clock.advance(1);
    assert.equal((await instance.signingKey()).kid, rotated.kid);
    assert.deepEqual((await instance.jwks()).keys.map((jwk) => jwk.kid), [rotated.kid, oldKid]);
  });

  it("verifies a token signed with another instance's new key before its own cache is due for refresh", async () => {
    const clock = fixedClock();
    const config = keysConfig({ 'keys.refreshSeconds': 30 });
    const cli = createKeyManager({ store: storage.signingKeys, clock, config });
    const instance = createKeyManager({ store: (await open()).signingKeys, clock, config });
    await instance.ensureKey();
    const rotated = await cli.rotate();
    const { protectedHeader } = await verify(instance, await accessToken(cli, clock), clock);
    assert.equal(protectedHeader.kid, rotated.kid);
  });

  it('publishes no private key member in the JWKS', async () => {
    for (const algorithm of ['ES256', 'RS256', 'EdDSA'] as const) {
      const clock = fixedClock();
      const manager = createKeyManager({ store: storage.signingKeys, clock, config: keysConfig({ 'keys.algorithm': algorithm }) });
      await manager.rotate();
      const { keys } = await manager.jwks();
      assert.ok(keys.length > 0);
      for (const jwk of keys) {
        assert.deepEqual(privateMembers.filter((member) => member in jwk), [], `${algorithm} ${jwk.kid}`);
      }
    }
  });

  for (const [algorithm, kty] of [
    ['RS256', 'RSA'],
    ['EdDSA', 'OKP'],
  ] as const) {
    it(`generates, publishes and verifies with ${algorithm} keys`, async () => {
      const clock = fixedClock();
      const manager = createKeyManager({ store: storage.signingKeys, clock, config: keysConfig({ 'keys.algorithm': algorithm }) });
      await manager.ensureKey();
      const [jwk] = (await manager.jwks()).keys as [JWK];
      assert.equal(jwk.kty, kty);
      assert.equal(jwk.alg, algorithm);
      if (algorithm === 'EdDSA') assert.equal(jwk.crv, 'Ed25519');
      if (algorithm === 'RS256') assert.equal(Buffer.from(jwk.n!, 'base64url').length * 8, 2048);
      const { protectedHeader } = await verify(manager, await accessToken(manager, clock), clock);
      assert.equal(protectedHeader.alg, algorithm);
    });
  }
});

describe('key manager without its database', () => {
  it('keeps signing and verifying with the keys it has while a refresh fails', async () => {
    const clock = fixedClock();
    const records: Awaited<ReturnType<SigningKeyStore['listSigningKeys']>> = [];
    let down = false;
    const store: KeyManagerOptions['store'] = {
      listSigningKeys: async () => {
        if (down) throw new StorageUnavailableError('down');
        return records;
      },
      rotateSigningKey: async () => {},
      insertFirstSigningKey: async (key) => (records.push(key), true),
    };
    const manager = createKeyManager({ store, clock, config: keysConfig() });
    await manager.ensureKey();
    const token = await accessToken(manager, clock);
    down = true;
    clock.advance(60_000);
    assert.equal((await manager.signingKey()).kid, records[0]!.kid);
    assert.equal((await verify(manager, token, clock)).protectedHeader.kid, records[0]!.kid);
  });

  it('fails when the database is unavailable and no key was ever read', async () => {
    const store: KeyManagerOptions['store'] = {
      listSigningKeys: async () => {
        throw new StorageUnavailableError('down');
      },
      rotateSigningKey: async () => {},
      insertFirstSigningKey: async () => false,
    };
    const manager = createKeyManager({ store, clock: fixedClock(), config: keysConfig() });
    await assert.rejects(manager.jwks(), StorageUnavailableError);
  });
});
