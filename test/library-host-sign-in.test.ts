import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { decodeJwt } from 'jose';
import pino from 'pino';
import { createLatchkey, type HostRequest, type Latchkey } from '../src/index.js';
import { TestBrowser } from './support/browser.js';
import { sqliteKind, type TestDatabase } from './support/databases.js';

const issuer = 'https://app.example/auth';
const redirectUri = 'https://agent.example/cb';

/** The host app's own users, by the value of its session cookie `app-session`. */
const hostUsers: Record<string, { id: string; name?: string; email?: string; isAdmin?: boolean }> = {
  'session-alice': { id: 'u-1', name: 'Alice', email: 'alice@app.example' },
  'session-root': { id: 'u-2', name: 'Root', email: 'root@app.example', isAdmin: true },
  // Another host user claiming Alice's email: a separate person, since users are linked by id only.
  'session-mallory': { id: 'u-3', name: 'Mallory', email: 'alice@app.example' },
};

/** PRODUCT.md §9's library hook: the host answers who is signed in, Latchkey runs consent and token issuance. */
describe('createLatchkey with a host sign-in (authenticate, signInUrl)', () => {
  let database: TestDatabase;
  let latchkey: Latchkey;
  let host: FastifyInstance;
  const seen: HostRequest[] = [];

  before(async () => {
    database = await sqliteKind.create();
    latchkey = await createLatchkey(
      { issuer, database: { url: database.url }, registration: { rateLimit: { enabled: false } }, authorize: { rateLimit: { enabled: false } } },
      {
        logger: pino({ level: 'silent' }),
        authenticate: (request) => {
          seen.push(request);
          return hostUsers[request.cookies['app-session'] ?? ''];
        },
        signInUrl: (returnTo) => `https://app.example/login?${new URLSearchParams({ next: returnTo })}`,
      },
    );
    host = Fastify();
    await host.register(latchkey.plugin, { prefix: '/auth' });
  });
  after(async () => {
    await host.close();
    await database.cleanup();
  });

  async function register(): Promise<string> {
    const response = await host.inject({ method: 'POST', url: '/auth/register', payload: { client_name: 'Hosted agent', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' } });
    assert.equal(response.statusCode, 201, response.body);
    return response.json<{ client_id: string }>().client_id;
  }

  function authorization(clientId: string) {
    const verifier = randomBytes(32).toString('base64url');
    const query = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'st-1',
      scope: 'openid mcp:tools',
    });
    return { path: `/auth/authorize?${query}`, verifier };
  }

  /** Walks an authorization as the host's user of `session` and returns the token response's `sub`. */
  async function authorizeAs(session: string): Promise<string> {
    const clientId = await register();
    const { path, verifier } = authorization(clientId);
    const browser = new TestBrowser(host);
    browser.cookies.set('app-session', session);
    const consent = await browser.get(path);
    assert.equal(consent.statusCode, 200, consent.body);
    assert.match(consent.body, /Hosted agent/);
    const done = await browser.submit(consent, { decision: 'allow' });
    assert.equal(done.statusCode, 303, done.body);
    const back = new URL(String(done.headers.location));
    assert.equal(back.origin + back.pathname, redirectUri);
    assert.equal(back.searchParams.get('iss'), issuer);
    const token = await host.inject({
      method: 'POST',
      url: '/auth/token',
      payload: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    assert.equal(token.statusCode, 200, token.body);
    return String(decodeJwt(token.json<{ access_token: string }>().access_token).sub);
  }

  it('sends a browser the host does not know to the host sign-in, with the absolute authorization URL to come back to', async () => {
    const clientId = await register();
    const { path } = authorization(clientId);
    const response = await new TestBrowser(host).get(path);
    assert.equal(response.statusCode, 302);
    const location = new URL(String(response.headers.location));
    assert.equal(location.origin + location.pathname, 'https://app.example/login');
    const next = new URL(location.searchParams.get('next')!);
    assert.equal(next.origin + next.pathname, `${issuer}/authorize`);
    assert.equal(next.searchParams.get('client_id'), clientId);
    assert.equal(next.searchParams.get('state'), 'st-1');
    // prompt=login cannot loop: the host signs in, and the request comes back without it.
    const prompted = await new TestBrowser(host).get(`${path}&prompt=login`);
    assert.equal(new URL(new URL(String(prompted.headers.location)).searchParams.get('next')!).searchParams.get('prompt'), null);
  });

  it('runs consent for the host user and issues tokens for a Latchkey user linked to the host id, the same one every time', async () => {
    const first = await authorizeAs('session-alice');
    const again = await authorizeAs('session-alice');
    assert.equal(first, again, 'one host user is one Latchkey user');
    const request = seen.at(-1)!;
    assert.equal(request.url.origin, 'https://app.example');
    assert.equal(request.headers.get('cookie')?.includes('app-session=session-alice'), true);
    assert.equal(typeof request.fastify.id, 'string', 'the host Fastify request is handed over');
  });

  it('never matches host users by email: two ids with one email are two users', async () => {
    assert.notEqual(await authorizeAs('session-mallory'), await authorizeAs('session-alice'));
  });

  it('has no password sign-in of its own: POST /login is refused, /signin goes to the host', async () => {
    const browser = new TestBrowser(host);
    const login = await browser.post('/auth/login', { username: 'admin', password: 'anything', csrf: 'x', pending: 'y' });
    assert.ok([400, 403].includes(login.statusCode), login.body);
    assert.doesNotMatch(login.body, /name="password"/);
    const signIn = await browser.get('/auth/signin?return_to=/auth/account');
    assert.equal(signIn.statusCode, 303);
    assert.match(String(signIn.headers.location), /^https:\/\/app\.example\/login\?next=https%3A%2F%2Fapp\.example%2Fauth%2Faccount$/);
  });

  it('lets the host decide who administers Latchkey, at every request', async () => {
    const alice = new TestBrowser(host);
    alice.cookies.set('app-session', 'session-alice');
    assert.equal((await alice.get('/auth/account')).statusCode, 200);
    assert.equal((await alice.get('/auth/admin')).statusCode, 403, 'the host did not say she is an administrator');
    const root = new TestBrowser(host);
    root.cookies.set('app-session', 'session-root');
    assert.equal((await root.get('/auth/admin')).statusCode, 200);
    hostUsers['session-root'] = { ...hostUsers['session-root']!, isAdmin: false };
    assert.equal((await root.get('/auth/admin')).statusCode, 403, 'demoted by the host, demoted here');
    const nobody = await new TestBrowser(host).get('/auth/account');
    assert.equal(nobody.statusCode, 303);
    assert.match(String(nobody.headers.location), /^https:\/\/app\.example\/login\?/);
  });

  it('creates no first-run administrator with a password', async () => {
    hostUsers['session-root'] = { ...hostUsers['session-root']!, isAdmin: true };
    const users = await latchkey.fetch(new Request(`${issuer}/admin/users`, { headers: { cookie: 'app-session=session-root' } }));
    assert.equal(users.status, 200);
    const page = await users.text();
    assert.match(page, /root@app\.example/, 'the host users are listed');
    assert.doesNotMatch(page, />admin</, 'no local `admin` account exists to be guessed at');
  });

  it('refuses authenticate without signInUrl', async () => {
    await assert.rejects(createLatchkey({ issuer, database: { url: database.url } }, { authenticate: () => undefined }), /authenticate and signInUrl together/);
  });
});
