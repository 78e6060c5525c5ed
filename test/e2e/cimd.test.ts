import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import type { Clock } from '../../src/ports/clock.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { json, startDocumentServer, type DocumentServer } from '../support/document-server.js';
import { freePort } from '../support/real-port.js';
import { buildTestApp } from '../support/server.js';

/**
 * Client ID Metadata Documents end to end: Latchkey on a real port and a real database (SQLite, and PostgreSQL when `TEST_DATABASE_URL` is set), the client's document
 * on a real https server (self-signed, trusted through `cimdFetchOptions`) at `https://localhost:<port>/…`.
 */

const redirectUri = 'http://127.0.0.1:7777/callback';
const alice = { username: 'alice', password: 'correct horse battery' };

interface Latchkey {
  app: FastifyInstance;
  storage: Storage;
  issuer: string;
  close(): Promise<void>;
}

async function startLatchkey(kind: DatabaseKind, ca: string, overrides: Record<string, unknown>, clock?: Clock): Promise<Latchkey> {
  const database = await kind.create({ migrated: true });
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({ env: {}, overrides: { 'database.url': database.url, 'registration.rateLimit.enabled': false, issuer, ...overrides } });
  const storage = await openStorage(config.database);
  await storage.migrate();
  const { app, services } = await buildTestApp(config, storage, { cimdFetchOptions: { ca }, ...(clock ? { clock } : {}) });
  await app.listen({ host: '127.0.0.1', port });
  await createUser(storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
  return {
    app,
    storage,
    issuer,
    async close() {
      await app.close();
      await services.close();
      await storage.close();
      await database.cleanup();
    },
  };
}

function authorizeUrl(clientId: string) {
  const verifier = randomBytes(32).toString('base64url');
  const params = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'st-1',
    scope: 'openid mcp:tools offline_access',
  });
  return { url: `/authorize?${params}`, verifier };
}

