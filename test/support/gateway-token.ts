import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import type { TestServer } from './server.js';
import { TestBrowser } from './browser.js';

/**
 * An access token for `resource` as a user gets one: a public client registers, the user signs in and consents
 * on Latchkey's pages (through `inject()`), and the code is exchanged with PKCE. For tests of what a resource
 * does with tokens; the whole journey with a real agent and Chromium is in the e2e tests.
 */
export async function userToken(
  latchkey: TestServer,
  options: { resource: string; scope: string; username: string; password: string; clientName?: string },
): Promise<{ accessToken: string; refreshToken: string | undefined; clientId: string; scope: string }> {
  const redirectUri = 'https://agent.example/cb';
  const registered = await latchkey.app.inject({
    method: 'POST',
    url: '/register',
    payload: { client_name: options.clientName ?? 'Gateway test agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], scope: options.scope },
  });
  assert.equal(registered.statusCode, 201, registered.body);
  const { client_id: clientId } = registered.json() as { client_id: string };
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    scope: options.scope,
    resource: options.resource,
    state: 'x',
  });
  const browser = new TestBrowser(latchkey.app);
  const login = await browser.get(`/authorize?${query}`);
  assert.equal(login.statusCode, 200, login.body);
  const consent = await browser.follow(await browser.submit(login, { username: options.username, password: options.password }));
  const done = consent.statusCode === 303 ? consent : await browser.submit(consent, { decision: 'allow' });
  assert.equal(done.statusCode, 303, done.body);
  const code = new URL(String(done.headers.location)).searchParams.get('code') ?? assert.fail(`no code: ${String(done.headers.location)}`);
  const issued = await latchkey.app.inject({
    method: 'POST',
    url: '/token',
    payload: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri, resource: options.resource }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  assert.equal(issued.statusCode, 200, issued.body);
  const body = issued.json() as { access_token: string; refresh_token?: string; scope: string };
  return { accessToken: body.access_token, refreshToken: body.refresh_token, clientId, scope: body.scope };
}
