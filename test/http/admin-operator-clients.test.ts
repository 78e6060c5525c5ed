import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { digestSecret } from '../../src/protocol/secrets.js';
import type { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { basicAuthorization } from '../support/operator-client.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { signedInBrowser } from '../support/sign-in.js';
import { adminSetup, alice, assertAdminHeaders, csrfOf, eventually, token } from './admin-fixtures.js';

const machineResource = 'https://mcp.example.com/mcp';
const resources = [
  { uri: machineResource, name: 'Example tools', scopes: ['mcp:tools'], machineClients: true },
  { uri: 'https://evil.example.com/mcp', name: '<script>alert(1)</script> & co', scopes: ['mcp:tools', 'mcp:resources'], default: true },
];
const secretOf = (body: string) => /<p class="secret" data-testid="client-secret">([A-Za-z0-9_-]+)<\/p>/.exec(body)?.[1];
const clientIdOf = (body: string) => /<code data-testid="client-id">([A-Za-z0-9_-]+)<\/code>/.exec(body)?.[1];

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('admin dashboard: creating clients, and the resources page', () => {
    let server: TestServer;
    let admin: TestBrowser;

    before(async () => {
      server = await startTestServer({ database: kind, overrides: { resources } });
      admin = await adminSetup(server);
    });
    after(() => server.close());

    const clientCount = () => server.storage.clients.countClients({});

    it('creates a client from the form on the clients page, shows its secret once, and the client page says "Created by an operator"', async () => {
      const list = await admin.get('/admin/clients');
      assert.match(list.body, /<summary>New client<\/summary>/);
      assert.doesNotMatch(list.body, /<details class="new-client" open>/, 'folded away until used');
      const created = await admin.submit(list, { name: 'Billing robot', grants: 'client_credentials', scope: 'mcp:tools' });
      assert.equal(created.statusCode, 200, created.body);
      assertAdminHeaders(created, 'the created page');
      const secret = secretOf(created.body);
      const clientId = clientIdOf(created.body);
      assert.ok(secret && secret.length >= 43 && clientId, 'the client id and secret are on the response');
      assert.match(created.body, /Copy the secret now/);

      const stored = await server.storage.clients.findClient(clientId);
      assert.equal(stored?.registrationSource, 'operator');
      assert.equal(stored?.clientSecretDigest, digestSecret(secret));
      assert.equal(stored?.registrationAccessTokenDigest, null);
      assert.deepEqual(stored?.metadata.grant_types, ['client_credentials']);
      assert.deepEqual(stored?.metadata.redirect_uris, []);

      const page = await admin.get(`/admin/clients/${clientId}`);
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<dt>Source<\/dt><dd>Created by an operator<\/dd>/);
      for (const later of [page, await admin.get('/admin/clients')]) {
        assert.ok(!later.body.includes(secret), 'never shown again');
        assert.ok(!later.body.includes(stored!.clientSecretDigest!), 'nor its digest');
      }

      const issued = await token(server, { grant_type: 'client_credentials', resource: machineResource, client_id: clientId, client_secret: secret });
      assert.deepEqual([issued.statusCode, issued.json().error], [401, 'invalid_client'], 'client_secret_basic was registered: the post method is refused');
      const basic = await server.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(clientId, secret) },
        payload: new URLSearchParams({ grant_type: 'client_credentials', resource: machineResource }).toString(),
      });
      assert.equal(basic.statusCode, 200, basic.body);
      assert.equal(decodeJwt(basic.json().access_token)['gty'], 'client_credentials');

      const events = await eventually(
        () => server.storage.auditEvents.listAuditEvents({ type: 'client.registered', clientId, limit: 5 }),
        (found) => found.length === 1,
        'a client.registered event',
      );
      assert.equal(events[0]!.actor, 'admin:root');
      assert.equal(events[0]!.data['source'], 'operator');
    });

    it('creates a user sign-in client with client_secret_post and its redirect URIs', async () => {
      const created = await admin.submit(await admin.get('/admin/clients'), {
        name: 'Web app', grants: 'authorization_code', redirect_uris: 'https://app.example/cb\r\n\r\n  https://app.example/cb2  \r\n', auth_method: 'client_secret_post',
      });
      assert.equal(created.statusCode, 200, created.body);
      const stored = await server.storage.clients.findClient(clientIdOf(created.body)!);
      assert.deepEqual(stored?.metadata.redirect_uris, ['https://app.example/cb', 'https://app.example/cb2']);
      assert.deepEqual(stored?.metadata.grant_types, ['authorization_code', 'refresh_token']);
      assert.equal(stored?.metadata.token_endpoint_auth_method, 'client_secret_post');
    });

    it('refuses a bad form with the reason, keeping what was typed (escaped), and creates nothing', async () => {
      const before = await clientCount();
      for (const [fields, reason] of [
        [{ name: '<b>Web</b>', grants: 'authorization_code' }, /redirect_uris is required/],
        [{ name: '<b>Web</b>', grants: 'client_credentials', scope: 'mcp:tolls' }, /scope mcp:tolls is not supported here/],
        [{ name: '<b>Web</b>', grants: 'both', redirect_uris: 'http://app.example/cb' }, /redirect_uris\[0\]/],
        [{ grants: 'client_credentials' }, /client_name must not be blank/],
      ] as const) {
        const refused = await admin.submit(await admin.get('/admin/clients'), fields);
        assert.equal(refused.statusCode, 400, JSON.stringify(fields));
        assertAdminHeaders(refused, 'a refused form');
        assert.match(refused.body, reason);
        assert.match(refused.body, /<p class="error" role="alert">The client was not created: /);
        assert.match(refused.body, /<details class="new-client" open>/);
        assert.equal(secretOf(refused.body), undefined);
        if ('name' in fields) assert.match(refused.body, /name="name" required maxlength="200" value="&#60;b&#62;Web&#60;\/b&#62;"/);
      }
      assert.equal(await clientCount(), before);
    });

    it('refuses the form without the CSRF token or with a wrong one (400), and creates nothing', async () => {
      const before = await clientCount();
      for (const csrf of [undefined, 'A'.repeat(43)]) {
        const fields = { name: 'Sneaky robot', grants: 'client_credentials' };
        const response = await admin.post('/admin/clients', csrf === undefined ? fields : { ...fields, csrf });
        assert.equal(response.statusCode, 400);
        assert.match(response.body, /nothing was changed/);
        assert.equal(secretOf(response.body), undefined);
      }
      assert.equal(await clientCount(), before);
    });

    it('refuses the form and the resources page to a user without the admin role (403), and a POST without a session goes to sign-in', async () => {
      const before = await clientCount();
      const user = await signedInBrowser(server.app, alice, '/account');
      const csrf = csrfOf(await user.get('/admin'));
      const post = await user.post('/admin/clients', { csrf, name: 'Alice robot', grants: 'client_credentials' });
      assert.equal(post.statusCode, 403);
      assert.match(post.body, /Administrators only/);
      const resourcesPage = await user.get('/admin/resources');
      assert.equal(resourcesPage.statusCode, 403);
      assert.ok(!resourcesPage.body.includes(machineResource));
      const anonymous = await server.app.inject({ method: 'POST', url: '/admin/clients', payload: 'name=x&grants=client_credentials', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assert.equal(anonymous.statusCode, 303);
      assert.match(String(anonymous.headers.location), /^\/signin\?/);
      assert.equal(await clientCount(), before);
    });

    it('lists the configured resources read-only, with HTML in a name escaped, and links the page in the navigation', async () => {
      const page = await admin.get('/admin/resources');
      assert.equal(page.statusCode, 200);
      assertAdminHeaders(page, '/admin/resources');
      assert.match(page.body, /<a href="\/admin\/resources" aria-current="page">Resources<\/a>/);
      assert.match(page.body, /They come from the configuration/);
      const rows = page.body.split('<tr data-testid="resource-row">').slice(1);
      assert.equal(rows.length, 2);
      assert.match(rows[0]!, /<th scope="row">Example tools<\/th>\n<td class="id"><code>https:\/\/mcp\.example\.com\/mcp<\/code><\/td>\n<td>mcp:tools<\/td>\n<td>allowed<\/td>\n<td><\/td>/);
      assert.match(rows[1]!, /<th scope="row">&#60;script&#62;alert\(1\)&#60;\/script&#62; &#38; co<\/th>/);
      assert.match(rows[1]!, /<td>mcp:tools mcp:resources<\/td>\n<td><span class="muted">no<\/span><\/td>\n<td>default<\/td>/);
      assert.ok(!page.body.includes('<script>'), 'no markup from the configuration');
      assert.match((await admin.get('/admin/clients')).body, /<a href="\/admin\/resources">Resources<\/a>/, 'in the navigation of the other pages');
    });
  });

  describe('admin dashboard: the resources page with no resource configured', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind });
    });
    after(() => server.close());

    it('says that none is configured and what that means', async () => {
      const page = await (await adminSetup(server)).get('/admin/resources');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /data-testid="no-resources">No resources are configured: users may authorize any https/);
      assert.doesNotMatch(page.body, /resource-row/);
    });
  });
});
