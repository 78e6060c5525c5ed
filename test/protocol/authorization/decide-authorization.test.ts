import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import type { AuthorizationDecision } from '../../../src/protocol/authorization/authorization-decision.js';
import { consentShown } from '../../../src/protocol/authorization/consent.js';
import {
  decideAuthorization,
  decideConsent,
  type AuthorizationDecisionContext,
  type SignedInUser,
} from '../../../src/protocol/authorization/decide-authorization.js';
import type { AuditEntry } from '../../../src/ports/audit-trail.js';
import { digestSecret } from '../../../src/protocol/secrets.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import type { ClientRecord, RegistrationSource } from '../../../src/ports/clients.js';
import type { Storage } from '../../../src/ports/storage.js';
import { createUser } from '../../../src/users/users.js';
import { fixedClock } from '../../support/clock.js';

const issuer = 'https://as.example.com';
const redirectUri = 'https://client.example/cb';
const challenge = createHash('sha256').update('a verifier of at least forty-three characters, to be sure').digest('base64url');

function clientRecord(clientId: string, registrationSource: RegistrationSource, redirectUris = [redirectUri]): ClientRecord {
  return {
    clientId,
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 1_767_225_600,
    metadata: {
      client_name: `App ${clientId}`,
      redirect_uris: redirectUris,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      token_endpoint_auth_method: 'none',
      scope: 'openid mcp:tools',
      application_type: 'web',
    },
    registrationSource,
    updatedAt: 1_767_225_600_000,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
}

/** A valid request of `clientId`, with `changes` applied (an `undefined` removes the parameter). */
function query(clientId: string, changes: Record<string, string | undefined> = {}): Record<string, string> {
  const all: Record<string, string | undefined> = {
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    code_challenge: challenge,
    code_challenge_method: 'S256',
    state: 'st-1',
    scope: 'openid mcp:tools',
    ...changes,
  };
  return Object.fromEntries(Object.entries(all).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

describe('decideAuthorization and decideConsent (the authorization decision, without HTTP)', () => {
  let storage: Storage;
  let context: AuthorizationDecisionContext;
  let user: SignedInUser;
  const clock = fixedClock();
  const events: AuditEntry[] = [];
  let n = 0;
  const random = { token: () => `code-${++n}`, uuid: () => `uuid-${++n}`, timeOrderedUuid: () => `uuid7-${++n}` };

  before(async () => {
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'full', poolSize: 1 });
    await storage.migrate();
    const created = await createUser(storage.users, { username: 'alice', password: 'correct horse battery' }, { now: clock.now(), newId: () => 'user-alice' });
    user = { id: created.id, username: created.username, authTime: clock.now() - 5_000 };
    // Vouched for: an operator's initial access token. Self-registered: open registration, a metadata document.
    for (const [id, source] of [['vouched', 'iat'], ['open', 'dynamic'], ['document', 'cimd']] as const) await storage.clients.insertClient(clientRecord(id, source));
    await storage.clients.insertClient(clientRecord('two-redirects', 'iat', [redirectUri, 'https://client.example/cb2']));
    for (const id of ['remembered', 'asks-again', 'allowing', 'stale', 'denying']) await storage.clients.insertClient(clientRecord(id, 'dynamic'));
    const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', issuer } });
    context = { config, clients: storage.clients, consents: storage.consents, codes: storage.codes, clock, random, audit: { record: (e) => events.push(e) } };
  });
  after(() => storage.close());

  /** Alice allows `clientId` what it asks for by `query` (through the consent page), and the decision of that. */
  async function allow(clientId: string): Promise<AuthorizationDecision> {
    const page = await decideAuthorization(query(clientId), user, context);
    assert.equal(page.kind, 'consent');
    return decideConsent(query(clientId), user, { allow: true, shown: page.shown, ip: '192.0.2.7' }, context);
  }

  describe('refuses on a page, never at the redirect URI, what comes before a trusted redirect URI (no open redirect)', () => {
    for (const [what, clientId, changes, error, description] of [
      ['no client_id', 'vouched', { client_id: undefined }, 'invalid_request', /no client_id/],
      ['an unknown client', 'nope', {}, 'invalid_client', /not registered/],
      ['a redirect_uri that was not registered', 'vouched', { redirect_uri: 'https://evil.example/cb' }, 'invalid_request', /not one this application registered/],
      ['a redirect_uri on another path', 'open', { redirect_uri: 'https://client.example/cb/../evil' }, 'invalid_request', /not one this application registered/],
      ['no redirect_uri when several are registered', 'two-redirects', { redirect_uri: undefined }, 'invalid_request', /registered several/],
    ] as const) {
      for (const signedIn of [undefined, 'signed in'] as const) {
        it(`${what}${signedIn ? ', signed in' : ''}: error-page ${error}`, async () => {
          const decision = await decideAuthorization(query(clientId, changes), signedIn && user, context);
          assert.equal(decision.kind, 'error-page');
          assert.equal(decision.error, error);
          assert.match(decision.description, description);
          assert.ok(!('redirectUri' in decision), 'nothing to redirect to');
        });
      }
    }
  });

  describe('sends the other errors back with state and iss: at once to a vouched-for client, through a link for a self-registered one (RFC 9700 §4.11.2)', () => {
    for (const [what, changes, signedIn, error] of [
      ['no PKCE challenge', { code_challenge: undefined }, false, 'invalid_request'],
      ['the plain PKCE method', { code_challenge_method: 'plain' }, false, 'invalid_request'],
      ['response_type token', { response_type: 'token' }, false, 'unsupported_response_type'],
      ['a request object', { request: 'eyJ.x.y' }, false, 'invalid_request'],
      ['an unknown prompt', { prompt: 'select_account' }, false, 'invalid_request'],
      ['a resource with a fragment', { resource: 'https://mcp.example.com/#x' }, false, 'invalid_target'],
      ['prompt=none without a signed-in user', { prompt: 'none' }, false, 'login_required'],
      ['prompt=none without a consent', { prompt: 'none' }, true, 'consent_required'],
    ] as const) {
      for (const [clientId, kind] of [['vouched', 'redirect-with-error'], ['open', 'link-with-error'], ['document', 'link-with-error']] as const) {
        it(`${what}: ${kind} ${error} for a client from ${clientId === 'vouched' ? 'an initial access token' : clientId === 'open' ? 'open registration' : 'a metadata document'}`, async () => {
          const decision = await decideAuthorization(query(clientId, changes), signedIn ? user : undefined, context);
          assert.equal(decision.kind, kind);
          assert.equal(decision.redirectUri, redirectUri);
          assert.equal(decision.params.error, error);
          assert.equal(decision.params.state, 'st-1');
          assert.equal(decision.params.iss, issuer);
          assert.ok(decision.params.error_description.length > 0);
        });
      }
    }

    it('leaves state out when the request had none', async () => {
      const decision = await decideAuthorization(query('vouched', { state: undefined, code_challenge: undefined }), undefined, context);
      assert.equal(decision.kind, 'redirect-with-error');
      assert.equal(decision.params.state, null);
    });
  });

  it('asks a browser without a signed-in user to sign in, naming the client and whether it is unverified', async () => {
    for (const [clientId, unverified] of [['vouched', false], ['open', true], ['document', true]] as const) {
      const decision = await decideAuthorization(query(clientId), undefined, context);
      assert.equal(decision.kind, 'sign-in');
      assert.equal(decision.clientName, `App ${clientId}`);
      assert.equal(decision.unverified, unverified);
      assert.deepEqual(decision.resume, query(clientId), 'the same request is decided again after sign-in');
    }
  });

  it('asks a signed-in user to sign in again for prompt=login, and resumes without it (or it would ask forever)', async () => {
    const decision = await decideAuthorization(query('vouched', { prompt: 'login' }), user, context);
    assert.equal(decision.kind, 'sign-in');
    assert.deepEqual(decision.resume, query('vouched'));
  });

  it('asks a signed-in user for consent, with what the page shows and its digest', async () => {
    const decision = await decideAuthorization(query('open', { scope: 'openid mcp:tools unknown:scope' }), user, context);
    assert.equal(decision.kind, 'consent');
    assert.equal(decision.client.clientId, 'open');
    assert.equal(decision.username, 'alice');
    assert.equal(decision.request.redirectUri, redirectUri);
    assert.equal(decision.request.scope, 'openid mcp:tools', 'unsupported scopes are dropped, not shown');
    assert.equal(decision.shown, consentShown(decision.client, { scope: 'openid mcp:tools', audience: issuer }));
    assert.deepEqual(decision.resume, query('open', { scope: 'openid mcp:tools unknown:scope' }));
    assert.equal(await storage.consents.findConsent(user.id, 'open'), undefined, 'asking stores nothing');
  });

  it('issues a code after an allow: remembered, audited, bound to client, redirect URI, PKCE challenge and user', async () => {
    events.length = 0;
    const decision = await allow('allowing');
    assert.equal(decision.kind, 'redirect-with-code');
    assert.equal(decision.redirectUri, redirectUri);
    assert.equal(decision.params.state, 'st-1');
    assert.equal(decision.params.iss, issuer);
    const stored = await storage.codes.findCode(digestSecret(decision.params.code));
    assert.ok(stored, 'the code is stored by its digest');
    assert.equal(stored.code.clientId, 'allowing');
    assert.equal(stored.code.userId, user.id);
    assert.equal(stored.code.redirectUri, redirectUri);
    assert.equal(stored.code.codeChallenge, challenge);
    assert.equal(stored.code.authTime, user.authTime);
    assert.equal(stored.code.expiresAt, clock.now() + 60_000);
    assert.equal((await storage.consents.findConsent(user.id, 'allowing'))?.resources[issuer], 'openid mcp:tools');
    assert.deepEqual(
      events.map((e) => [e.type, e.userId, e.clientId, e.ip]),
      [['consent.granted', user.id, 'allowing', '192.0.2.7']],
    );
  });

  it('issues the code at once when a remembered consent covers the request, and asks again with prompt=consent or for another resource', async () => {
    await allow('remembered');
    const again = await decideAuthorization(query('remembered'), user, context);
    assert.equal(again.kind, 'redirect-with-code');
    assert.equal(again.params.state, 'st-1');
    assert.equal(again.params.iss, issuer);
    const fewer = await decideAuthorization(query('remembered', { scope: 'mcp:tools', prompt: 'none' }), user, context);
    assert.equal(fewer.kind, 'redirect-with-code', 'a subset is covered, even with prompt=none');
    assert.equal((await decideAuthorization(query('remembered', { prompt: 'consent' }), user, context)).kind, 'consent');
    assert.equal((await decideAuthorization(query('remembered', { resource: 'https://other.example/mcp' }), user, context)).kind, 'consent', 'scopes allowed for one resource say nothing of another');
  });

  it('asks again once the client changed its redirect URIs since the consent', async () => {
    await allow('asks-again');
    const moved = clientRecord('asks-again', 'dynamic', [redirectUri, 'https://elsewhere.example/cb']);
    const changedClients = { findClient: async (id: string) => (id === 'asks-again' ? moved : storage.clients.findClient(id)) };
    const decision = await decideAuthorization(query('asks-again'), user, { ...context, clients: changedClients });
    assert.equal(decision.kind, 'consent');
  });

  it('sends a deny back as access_denied with state and iss at once, even to a self-registered client (the page named its host)', async () => {
    const decision = await decideConsent(query('denying'), user, { allow: false, shown: undefined, ip: null }, context);
    assert.equal(decision.kind, 'redirect-with-error');
    assert.equal(decision.redirectUri, redirectUri);
    assert.deepEqual(decision.params, { error: 'access_denied', error_description: 'The user denied the request.', state: 'st-1', iss: issuer });
    assert.equal(await storage.consents.findConsent(user.id, 'denying'), undefined);
  });

  it('counts an allow only for what the page showed: another scope, or a missing digest, shows the page again and remembers nothing', async () => {
    const page = await decideAuthorization(query('stale', { scope: 'openid' }), user, context);
    assert.equal(page.kind, 'consent');
    for (const shown of [page.shown, undefined]) {
      const decision = await decideConsent(query('stale'), user, { allow: true, shown, ip: null }, context);
      assert.equal(decision.kind, 'consent');
      assert.equal(decision.request.scope, 'openid mcp:tools', 'the page as it is now');
    }
    assert.equal(await storage.consents.findConsent(user.id, 'stale'), undefined);
  });

  it('asks to sign in again when the user signed out while the consent page was open', async () => {
    const decision = await decideConsent(query('stale'), undefined, { allow: true, shown: 'x', ip: null }, context);
    assert.equal(decision.kind, 'sign-in');
  });

  it('refuses an answer for a request that is no longer valid the same way as the request itself', async () => {
    const gone = await decideConsent(query('deleted-meanwhile'), user, { allow: true, shown: 'x', ip: null }, context);
    assert.equal(gone.kind, 'error-page');
    const broken = await decideConsent(query('open', { response_type: 'token' }), user, { allow: false, shown: undefined, ip: null }, context);
    assert.equal(broken.kind, 'link-with-error');
  });
});
