import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { capturingLogger } from '../support/log-capture.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';
import { adminSetup, alice } from './admin-fixtures.js';

describe('admin dashboard: turning people away logs nothing at error level', () => {
  const log = capturingLogger('info');
  let server: TestServer;

  before(async () => {
    server = await startTestServer({ logger: log.logger });
    await adminSetup(server);
  });
  after(() => server.close());

  it('logs no error (and no stack) for anonymous GETs and POSTs below /admin, which go to sign-in', async () => {
    log.lines.length = 0;
    for (const url of ['/admin', '/admin/clients', '/admin/no-such-page', '/admin/keys']) {
      const response = await server.app.inject({ method: 'GET', url });
      assert.equal(response.statusCode, 303, url);
    }
    const post = await server.app.inject({ method: 'POST', url: '/admin/keys/rotate', payload: 'csrf=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    assert.equal(post.statusCode, 303);
    assert.deepEqual(log.atLeast('warn'), [], 'no warning or error was logged');
    assert.ok(log.lines.length > 0, 'the requests themselves were logged, so the capture works');
  });

  it('logs no error for a signed-in user without the admin role (403)', async () => {
    const user = await signedInBrowser(server.app, alice, '/account');
    log.lines.length = 0;
    for (const url of ['/admin', '/admin/users', '/admin/nothing-here']) assert.equal((await user.get(url)).statusCode, 403, url);
    assert.equal((await user.post('/admin/keys/rotate', { csrf: 'x' })).statusCode, 403);
    assert.deepEqual(log.atLeast('warn'), []);
  });
});