function documentFor(clientId: string, extra: Record<string, unknown> = {}) {
  return { client_id: clientId, client_name: 'Document Client', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', ...extra };
}

/** Asserts the response is Latchkey's error page (never a redirect to the client) and returns its text. */
function assertErrorPage(response: { statusCode: number; headers: Record<string, unknown>; body: string }, message: RegExp) {
  assert.equal(response.statusCode, 400, response.body);
  assert.equal(response.headers['location'], undefined, 'not redirected to the client');
  assert.match(String(response.headers['content-type']), /^text\/html/);
  assert.match(response.body, message);
}

forEachDatabase(describe, (kind) => describe('Client ID Metadata Documents', () => {
  let documents: DocumentServer;
  let latchkey: Latchkey;
  const clock = fixedClock(Date.now());
  const fetchesOf = (path: string) => documents.requests.filter((p) => p === path).length;
  const urlOf = (path: string) => `https://localhost:${documents.port}${path}`;

  before(async () => {
    documents = await startDocumentServer();
    latchkey = await startLatchkey(kind, documents.ca, { 'cimd.allowPrivateAddresses': true }, clock);
  });
  after(async () => {
    await latchkey.close();
    await documents.close();
  });

  async function tokenRequest(form: Record<string, string>) {
    const response = await fetch(`${latchkey.issuer}/token`, { method: 'POST', body: new URLSearchParams(form) });
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  }

  it('advertises client_id_metadata_document_supported', async () => {
    const metadata = (await (await fetch(`${latchkey.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    assert.equal(metadata['client_id_metadata_document_supported'], true);
  });

  it('completes authorize, sign-in, consent and the PKCE token exchange, fetching the document once', async () => {
    const clientId = urlOf('/client.json');
    documents.route('/client.json', json(documentFor(clientId), { 'cache-control': 'max-age=120' }));
    const browser = new TestBrowser(latchkey.app);
    const { url, verifier } = authorizeUrl(clientId);
    const login = await browser.get(url);
    assert.equal(login.statusCode, 200, login.body);
    assert.match(login.body, /Document Client/);
    const consent = await browser.follow(await browser.submit(login, alice));
    assert.equal(consent.statusCode, 200, consent.body);
    assert.match(consent.body, /data-testid="client-name">Document Client</);
    const done = await browser.submit(consent, { decision: 'allow' });
    assert.equal(done.statusCode, 303);
    const location = new URL(String(done.headers.location));
    assert.equal(`${location.origin}${location.pathname}`, redirectUri);
    assert.equal(location.searchParams.get('state'), 'st-1');

    const tokens = await tokenRequest({ grant_type: 'authorization_code', code: location.searchParams.get('code')!, code_verifier: verifier, client_id: clientId, redirect_uri: redirectUri });
    assert.equal(tokens.status, 200, JSON.stringify(tokens.body));
    assert.equal(typeof tokens.body['access_token'], 'string');
    const refreshed = await tokenRequest({ grant_type: 'refresh_token', refresh_token: String(tokens.body['refresh_token']), client_id: clientId });
    assert.equal(refreshed.status, 200, JSON.stringify(refreshed.body));

    assert.equal(fetchesOf('/client.json'), 1, 'every lookup after the first is served from the cache');
    const stored = await latchkey.storage.clients.findClient(clientId);
    assert.equal(stored?.registrationSource, 'cimd');
    assert.equal(stored?.clientSecretDigest, null);
    assert.equal(stored?.registrationAccessTokenDigest, null);
    assert.deepEqual(stored?.metadata.redirect_uris, [redirectUri]);

    // Past the document's max-age (120 s) it is fetched again, and a changed name is taken up.
    documents.route('/client.json', json(documentFor(clientId, { client_name: 'Renamed Client' }), { 'cache-control': 'max-age=120' }));
    clock.advance(60_000);
    assert.match((await browser.get(authorizeUrl(clientId).url)).headers.location ?? '', /code=/, 'remembered consent, still cached');
    assert.equal(fetchesOf('/client.json'), 1);
    clock.advance(61_000);
    await browser.get(authorizeUrl(clientId).url);
    assert.equal(fetchesOf('/client.json'), 2);
    assert.equal((await latchkey.storage.clients.findClient(clientId))?.metadata.client_name, 'Renamed Client');
  });

  it('shares one fetch between concurrent lookups of one URL', async () => {
    const clientId = urlOf('/slow-client.json');
    documents.route('/slow-client.json', (request, response) => setTimeout(() => json(documentFor(clientId))(request, response), 150));
    const pages = await Promise.all(Array.from({ length: 5 }, () => latchkey.app.inject({ method: 'GET', url: authorizeUrl(clientId).url })));
    for (const page of pages) assert.equal(page.statusCode, 200, page.body);
    assert.equal(fetchesOf('/slow-client.json'), 1);
  });

  it('saves a cached client again when cleanup deleted its row, so that its code can be stored', async () => {
    const clientId = urlOf('/swept.json');
    documents.route('/swept.json', json(documentFor(clientId)));
    const browser = new TestBrowser(latchkey.app);
    const consent = await browser.follow(await browser.submit(await browser.get(authorizeUrl(clientId).url), alice));
    assert.equal(consent.statusCode, 200, consent.body);
    assert.equal(await latchkey.storage.clients.deleteClient(clientId), true);
    const done = await browser.submit(consent, { decision: 'allow' });
    assert.equal(done.statusCode, 303, done.body);
    assert.ok(new URL(String(done.headers.location)).searchParams.get('code'));
    assert.equal((await latchkey.storage.clients.findClient(clientId))?.registrationSource, 'cimd');
    assert.equal(fetchesOf('/swept.json'), 1, 'saved from the cache, not fetched again');
  });

  it('refuses on a page, without redirecting, a document whose client_id is another URL', async () => {
    const clientId = urlOf('/wrong.json');
    documents.route('/wrong.json', json(documentFor(urlOf('/client.json'))));
    const page = await latchkey.app.inject({ method: 'GET', url: authorizeUrl(clientId).url });
    assertErrorPage(page, /client_id in the metadata document does not equal the URL/);
    assert.equal(await latchkey.storage.clients.findClient(clientId), undefined, 'an invalid document is not stored');
    await latchkey.app.inject({ method: 'GET', url: authorizeUrl(clientId).url });
    assert.equal(fetchesOf('/wrong.json'), 2, 'an invalid document is not cached');
  });

  it('refuses on a page a document that cannot be fetched, and answers invalid_client (not 500) at the token endpoint', async () => {
    const clientId = urlOf('/gone.json');
    assertErrorPage(await latchkey.app.inject({ method: 'GET', url: authorizeUrl(clientId).url }), /could not be fetched: it answered with HTTP status 404/);
    const tokens = await tokenRequest({ grant_type: 'authorization_code', code: 'x', code_verifier: 'y'.repeat(43), client_id: clientId, redirect_uri: redirectUri });
    assert.equal(tokens.status, 401);
    assert.equal(tokens.body['error'], 'invalid_client');
    assert.match(String(tokens.body['error_description']), /HTTP status 404/);
  });

  it('refuses on a page a client_id URL with a fragment, before fetching anything', async () => {
    const before = documents.requests.length;
    assertErrorPage(await latchkey.app.inject({ method: 'GET', url: authorizeUrl(`${urlOf('/client.json')}#x`).url }), /must not contain a fragment/);
    assert.equal(documents.requests.length, before);
  });

  describe('obeying the registration policy and the look-alike check like a registered client (issue 10, finding 2)', () => {
    let governed: Latchkey;
    before(async () => {
      governed = await startLatchkey(kind, documents.ca, {
        'cimd.allowPrivateAddresses': true,
        'registration.policy': 'open',
        'registration.policies': { open: { denyRedirectHosts: ['evil.example', '*.evil.example'], allowScopes: ['mcp', 'mcp:tools'] } },
      });
    });
    after(() => governed.close());

    it('refuses on a page a document whose redirect the policy denies, even written as a variant of the host', async () => {
      for (const [path, evil] of [['/denied.json', 'https://evil.example/cb'], ['/denied-variant.json', 'https://www.evil.example./cb']]) {
        const clientId = urlOf(path!);
        documents.route(path!, json(documentFor(clientId, { redirect_uris: [redirectUri, evil] })));
        assertErrorPage(await governed.app.inject({ method: 'GET', url: authorizeUrl(clientId).url }), /metadata document is not valid: redirect_uris\[1\] redirects to a host that is not allowed/);
        assert.equal(await governed.storage.clients.findClient(clientId), undefined, 'a refused document is not stored');
      }
    });

    it("stores the document's client under the default policy, whose scopes limit what /authorize grants", async () => {
      const clientId = urlOf('/governed.json');
      documents.route('/governed.json', json(documentFor(clientId, { scope: 'openid mcp:tools profile' })));
      const browser = new TestBrowser(governed.app);
      const consent = await browser.follow(await browser.submit(await browser.get(authorizeUrl(clientId).url), alice));
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /\(mcp:tools\)/);
      assert.doesNotMatch(consent.body, /\((?:openid|offline_access)\)/, 'scopes outside the policy are not asked for');
      const stored = await governed.storage.clients.findClient(clientId);
      assert.equal(stored?.policy, 'open');
      assert.equal(stored?.metadata.scope, 'mcp:tools');
    });

    it('flags a document named like a well-known agent whose redirects are localhost only, and the consent page warns', async () => {
      const clientId = urlOf('/claude.json');
      documents.route('/claude.json', json(documentFor(clientId, { client_name: 'Claude' })));
      const browser = new TestBrowser(governed.app);
      const consent = await browser.follow(await browser.submit(await browser.get(authorizeUrl(clientId).url), alice));
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /data-testid="look-alike-warning"/);
      assert.equal((await governed.storage.clients.findClient(clientId))?.lookAlikeOf, 'Claude');
    });
  });

  describe('in protected registration (registration.mode protected)', () => {
    let guarded: Latchkey;
    before(async () => (guarded = await startLatchkey(kind, documents.ca, { 'cimd.allowPrivateAddresses': true, 'registration.mode': 'protected' })));
    after(() => guarded.close());

    it('neither advertises nor fetches metadata documents: no initial access token can be presented for one', async () => {
      const metadata = (await (await fetch(`${guarded.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      assert.equal('client_id_metadata_document_supported' in metadata, false);
      const clientId = urlOf('/client.json');
      const before = documents.requests.length;
      assertErrorPage(await guarded.app.inject({ method: 'GET', url: authorizeUrl(clientId).url }), /initial access token/);
      assert.equal(documents.requests.length, before, 'nothing was fetched');
      const tokens = await fetch(`${guarded.issuer}/token`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', code_verifier: 'y'.repeat(43), client_id: clientId, redirect_uri: redirectUri }),
      });
      assert.equal(tokens.status, 401);
      assert.equal(((await tokens.json()) as Record<string, unknown>)['error'], 'invalid_client');
    });
  });

  describe('with private addresses not allowed (the default)', () => {
    let strict: Latchkey;
    before(async () => (strict = await startLatchkey(kind, documents.ca, {})));
    after(() => strict.close());

    it('refuses the same localhost client_id on a page without contacting it', async () => {
      const clientId = urlOf('/client.json');
      const before = documents.requests.length;
      assertErrorPage(await strict.app.inject({ method: 'GET', url: authorizeUrl(clientId).url }), /could not be fetched: its host resolves to an address that may not be fetched from/);
      assert.equal(documents.requests.length, before);
    });
  });

  describe('when disabled (cimd.enabled false)', () => {
    let disabled: Latchkey;
    before(async () => (disabled = await startLatchkey(kind, documents.ca, { 'cimd.enabled': false, 'cimd.allowPrivateAddresses': true })));
    after(() => disabled.close());

    it('neither advertises nor fetches: a URL client_id is an unknown client', async () => {
      const metadata = (await (await fetch(`${disabled.issuer}/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
      assert.equal('client_id_metadata_document_supported' in metadata, false);
      const before = documents.requests.length;
      assertErrorPage(await disabled.app.inject({ method: 'GET', url: authorizeUrl(urlOf('/client.json')).url }), /not registered here/);
      assert.equal(documents.requests.length, before);
    });
  });
}));
