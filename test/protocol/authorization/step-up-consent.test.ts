import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { alreadyAllowedScope, clientFingerprint, mergeConsent } from '../../../src/protocol/authorization/consent.js';
import { decideAuthorization, decideConsent, type AuthorizationDecisionContext, type SignedInUser } from '../../../src/protocol/authorization/decide-authorization.js';
import type { ClientRecord } from '../../../src/ports/clients.js';
import type { Storage } from '../../../src/ports/storage.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import { createUser } from '../../../src/users/users.js';
import { consentPage } from '../../../src/ui/authorization-pages.js';
import { fixedClock } from '../../support/clock.js';

const issuer = 'https://as.example.com';
const resource = 'https://mcp.example.com/mcp';
const redirectUri = 'https://client.example/cb';
const challenge = createHash('sha256').update('a verifier of at least forty-three characters, to be sure').digest('base64url');

function clientRecord(clientId: string): ClientRecord {
  return {
    clientId,
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 1_767_225_600,
    metadata: {
      client_name: `App ${clientId}`,
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
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
}

function query(clientId: string, scope: string, extra: Record<string, string> = {}): Record<string, string> {
  return { response_type: 'code', client_id: clientId, redirect_uri: redirectUri, code_challenge: challenge, code_challenge_method: 'S256', state: 's', scope, resource, ...extra };
}

describe('step-up consent (the decision and the page)', () => {
  let storage: Storage;
  let context: AuthorizationDecisionContext;
  let user: SignedInUser;
  const clock = fixedClock();
  let n = 0;
  const random = { token: () => `code-${++n}`, uuid: () => `uuid-${++n}`, timeOrderedUuid: () => `uuid7-${++n}` };

  before(async () => {
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'full', poolSize: 1 });
    await storage.migrate();
    const created = await createUser(storage.users, { username: 'alice', password: 'correct horse battery' }, { now: clock.now(), newId: () => 'user-alice' });
    user = { id: created.id, username: created.username, authTime: clock.now() };
    for (const id of ['stepping', 'revoked-meanwhile', 'elsewhere']) await storage.clients.insertClient(clientRecord(id));
    const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', issuer } });
    context = { config, clients: storage.clients, consents: storage.consents, codes: storage.codes, clock, random, audit: { record: () => {} } };
  });
  after(() => storage.close());

  async function allow(clientId: string, scope: string) {
    const page = await decideAuthorization(query(clientId, scope), user, context);
    assert.equal(page.kind, 'consent');
    return decideConsent(query(clientId, scope), user, { allow: true, shown: page.shown, ip: null }, context);
  }

  it('marks what a remembered consent allows for this resource as already allowed, and remembers the union after the allow', async () => {
    assert.equal((await allow('stepping', 'mcp:tools')).kind, 'redirect-with-code');
    const page = await decideAuthorization(query('stepping', 'mcp:tools mcp:resources'), user, context);
    assert.equal(page.kind, 'consent');
    assert.equal(page.alreadyAllowed, 'mcp:tools');
    const code = await decideConsent(query('stepping', 'mcp:tools mcp:resources'), user, { allow: true, shown: page.shown, ip: null }, context);
    assert.equal(code.kind, 'redirect-with-code');
    const consent = await storage.consents.findConsent(user.id, 'stepping');
    assert.equal(consent?.resources[resource], 'mcp:tools mcp:resources');
    // prompt=consent on a request that asks nothing new shows everything as already allowed.
    const again = await decideAuthorization(query('stepping', 'mcp:resources mcp:tools', { prompt: 'consent' }), user, context);
    assert.equal(again.kind, 'consent');
    assert.equal(again.alreadyAllowed, 'mcp:resources mcp:tools');
  });

  it('counts nothing as already allowed for another resource, whatever was allowed for this one', async () => {
    assert.equal((await allow('elsewhere', 'mcp:tools')).kind, 'redirect-with-code');
    const page = await decideAuthorization(query('elsewhere', 'mcp:tools', { resource: 'https://other.example.com/mcp' }), user, context);
    assert.equal(page.kind, 'consent');
    assert.equal(page.alreadyAllowed, '');
  });

  it('shows the page again, remembering nothing, when the consent was revoked while the step-up page was open', async () => {
    assert.equal((await allow('revoked-meanwhile', 'mcp:tools')).kind, 'redirect-with-code');
    const page = await decideAuthorization(query('revoked-meanwhile', 'mcp:tools mcp:resources'), user, context);
    assert.equal(page.kind, 'consent');
    assert.equal(page.alreadyAllowed, 'mcp:tools');
    // The user cuts the app off in another tab, then clicks Allow on the page that called mcp:tools already allowed.
    assert.ok(await storage.consents.revokeConnectedApp(user.id, 'revoked-meanwhile', clock.now()));
    const decided = await decideConsent(query('revoked-meanwhile', 'mcp:tools mcp:resources'), user, { allow: true, shown: page.shown, ip: null }, context);
    assert.equal(decided.kind, 'consent', 'asked again, now with everything new');
    assert.equal(decided.alreadyAllowed, '');
    assert.equal(await storage.consents.findConsent(user.id, 'revoked-meanwhile'), undefined);
  });

  it('counts nothing as already allowed once the client changed since the consent', () => {
    const client = clientRecord('changing');
    const consent = mergeConsent(undefined, client, { scope: 'mcp:tools', audience: resource });
    assert.equal(consent.clientFingerprint, clientFingerprint(client));
    assert.equal(alreadyAllowedScope(consent, client, { scope: 'mcp:tools mcp:resources', audience: resource }), 'mcp:tools');
    const moved = { ...client, metadata: { ...client.metadata, redirect_uris: ['https://elsewhere.example/cb'] } };
    assert.equal(alreadyAllowedScope(consent, moved, { scope: 'mcp:tools mcp:resources', audience: resource }), '');
    assert.equal(alreadyAllowedScope(undefined, client, { scope: 'mcp:tools', audience: resource }), '');
  });

  it('renders new scopes as new and the others as already allowed; a first consent lists every scope plainly', () => {
    const base = { nonce: 'n', csrf: 'c', pending: 'p', action: '/consent', client: clientRecord('x'), redirectUri, resource, username: 'alice' };
    const stepped = consentPage({ ...base, scope: 'mcp:tools mcp:resources', alreadyAllowed: 'mcp:tools' });
    assert.match(stepped, /data-testid="new-scopes"><li data-scope="mcp:resources"><span class="badge">New<\/span>/);
    assert.match(stepped, /data-testid="allowed-scopes"><li data-scope="mcp:tools">/);
    assert.doesNotMatch(/data-testid="new-scopes">(.*?)<\/ul>/s.exec(stepped)![1]!, /mcp:tools/, 'an allowed scope is not asked for again');
    const nothingNew = consentPage({ ...base, scope: 'mcp:tools', alreadyAllowed: 'mcp:tools' });
    assert.match(nothingNew, /asks for nothing new/);
    assert.doesNotMatch(nothingNew, /data-testid="new-scopes"/);
    const first = consentPage({ ...base, scope: 'mcp:tools mcp:resources' });
    assert.doesNotMatch(first, /Already allowed|class="badge">New/);
    assert.match(first, /data-testid="new-scopes"><li data-scope="mcp:tools">.*<li data-scope="mcp:resources">/s);
  });
});
