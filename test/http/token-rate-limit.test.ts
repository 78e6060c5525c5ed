import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { startTestServer } from '../support/server.js';

/** The per-address limit on `POST /token` (`token.rateLimit`), through the app as a client sees it. */
describe('rate limiting of the token endpoint', () => {
  it('answers 429 with Retry-After once an address is over its limit, counting refused and malformed requests', async () => {
    const server = await startTestServer({
      overrides: { 'token.rateLimit.enabled': true, 'token.rateLimit.points': 3, 'token.rateLimit.durationSeconds': 60 },
    });
    after(() => server.close());
    const send = (ip: string) =>
      server.app.inject({
        method: 'POST',
        url: '/token',
        payload: 'grant_type=authorization_code&code=made-up&client_id=nobody',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        remoteAddress: ip,
      });
    for (let i = 0; i < 3; i++) {
      const refused = await send('192.0.2.1');
      assert.ok([400, 401].includes(refused.statusCode), `request ${i + 1} reached the endpoint: ${refused.statusCode} ${refused.body}`);
    }
    const limited = await send('192.0.2.1');
    assert.equal(limited.statusCode, 429);
    const retryAfter = Number(limited.headers['retry-after']);
    assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After is ${limited.headers['retry-after']}`);
    assert.equal(limited.headers['cache-control'], 'no-store');
    assert.deepEqual(limited.json(), { errors: ['Too many token requests; try again later'] });
    assert.notEqual((await send('192.0.2.2')).statusCode, 429, 'another address has its own count');
  });

  it('does not limit token requests when token.rateLimit.enabled is false (the test servers’ default)', async () => {
    const server = await startTestServer({ overrides: { 'token.rateLimit.points': 1 } });
    after(() => server.close());
    for (let i = 0; i < 5; i++) {
      const response = await server.app.inject({ method: 'POST', url: '/token', payload: 'grant_type=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.notEqual(response.statusCode, 429);
    }
  });
});
