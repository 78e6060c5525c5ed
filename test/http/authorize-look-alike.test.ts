import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { ClientRecord } from '../../src/ports/clients.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { startTestServer, type TestServer } from '../support/server.js';

const issuer = 'https://as.example.com';
const redirectUri = 'https://claude-helper.example/oauth/callback';

function client(clientId: string, clientName: string, lookAlikeOf: string | null): ClientRecord {
  return {
    clientId,
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 1_767_225_600,
    metadata: {
      client_name: clientName,
      redirect_uris: [redirectUri],
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'mcp:tools',
      application_type: 'web',
    },
    registrationSource: 'dynamic',
    updatedAt: 1_767_225_600_000,
    policy: null,
    lookAlikeOf,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
}

describe('consent page for a look-alike client', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer({ overrides: { issuer } });
    await createUser(server.storage.users, { username: 'alice', password: 'correct horse battery' }, { now: Date.now(), newId: () => 'user-alice' });
    await server.storage.clients.insertClient(client('look-alike', 'C1aude <Desktop>', 'Claude'));
    await server.storage.clients.insertClient(client('plain', 'Helper for Notes', null));
  });
  after(() => server.close());

  /** Signs in through the authorization request of `clientId` and returns the consent page. */
  async function consentPageFor(clientId: string) {
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirectUri,
      code_challenge: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('base64url'),
      code_challenge_method: 'S256',
      state: 'st',
      scope: 'mcp:tools',
    });
    const browser = new TestBrowser(server.app);
    const login = await browser.get(`/authorize?${params}`);
    assert.equal(login.statusCode, 200, login.body);
    const consent = await browser.follow(await browser.submit(login, { username: 'alice', password: 'correct horse battery' }));
    assert.equal(consent.statusCode, 200, consent.body);
    assert.match(consent.body, /name="decision" value="allow"/, 'it is the consent page');
    return consent.body;
  }

  it('warns that the app is not the agent it imitates, naming where its redirect goes, with the name escaped', async () => {
    const body = await consentPageFor('look-alike');
    const warning = /<p class="warning" role="alert" data-testid="look-alike-warning">(.*?)<\/p>/s.exec(body)?.[1];
    assert.ok(warning, 'the look-alike warning is on the page');
    assert.match(warning, /calls itself “C1aude &#60;Desktop&#62;” but is not Claude/);
    assert.match(warning, /its redirect goes to <strong>claude-helper\.example<\/strong>/);
    assert.match(warning, /Only continue if you trust it/);
  });

  it('shows no look-alike warning for a client that was not flagged', async () => {
    const body = await consentPageFor('plain');
    assert.match(body, /data-testid="client-name">Helper for Notes</);
    assert.doesNotMatch(body, /look-alike-warning/);
  });
});
