import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { loadConfig } from '../../src/config/load.js';
import type { Storage } from '../../src/ports/storage.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { json, startDocumentServer, type DocumentServer } from '../support/document-server.js';
import { freePort } from '../support/real-port.js';
import { buildTestApp } from '../support/server.js';

/**
 * Metadata-document clients at the consent page, end to end (Latchkey on a real port and database, documents on a
 * real https server): a document whose answer goes to this device (loopback or private-use redirect) gets a
 * warning that any local app can claim it, one with a web redirect does not; the document's `application_type`
 * and redirects are held to the registration rules; and its error responses carry `iss` too.
 */

const alice = { username: 'alice', password: 'correct horse battery' };
const loopback = 'http://127.0.0.1:7777/callback';
const web = 'https://app.example.com/callback';
const privateUse = 'com.example.agent:/callback';

interface Latchkey {
  app: FastifyInstance;
  storage: Storage;
  issuer: string;
  close(): Promise<void>;
}

async function startLatchkey(kind: DatabaseKind, ca: string): Promise<Latchkey> {
  const database = await kind.create({ migrated: true });
  const port = await freePort();
  const issuer = `http://127.0.0.1:${port}`;
  const config = loadConfig({ env: {}, overrides: { 'database.url': database.url, 'registration.rateLimit.enabled': false, 'cimd.allowPrivateAddresses': true, issuer } });
  const storage = await openStorage(config.database);
  await storage.migrate();
  const { app, services } = await buildTestApp(config, storage, { cimdFetchOptions: { ca } });
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

function authorizePath(clientId: string, redirectUri: string, extra: Record<string, string> = {}): string {
  const verifier = randomBytes(32).toString('base64url');
  return `/authorize?${new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
    state: 'st-1',
    scope: 'mcp:tools',
    ...extra,
  })}`;
}

forEachDatabase(describe, (kind) =>
  describe('metadata-document clients at the consent page', () => {
    let documents: DocumentServer;
    let latchkey: Latchkey;
    let browser: TestBrowser;
    const urlOf = (path: string) => `https://localhost:${documents.port}${path}`;

    before(async () => {
      documents = await startDocumentServer();
      latchkey = await startLatchkey(kind, documents.ca);
      // Signed in once, through any client's sign-in page.
      browser = new TestBrowser(latchkey.app);
      const clientId = publish('/sign-in.json', { redirect_uris: [web] });
      const login = await browser.get(authorizePath(clientId, web));
      assert.equal(login.statusCode, 200, login.body);
      assert.equal((await browser.follow(await browser.submit(login, alice))).statusCode, 200);
    });
    after(async () => {
      await latchkey?.close();
      await documents?.close();
    });

    /** Publishes a document at `path` and returns its client_id. */
    function publish(path: string, fields: Record<string, unknown>): string {
      const clientId = urlOf(path);
      documents.route(path, json({ client_id: clientId, client_name: 'Agent Zero', token_endpoint_auth_method: 'none', ...fields }));
      return clientId;
    }

    async function consentPage(clientId: string, redirectUri: string): Promise<string> {
      const page = await browser.get(authorizePath(clientId, redirectUri));
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, /data-testid="client-name">Agent Zero</, 'the consent page');
      return page.body;
    }

    describe('the warning that any app on this device can use the document', () => {
      it('is shown for a document whose redirects are all loopback, naming the device address', async () => {
        const clientId = publish('/loopback.json', { redirect_uris: [loopback, 'http://localhost:7777/callback'] });
        const body = await consentPage(clientId, loopback);
        assert.match(body, /data-testid="local-app-warning"[^>]*><strong>Careful:<\/strong> “Agent Zero” sends you back to an app on this device \(127\.0\.0\.1:7777\)/);
        assert.match(body, /data-testid="unverified"/, 'and it is unverified, as every document client');
      });

      it('is not shown for a document whose redirect is a web (https, non-loopback) address', async () => {
        const clientId = publish('/web.json', { redirect_uris: [web] });
        const body = await consentPage(clientId, web);
        assert.doesNotMatch(body, /local-app-warning/);
        assert.match(body, /data-testid="redirect-host">app\.example\.com</);
      });

      it('follows the redirect of the request for a document listing both: shown for loopback, not for the web one', async () => {
        const clientId = publish('/both.json', { redirect_uris: [web, loopback] });
        assert.doesNotMatch(await consentPage(clientId, web), /local-app-warning/);
        assert.match(await consentPage(clientId, loopback), /data-testid="local-app-warning"/);
      });

      it('is shown for a private-use scheme redirect (native app), a scheme any local app may claim', async () => {
        const clientId = publish('/native.json', { application_type: 'native', redirect_uris: [privateUse] });
        assert.match(await consentPage(clientId, privateUse), /data-testid="local-app-warning"/);
      });

      it('is not shown for a registered (not metadata-document) client with a loopback redirect', async () => {
        const registered = await latchkey.app.inject({ method: 'POST', url: '/register', payload: { client_name: 'Agent Zero', redirect_uris: [loopback], token_endpoint_auth_method: 'none' } });
        assert.equal(registered.statusCode, 201, registered.body);
        const body = await consentPage(registered.json<{ client_id: string }>().client_id, loopback);
        assert.doesNotMatch(body, /local-app-warning/);
      });
    });

    describe('application_type, as a registration gets it', () => {
      for (const [what, fields, redirectUri, stored] of [
        ['native with loopback and private-use redirects', { application_type: 'native', redirect_uris: [loopback, privateUse] }, privateUse, 'native'],
        ['native with an https (claimed) redirect', { application_type: 'native', redirect_uris: [web] }, web, 'native'],
        ['web with an https redirect', { application_type: 'web', redirect_uris: [web] }, web, 'web'],
        ['none given with an https redirect (web by default)', { redirect_uris: [web] }, web, 'web'],
        ['web with a loopback redirect (made native, as a registration is)', { application_type: 'web', redirect_uris: [loopback] }, loopback, 'native'],
      ] as const) {
        it(`accepts ${what}: application_type ${stored}`, async () => {
          const clientId = publish(`/type-${what.replace(/\W+/g, '-')}.json`, fields);
          await consentPage(clientId, redirectUri);
          assert.equal((await latchkey.storage.clients.findClient(clientId))?.metadata.application_type, stored);
        });
      }

      for (const [what, fields, message] of [
        ['an application_type other than native or web', { application_type: 'desktop', redirect_uris: [loopback] }, /application_type must be native or web/],
        ['native with http on a non-loopback host', { application_type: 'native', redirect_uris: ['http://app.example.com/callback'] }, /http on a host other than a loopback address/],
        ['web with http on a non-loopback host', { application_type: 'web', redirect_uris: ['http://app.example.com/callback'] }, /http on a host other than a loopback address/],
        ['a forbidden scheme', { application_type: 'native', redirect_uris: ['javascript:alert(1)'] }, /forbidden scheme javascript/],
      ] as const) {
        it(`refuses ${what} on a page, storing nothing`, async () => {
          const clientId = publish(`/refused-${what.replace(/\W+/g, '-')}.json`, fields);
          const page = await browser.get(authorizePath(clientId, fields.redirect_uris[0]));
          assert.equal(page.statusCode, 400);
          assert.equal(page.headers.location, undefined, 'never redirected');
          assert.match(page.body, message);
          assert.equal(await latchkey.storage.clients.findClient(clientId), undefined);
        });
      }
    });

    it('sends its errors with iss, behind a return link (a document client is unverified)', async () => {
      const clientId = publish('/errors.json', { redirect_uris: [loopback] });
      const page = await new TestBrowser(latchkey.app).get(authorizePath(clientId, loopback, { prompt: 'none' }));
      assert.equal(page.statusCode, 400);
      const href = /data-testid="return-link" rel="noreferrer" href="([^"]+)"/.exec(page.body)?.[1]?.replace(/&#(\d+);/g, (_, c: string) => String.fromCharCode(Number(c)));
      assert.ok(href);
      const url = new URL(href);
      assert.equal(url.searchParams.get('error'), 'login_required');
      assert.deepEqual(url.searchParams.getAll('iss'), [latchkey.issuer]);
    });
  }),
);
