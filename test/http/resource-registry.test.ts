import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const issuer = 'https://as.example.com';
const tools = { uri: 'https://mcp.example.com/mcp', name: 'Example <b>Tools</b>', scopes: ['mcp:tools'], default: true };
const files = { uri: 'https://files.example.com/mcp', name: 'Files', scopes: ['files:read'] };
const form = { 'content-type': 'application/x-www-form-urlencoded' };

function pkce() {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

describe('protected resources at /authorize and /token (RFC 8707, PRODUCT.md §8)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { issuer, resources: [tools, files] } });
    await createUser(server.storage.users, { username: 'alice', password: 'correct horse battery' }, { now: Date.now(), newId: () => 'user-alice' });
  });
  after(() => server.close());

  async function register(request: Record<string, unknown> = {}) {
    const response = await server.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Agent', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none', ...request },
    });
    assert.equal(response.statusCode, 201, response.body);
    return response.json() as { client_id: string; registration_access_token: string; registration_client_uri: string; redirect_uris: string[] };
  }

  function authorizeUrl(clientId: string, extra: Record<string, string | undefined> = {}) {
    const { verifier, challenge } = pkce();
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: clientId,
      redirect_uri: 'https://client.example/cb',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 'st',
      scope: 'openid mcp:tools files:read offline_access',
    };
    for (const [name, value] of Object.entries(extra)) {
      if (value === undefined) delete params[name];
      else params[name] = value;
    }
    return { url: `/authorize?${new URLSearchParams(params)}`, verifier };
  }

  /** Walks to the page after sign-in: the consent page, or the redirect of a remembered consent. */
  async function afterSignIn(browser: TestBrowser, url: string) {
    const first = await browser.get(url);
    if (!/<h1>Sign in<\/h1>/.test(first.body)) return first;
    return browser.follow(await browser.submit(first, { username: 'alice', password: 'correct horse battery' }));
  }

  function codeOf(response: { headers: Record<string, unknown> }): string {
    const code = new URL(String(response.headers['location'])).searchParams.get('code');
    assert.ok(code, `a code in ${String(response.headers['location'])}`);
    return code;
  }

  async function exchange(clientId: string, code: string, verifier: string, extra: Record<string, string> = {}) {
    return server.app.inject({
      method: 'POST',
      url: '/token',
      headers: form,
      payload: new URLSearchParams({ grant_type: 'authorization_code', code, code_verifier: verifier, client_id: clientId, redirect_uri: 'https://client.example/cb', ...extra }).toString(),
    });
  }

  async function refresh(clientId: string, refreshToken: string, extra: Record<string, string> = {}) {
    return server.app.inject({
      method: 'POST',
      url: '/token',
      headers: form,
      payload: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId, ...extra }).toString(),
    });
  }

  it('advertises the union of the resource scopes with the identity scopes', async () => {
    const metadata = (await server.app.inject({ method: 'GET', url: '/.well-known/oauth-authorization-server' })).json() as { scopes_supported: string[] };
    assert.deepEqual(metadata.scopes_supported, ['openid', 'profile', 'email', 'offline_access', 'mcp:tools', 'files:read']);
  });

  it('names the resource on the consent page, grants only its scopes, and puts the registered URI in aud', async () => {
    const client = await register();
    const browser = new TestBrowser(server.app);
    const { url, verifier } = authorizeUrl(client.client_id, { resource: 'HTTPS://MCP.example.com:443/mcp/' });
    const consent = await afterSignIn(browser, url);
    assert.equal(consent.statusCode, 200, consent.body);
    assert.match(consent.body, /data-testid="resource-name">Example &#60;b&#62;Tools&#60;\/b&#62;</, 'the display name, escaped');
    assert.doesNotMatch(consent.body, /files:read/, 'a scope of another resource is not asked for');
    const done = await browser.submit(consent, { decision: 'allow' });
    const tokens = await exchange(client.client_id, codeOf(done), verifier, { resource: 'https://mcp.example.com/mcp/' });
    assert.equal(tokens.statusCode, 200, tokens.body);
    const body = tokens.json() as { access_token: string; refresh_token: string; scope: string };
    assert.equal(body.scope, 'openid mcp:tools offline_access');
    assert.equal(decodeJwt(body.access_token).aud, tools.uri);
  });

  it('gives a request without resource the default resource as audience', async () => {
    const client = await register();
    const browser = new TestBrowser(server.app);
    const { url, verifier } = authorizeUrl(client.client_id);
    const done = await browser.submit(await afterSignIn(browser, url), { decision: 'allow' });
    const tokens = await exchange(client.client_id, codeOf(done), verifier);
    assert.equal(tokens.statusCode, 200, tokens.body);
    assert.equal(decodeJwt((tokens.json() as { access_token: string }).access_token).aud, tools.uri);
  });

  it('refuses a resource this server does not know (invalid_target), at /authorize and at /token', async () => {
    const client = await register();
    const page = await server.app.inject({ method: 'GET', url: authorizeUrl(client.client_id, { resource: 'https://evil.example/mcp' }).url });
    assert.equal(page.statusCode, 400);
    assert.equal(page.headers.location, undefined);
    assert.match(page.body, /error=invalid_target/);

    const browser = new TestBrowser(server.app);
    const { url, verifier } = authorizeUrl(client.client_id, { resource: files.uri, scope: 'files:read' });
    const done = await browser.submit(await afterSignIn(browser, url), { decision: 'allow' });
    const code = codeOf(done);
    const wrong = await exchange(client.client_id, code, verifier, { resource: tools.uri });
    assert.equal(wrong.statusCode, 400);
    assert.equal((wrong.json() as { error: string }).error, 'invalid_target');
  });

  it('checks the resource of a refresh before rotating: a refused refresh leaves the token and the grant alive (finding 7)', async () => {
    const client = await register();
    const browser = new TestBrowser(server.app);
    const { url, verifier } = authorizeUrl(client.client_id, { resource: files.uri, scope: 'files:read offline_access' });
    const done = await browser.submit(await afterSignIn(browser, url), { decision: 'allow' });
    const tokens = (await exchange(client.client_id, codeOf(done), verifier)).json() as { refresh_token: string };
    const refused = await refresh(client.client_id, tokens.refresh_token, { resource: tools.uri });
    assert.equal(refused.statusCode, 400);
    assert.equal((refused.json() as { error: string }).error, 'invalid_target');
    const tolerant = await refresh(client.client_id, tokens.refresh_token, { resource: 'https://FILES.example.com/mcp/' });
    assert.equal(tolerant.statusCode, 200, `the same token still works: ${tolerant.body}`);
    const next = tolerant.json() as { refresh_token: string; access_token: string };
    assert.equal(decodeJwt(next.access_token).aud, files.uri);
    assert.equal((await refresh(client.client_id, next.refresh_token)).statusCode, 200, 'the grant lives on');
  });

  it('binds a remembered consent to its resource: another resource is asked for again (finding 3)', async () => {
    const client = await register();
    const browser = new TestBrowser(server.app);
    const first = authorizeUrl(client.client_id, { resource: tools.uri, scope: 'mcp:tools' });
    await browser.submit(await afterSignIn(browser, first.url), { decision: 'allow' });
    const same = await browser.get(authorizeUrl(client.client_id, { resource: tools.uri, scope: 'mcp:tools' }).url);
    assert.equal(same.statusCode, 302, 'the remembered consent covers the same resource');
    const other = await browser.get(authorizeUrl(client.client_id, { resource: files.uri, scope: 'files:read' }).url);
    assert.equal(other.statusCode, 200, 'another resource needs consent');
    assert.match(other.body, /data-testid="resource-name">Files</);
  });

  it('keeps the scopes allowed for one resource to that resource: identity scopes allowed for another are asked again', async () => {
    const client = await register();
    const browser = new TestBrowser(server.app);
    await browser.submit(await afterSignIn(browser, authorizeUrl(client.client_id, { resource: tools.uri, scope: 'openid mcp:tools email' }).url), { decision: 'allow' });
    await browser.submit(await afterSignIn(browser, authorizeUrl(client.client_id, { resource: files.uri, scope: 'openid files:read' }).url), { decision: 'allow' });
    assert.equal((await browser.get(authorizeUrl(client.client_id, { resource: files.uri, scope: 'openid files:read' }).url)).statusCode, 302);
    const mixed = await browser.get(authorizeUrl(client.client_id, { resource: files.uri, scope: 'openid files:read email', prompt: 'none' }).url);
    assert.equal(mixed.headers.location, undefined, 'email was allowed for Tools, not for Files: no code without asking');
    assert.match(mixed.body, /error=consent_required/);
  });

  it('counts an allow only for the client the page showed: an update while the page is open shows the page again (finding 3)', async () => {
    const client = await register();
    const browser = new TestBrowser(server.app);
    const consent = await afterSignIn(browser, authorizeUrl(client.client_id, { scope: 'mcp:tools' }).url);
    assert.equal(consent.statusCode, 200);
    const update = await server.app.inject({
      method: 'PUT',
      url: new URL(client.registration_client_uri).pathname,
      headers: { authorization: `Bearer ${client.registration_access_token}` },
      payload: { client_id: client.client_id, client_name: 'Google Drive', redirect_uris: ['https://client.example/cb', 'https://attacker.example/steal'], token_endpoint_auth_method: 'none' },
    });
    assert.equal(update.statusCode, 200, update.body);
    const again = await browser.submit(consent, { decision: 'allow' });
    assert.equal(again.statusCode, 200, 'the consent page again, not a code');
    assert.equal(again.headers.location, undefined);
    assert.match(again.body, /data-testid="client-name">Google Drive</);
    const silent = await browser.get(authorizeUrl(client.client_id, { scope: 'mcp:tools', redirect_uri: 'https://attacker.example/steal', prompt: 'none' }).url);
    assert.equal(silent.headers.location, undefined, 'nothing was remembered for the changed client');
    const allowed = await browser.submit(again, { decision: 'allow' });
    assert.equal(allowed.statusCode, 303, 'an allow of the page as it is now counts');
  });

  it('forgets a remembered consent once an RFC 7592 update moves the redirect elsewhere (finding 3)', async () => {
    const client = await register({ redirect_uris: ['https://client.example/cb'] });
    const browser = new TestBrowser(server.app);
    await browser.submit(await afterSignIn(browser, authorizeUrl(client.client_id, { scope: 'mcp:tools' }).url), { decision: 'allow' });
    assert.equal((await browser.get(authorizeUrl(client.client_id, { scope: 'mcp:tools' }).url)).statusCode, 302);

    const update = await server.app.inject({
      method: 'PUT',
      url: new URL(client.registration_client_uri).pathname,
      headers: { authorization: `Bearer ${client.registration_access_token}` },
      payload: { client_id: client.client_id, client_name: 'Agent', redirect_uris: ['https://client.example/cb', 'https://attacker.example/cb'], token_endpoint_auth_method: 'none' },
    });
    assert.equal(update.statusCode, 200, update.body);
    const url = authorizeUrl(client.client_id, { scope: 'mcp:tools', redirect_uri: 'https://attacker.example/cb' }).url;
    const asked = await browser.get(url);
    assert.equal(asked.statusCode, 200, 'no code is sent to the new host without asking');
    assert.equal(asked.headers.location, undefined);
    assert.match(asked.body, /data-testid="redirect-host">attacker\.example</);
  });

  it('forgets a remembered consent once the client is flagged as a look-alike (finding 3)', async () => {
    const client = await register({ client_name: 'Notes' });
    const browser = new TestBrowser(server.app);
    await browser.submit(await afterSignIn(browser, authorizeUrl(client.client_id, { scope: 'mcp:tools' }).url), { decision: 'allow' });
    const record = await server.storage.clients.findClient(client.client_id);
    assert.ok(record?.registrationAccessTokenDigest);
    assert.equal(await server.storage.clients.updateClient({ ...record, lookAlikeOf: 'Claude' }, record.registrationAccessTokenDigest), true);
    assert.equal((await browser.get(authorizeUrl(client.client_id, { scope: 'mcp:tools' }).url)).statusCode, 200, 'asked again');
  });
});

describe('protected resources: zero set-up (no resource configured)', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { issuer } });
  });
  after(() => server.close());

  it('accepts any https resource on the consent path and refuses other schemes (invalid_target)', async () => {
    const registered = await server.app.inject({
      method: 'POST',
      url: '/register',
      payload: { client_name: 'Agent', redirect_uris: ['https://client.example/cb'], token_endpoint_auth_method: 'none' },
    });
    const clientId = (registered.json() as { client_id: string }).client_id;
    const query = (resource: string) =>
      `/authorize?${new URLSearchParams({ response_type: 'code', client_id: clientId, redirect_uri: 'https://client.example/cb', code_challenge: pkce().challenge, code_challenge_method: 'S256', resource })}`;
    assert.equal((await server.app.inject({ method: 'GET', url: query('https://any.example/mcp') })).statusCode, 200, 'the sign-in page');
    const refused = await server.app.inject({ method: 'GET', url: query('ftp://files.example/') });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /error=invalid_target/);
  });
});
