import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config/load.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { StorageUnavailableError, type Storage } from '../../src/ports/storage.js';
import { sqliteKind } from '../support/databases.js';
import { buildTestApp, startTestServer } from '../support/server.js';

const registration = { client_name: 'Limited', redirect_uris: ['https://limited.example/cb'] };

describe('rate limiting of registration', () => {
  it('answers 429 with Retry-After and the Datadog seed body once an IP is over its limit', async () => {
    const server = await startTestServer({
      overrides: { 'registration.rateLimit.enabled': true, 'registration.rateLimit.points': 3, 'registration.rateLimit.durationSeconds': 60 },
    });
    after(() => server.close());
    const send = (ip: string) => server.app.inject({ method: 'POST', url: '/register', payload: registration, remoteAddress: ip });
    for (let i = 0; i < 3; i++) assert.equal((await send('192.0.2.1')).statusCode, 201);
    const limited = await send('192.0.2.1');
    assert.equal(limited.statusCode, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After is ${limited.headers['retry-after']}`);
    const body = limited.json();
    assert.deepEqual(Object.keys(body), ['errors']);
    assert.ok(Array.isArray(body.errors) && typeof body.errors[0] === 'string');
    assert.equal((await send('192.0.2.2')).statusCode, 201, 'another address has its own count');
    for (let i = 0; i < 3; i++) assert.equal((await send(`2001:db8:5:6::${i + 1}`)).statusCode, 201);
    assert.equal((await send('2001:db8:5:6:ffff::9')).statusCode, 429, 'an IPv6 /64 shares one count');
    assert.equal((await send('2001:db8:5:7::1')).statusCode, 201, 'another /64 has its own');
  });

  it('counts malformed requests too', async () => {
    const server = await startTestServer({
      overrides: { 'registration.rateLimit.enabled': true, 'registration.rateLimit.points': 2 },
    });
    after(() => server.close());
    const bad = () => server.app.inject({ method: 'POST', url: '/register', payload: 'nope', headers: { 'content-type': 'application/json' } });
    assert.equal((await bad()).statusCode, 400);
    assert.equal((await bad()).statusCode, 400);
    assert.equal((await bad()).statusCode, 429);
  });
});

describe('storage failures', () => {
  async function appWith(insertError: Error) {
    const database = await sqliteKind.create();
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url, 'registration.rateLimit.enabled': false } });
    const real = await openStorage(config.database);
    await real.migrate();
    const storage: Storage = { ...real, clients: { ...real.clients, insertClient: () => Promise.reject(insertError) } };
    const { app, services } = await buildTestApp(config, storage);
    after(async () => {
      await app.close();
      await services.close();
      await real.close();
      await database.cleanup();
    });
    return app;
  }

  it('answers 503 temporarily_unavailable with Retry-After when the database is unreachable', async () => {
    const app = await appWith(new StorageUnavailableError('connection refused'));
    const response = await app.inject({ method: 'POST', url: '/register', payload: registration });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error, 'temporarily_unavailable');
    assert.ok(Number(response.headers['retry-after']) > 0);
  });

  it('answers an unexpected failure with a generic 500 server_error and no stack trace', async () => {
    const app = await appWith(new Error('secret internal detail at /srv/x.ts:1'));
    const response = await app.inject({ method: 'POST', url: '/register', payload: registration });
    assert.equal(response.statusCode, 500);
    assert.deepEqual(response.json(), { error: 'server_error', error_description: 'The server encountered an unexpected error.' });
    assert.doesNotMatch(response.body, /secret internal detail|\.ts/);
  });
});

describe('token endpoint during a database outage', () => {
  it('answers 503 temporarily_unavailable, never invalid_client (which would make agents re-register)', async () => {
    const database = await sqliteKind.create();
    const config = loadConfig({ env: {}, overrides: { 'database.url': database.url, 'registration.rateLimit.enabled': false } });
    const real = await openStorage(config.database);
    await real.migrate();
    const storage: Storage = { ...real, clients: { ...real.clients, findClient: () => Promise.reject(new StorageUnavailableError('down')) } };
    const { app, services } = await buildTestApp(config, storage);
    after(async () => {
      await app.close();
      await services.close();
      await real.close();
      await database.cleanup();
    });
    const response = await app.inject({
      method: 'POST',
      url: '/token',
      payload: 'grant_type=refresh_token&refresh_token=abc&client_id=some-client',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(response.statusCode, 503);
    assert.equal(response.json().error, 'temporarily_unavailable');
  });
});

describe('unknown routes', () => {
  it('answers 404 in JSON', async () => {
    const server = await startTestServer();
    after(() => server.close());
    const response = await server.app.inject({ method: 'GET', url: '/nope' });
    assert.equal(response.statusCode, 404);
    assert.equal(response.json().error, 'not_found');
    assert.equal(response.headers['x-content-type-options'], 'nosniff');
  });
});
