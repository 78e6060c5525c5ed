import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadConfig } from '../../../src/config/load.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import type { AuditEntry } from '../../../src/ports/audit-trail.js';
import { createClientAsOperator, type OperatorClientRequest } from '../../../src/protocol/registration/operator-client.js';
import { digestSecret } from '../../../src/protocol/secrets.js';
import { openStorage } from '../../../src/storage/open-storage.js';
import type { Storage } from '../../../src/ports/storage.js';
import { fixedClock } from '../../support/clock.js';

describe('createClientAsOperator', () => {
  let storage: Storage;
  const clock = fixedClock();
  let n = 0;
  const random = { token: (bytes: number) => `t${++n}`.padEnd(Math.ceil((bytes * 4) / 3), 'x'), uuid: () => `u-${++n}` };
  const events: AuditEntry[] = [];

  before(async () => {
    storage = await openStorage({ url: 'sqlite::memory:', sqliteSynchronous: 'full', poolSize: 1 });
    await storage.migrate();
  });
  after(() => storage.close());

  function create(request: Partial<OperatorClientRequest>, overrides: Record<string, unknown> = {}) {
    const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', ...overrides } });
    return createClientAsOperator(
      { client_name: 'Billing robot', ...request },
      { config, clients: storage.clients, clock, random, audit: { record: (e) => events.push(e) }, actor: 'cli', ip: '192.0.2.1' },
    );
  }

  async function refusal(promise: Promise<unknown>): Promise<OAuthError> {
    const error = await promise.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
    assert.ok(error instanceof OAuthError, String(error));
    return error;
  }

  it('creates a machine-only client without redirect URIs: source operator, no policy, secret as digest, no registration access token', async () => {
    events.length = 0;
    const { record, clientSecret } = await create({ grant_types: ['client_credentials'], scope: 'mcp:tools' });
    const stored = await storage.clients.findClient(record.clientId);
    assert.ok(stored);
    assert.equal(stored.registrationSource, 'operator');
    assert.equal(stored.policy, null);
    assert.equal(stored.registrationAccessTokenDigest, null);
    assert.equal(stored.clientSecretDigest, digestSecret(clientSecret));
    assert.ok(!JSON.stringify(stored).includes(clientSecret), 'the secret itself is not stored');
    assert.deepEqual(stored.metadata.grant_types, ['client_credentials']);
    assert.deepEqual(stored.metadata.redirect_uris, []);
    assert.deepEqual(stored.metadata.response_types, []);
    assert.equal(stored.metadata.token_endpoint_auth_method, 'client_secret_basic', 'the default method');
    assert.equal(stored.metadata.scope, 'mcp:tools');
    assert.equal(stored.lookAlikeOf, null);

    assert.equal(events.length, 1);
    const [event] = events;
    assert.equal(event!.type, 'client.registered');
    assert.equal(event!.actor, 'cli');
    assert.equal(event!.ip, '192.0.2.1');
    assert.equal(event!.clientId, record.clientId);
    assert.equal(event!.data?.['source'], 'operator');
    assert.equal(event!.data?.['client_name'], 'Billing robot');
    assert.ok(!JSON.stringify(events).includes(clientSecret), 'the audit trail never holds the secret');
  });

  it('creates a user-flow client with client_secret_post and the registration default scope', async () => {
    const { record } = await create({ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'client_secret_post' });
    assert.deepEqual(record.metadata.grant_types, ['authorization_code', 'refresh_token']);
    assert.equal(record.metadata.token_endpoint_auth_method, 'client_secret_post');
    assert.equal(record.metadata.scope, 'openid profile email');
  });

  it('keeps client_credentials even when the registration profile is public-only (the operator, not open registration, decides)', async () => {
    const { record } = await create({ grant_types: ['client_credentials'] }, { 'registration.profile': 'public-only' });
    assert.deepEqual(record.metadata.grant_types, ['client_credentials']);
    assert.equal(record.metadata.token_endpoint_auth_method, 'client_secret_basic');
  });

  it('refuses what a client with a secret cannot be, and bad metadata, with RFC 7591 errors', async () => {
    const cases: [string, Partial<OperatorClientRequest>, string, RegExp][] = [
      ['none with client_credentials', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }, 'invalid_client_metadata', /none is not supported/],
      ['none with authorization_code', { redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'none' }, 'invalid_client_metadata', /none is not supported/],
      ['authorization_code without redirect_uris', { grant_types: ['authorization_code'] }, 'invalid_redirect_uri', /redirect_uris is required/],
      ['no usable grant', { grant_types: ['refresh_token'] }, 'invalid_client_metadata', /grant_types must include/],
      ['the password grant', { grant_types: ['password', 'client_credentials'] }, 'invalid_client_metadata', /insecure password/],
      ['a redirect with a fragment', { redirect_uris: ['https://app.example/cb#x'] }, 'invalid_redirect_uri', /fragment/],
      ['an unknown scope', { grant_types: ['client_credentials'], scope: 'mcp:tools mcp:tolls' }, 'invalid_client_metadata', /scope mcp:tolls is not supported/],
      ['no name', { client_name: undefined as unknown as string, grant_types: ['client_credentials'] }, 'invalid_client_metadata', /client_name is required/],
      ['a blank name', { client_name: '  ', grant_types: ['client_credentials'] }, 'invalid_client_metadata', /client_name must not be blank/],
    ];
    const before = await storage.clients.countClients({});
    for (const [what, request, code, description] of cases) {
      const error = await refusal(create(request));
      assert.equal(error.code, code, what);
      assert.match(error.description, description, what);
    }
    assert.equal(await storage.clients.countClients({}), before, 'nothing was stored');
  });
});
