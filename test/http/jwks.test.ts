import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { renderError } from '../../src/http/render-error.js';
import { jwksRoute } from '../../src/http/routes/jwks.js';
import { createKeyManager, type KeyManager } from '../../src/keys/key-manager.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { StorageUnavailableError, type Storage } from '../../src/ports/storage.js';
import { fixedClock } from '../support/clock.js';
import { sqliteKind, type TestDatabase } from '../support/databases.js';

describe('GET /jwks.json (RFC 7517)', () => {
  const clock = fixedClock();
  let database: TestDatabase;
  let storage: Storage;
  let keys: KeyManager;
  let app: FastifyInstance;

  before(async () => {
    database = await sqliteKind.create();
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url } });
    storage = await openStorage(config.database);
    await storage.migrate();
    keys = createKeyManager({ store: storage.signingKeys, clock, config: config.keys });
    await keys.ensureKey();
    app = Fastify();
    app.setErrorHandler((error, request, reply) => renderError(request, reply, error));
    jwksRoute(app, keys, '/tenant/jwks.json');
    await app.ready();
  });
  after(async () => {
    await app.close();
    await storage.close();
    await database.cleanup();
  });

  it('answers the public keys as JSON, cacheable for five minutes', async () => {
    const response = await app.inject({ method: 'GET', url: '/tenant/jwks.json' });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^application\/json/);
    assert.equal(response.headers['cache-control'], 'public, max-age=300');
    const { keys: published } = response.json();
    assert.equal(published.length, 1);
    assert.deepEqual(Object.keys(published[0]).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
    assert.equal(published[0].kid, (await keys.signingKey()).kid);
  });

  it('serves a set that a resource server can verify an access token with', async () => {
    const { kid, alg, key } = await keys.signingKey();
    const token = await new SignJWT({ client_id: 'c1' }).setProtectedHeader({ alg, kid, typ: 'at+jwt' }).setSubject('u1').sign(key);
    const jwks = createLocalJWKSet((await app.inject({ method: 'GET', url: '/tenant/jwks.json' })).json());
    const { payload } = await jwtVerify(token, jwks, { typ: 'at+jwt' });
    assert.equal(payload.sub, 'u1');
  });

  it('lists the retired key next to the new one after a rotation', async () => {
    const oldKid = (await keys.signingKey()).kid;
    clock.advance(1000);
    const rotated = await keys.rotate();
    const { keys: published } = (await app.inject({ method: 'GET', url: '/tenant/jwks.json' })).json();
    assert.deepEqual(
      published.map((jwk: { kid: string }) => jwk.kid),
      [rotated.kid, oldKid],
    );
  });

  it("answers 503 temporarily_unavailable through the app's error handler when no key can be read", async () => {
    const failing = Fastify();
    failing.setErrorHandler((error, request, reply) => renderError(request, reply, error));
    const unavailable = async () => {
      throw new StorageUnavailableError('down');
    };
    jwksRoute(failing, { ...keys, jwks: unavailable }, '/jwks.json');
    const response = await failing.inject({ method: 'GET', url: '/jwks.json' });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error, 'temporarily_unavailable');
    assert.equal(response.headers['cache-control'], 'no-store');
    await failing.close();
  });
});
