import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type { TestBrowser } from '../support/browser.js';
import type { DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';
import type { Clock } from '../../src/ports/clock.js';
import { createUser } from '../../src/users/users.js';

/** What the admin dashboard tests share: accounts, registration, an authorization through the real pages. */

export const root = { username: 'root', password: 'root root root root' };
export const alice = { username: 'alice', password: 'correct horse battery' };
export const redirectUri = 'https://agent.example/cb';

/** Creates the administrator `root` and the user `alice`, and signs `root` in on the dashboard. */
export async function adminSetup(server: TestServer, now = Date.now()): Promise<TestBrowser> {
  await createUser(server.storage.users, { ...root, isAdmin: true }, { now, newId: randomUUID });
  await createUser(server.storage.users, { ...alice, name: 'Alice', email: 'alice@example.com' }, { now, newId: randomUUID });
  return signedInBrowser(server.app, root, '/admin');
}

/** Noon UTC, so that the day's and the hour's buckets are well inside the 30-day and 48-hour windows. */
export const dashboardNoon = Date.UTC(2026, 5, 10, 12);

/** Latchkey on `kind` and `clock`, with the accounts of {@link adminSetup} and `root` signed in as `admin`. */
export async function startAdminDashboard(kind: DatabaseKind, clock: Clock): Promise<{ server: TestServer; admin: TestBrowser }> {
  const server = await startTestServer({ database: kind, clock });
  try {
    return { server, admin: await adminSetup(server, clock.now()) };
  } catch (error) {
    await server.close();
    throw error;
  }
}

/** Registers a client through `POST /register`; public unless the body says otherwise. */
export async function register(server: TestServer, body: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  const response = await server.app.inject({
    method: 'POST',
    url: '/register',
    headers,
    payload: { client_name: 'Agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', ...body },
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json() as { client_id: string; client_secret?: string; registration_access_token: string };
}

/** `POST /token` with a form body. */
export function token(server: TestServer, params: Record<string, string>): Promise<LightMyRequestResponse> {
  return server.app.inject({
    method: 'POST',
    url: '/token',
    payload: new URLSearchParams(params).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
}

/**
 * alice signs in at `/authorize`, allows, and the client exchanges the code (with `client_secret_post` when it
 * has a secret): its tokens.
 */
export async function authorizeAsAlice(server: TestServer, flow: TestBrowser, clientId: string, options: { clientSecret?: string; scope?: string } = {}) {
  const scope = options.scope ?? 'mcp:tools offline_access';
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 's',
    scope,
    resource: 'https://mcp.example.com/mcp',
  });
  let page = await flow.get(`/authorize?${query}`);
  if (/name="password"/.test(page.body)) page = await flow.follow(await flow.submit(page, alice));
  // A remembered consent answers with the code at once; otherwise the consent page asks.
  const done = page.statusCode === 200 ? await flow.submit(page, { decision: 'allow' }) : page;
  assert.ok([302, 303].includes(done.statusCode), done.body);
  const code = new URL(String(done.headers.location)).searchParams.get('code');
  assert.ok(code, `a code: ${String(done.headers.location)}`);
  const response = await token(server, {
    grant_type: 'authorization_code',
    code,
    code_verifier: verifier,
    redirect_uri: redirectUri,
    client_id: clientId,
    resource: 'https://mcp.example.com/mcp',
    ...(options.clientSecret ? { client_secret: options.clientSecret } : {}),
  });
  assert.equal(response.statusCode, 200, response.body);
  return response.json() as { access_token: string; refresh_token: string };
}

/** The value of a hidden `csrf` field of a page. */
export function csrfOf(page: LightMyRequestResponse): string {
  const csrf = /name="csrf" value="([^"]+)"/.exec(page.body)?.[1];
  assert.ok(csrf, 'the page has a CSRF field');
  return csrf;
}

/** Asserts the headers every admin page carries: never cached, never framed. */
export function assertAdminHeaders(response: LightMyRequestResponse, what: string): void {
  assert.equal(response.headers['cache-control'], 'no-store', `${what}: no-store`);
  assert.equal(response.headers['x-frame-options'], 'DENY', `${what}: X-Frame-Options`);
  assert.match(String(response.headers['content-security-policy']), /frame-ancestors 'none'/, `${what}: CSP frame-ancestors`);
  assert.match(String(response.headers['content-type']), /^text\/html/, `${what}: HTML`);
}

/** Polls `read` until `done` holds of its result (audit events reach the database a moment after they happen). */
export async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean, what: string): Promise<T> {
  let value = await read();
  for (let attempt = 0; !done(value) && attempt < 50; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    value = await read();
  }
  assert.ok(done(value), `${what} (last seen: ${JSON.stringify(value).slice(0, 300)})`);
  return value;
}
