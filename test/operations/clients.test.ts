import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OAuthError } from '../../src/errors/oauth-error.js';
import { cliActor, type Actor } from '../../src/operations/actor.js';
import { createClient, deleteClient, type OperatorClientRequest } from '../../src/operations/clients.js';
import { digestSecret } from '../../src/protocol/secrets.js';
import { loadConfig } from '../../src/config/load.js';
import { sampleClient } from '../storage/contract.js';
import { admin, operationFixture, refusal } from '../support/operations.js';

describe('operations: clients', () => {
  const fixture = operationFixture();

  function create(request: Partial<OperatorClientRequest>, overrides: Record<string, unknown> = {}, actor: Actor = admin) {
    const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', ...overrides } });
    const { storage, clock, random, audit } = fixture;
    return createClient({ client_name: 'Billing robot', ...request }, { config, clients: storage.clients, clock, random, audit }, actor);
  }

  describe('createClient', () => {
    it('creates a machine-only client without redirect URIs: source operator, no policy, secret as digest, no registration access token', async () => {
      const { record, clientSecret } = await create({ grant_types: ['client_credentials'], scope: 'mcp:tools' });
      const stored = await fixture.storage.clients.findClient(record.clientId);
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
      assert.equal(stored.clientIdIssuedAt, Math.floor(fixture.clock.now() / 1000));
    });

    it('records client.registered by the administrator, from their address, never with the secret', async () => {
      const { record, clientSecret } = await create({ grant_types: ['client_credentials'] });
      const events = (await fixture.recorded('client.registered')).filter((event) => event.clientId === record.clientId);
      assert.equal(events.length, 1);
      const [event] = events;
      assert.equal(event!.actor, 'admin:root');
      assert.equal(event!.ip, '192.0.2.1');
      assert.equal(event!.at, fixture.clock.now());
      assert.equal(event!.data['source'], 'operator');
      assert.equal(event!.data['client_name'], 'Billing robot');
      assert.equal(event!.data['token_endpoint_auth_method'], 'client_secret_basic');
      assert.ok(!JSON.stringify(event).includes(clientSecret), 'the audit trail never holds the secret');
    });

    it('names the CLI as actor `cli`, without an address', async () => {
      const { record } = await create({ grant_types: ['client_credentials'] }, {}, cliActor);
      const [event] = (await fixture.recorded('client.registered')).filter((e) => e.clientId === record.clientId);
      assert.deepEqual({ actor: event!.actor, ip: event!.ip }, { actor: 'cli', ip: null });
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

    it('refuses what a client with a secret cannot be, and bad metadata (invalid_input, the RFC 7591 error as cause), storing and recording nothing', async () => {
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
      const before = await fixture.storage.clients.countClients({});
      const eventsBefore = (await fixture.recorded('client.registered')).length;
      for (const [what, request, code, description] of cases) {
        const error = await refusal(create(request), 'invalid_input');
        assert.ok(error.cause instanceof OAuthError, what);
        assert.equal(error.cause.code, code, what);
        assert.match(error.message, description, what);
      }
      assert.equal(await fixture.storage.clients.countClients({}), before, 'nothing was stored');
      assert.equal((await fixture.recorded('client.registered')).length, eventsBefore, 'nothing was recorded');
    });
  });

  describe('deleteClient', () => {
    it('deletes a client with its grants and refresh tokens, and records client.deleted with its name and source', async () => {
      const { storage, audit } = fixture;
      const client = sampleClient({ registrationSource: 'iat' });
      await storage.clients.insertClient(client);
      await storage.users.createUser({ id: 'user-alice', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 0 });
      await storage.grants.createGrant(
        { id: 'grant-1', clientId: client.clientId, userId: 'user-alice', scope: 'mcp:tools', resource: null, authTime: 0, createdAt: 0, revokedAt: null },
        { tokenDigest: 'refresh-digest-1', grantId: 'grant-1', scope: 'mcp:tools', createdAt: 0, expiresAt: fixture.clock.now() + 86_400_000 },
        null,
      );

      const deleted = await deleteClient(client.clientId, { clients: storage.clients, audit }, admin);
      assert.equal(deleted.clientId, client.clientId);
      assert.equal(await storage.clients.findClient(client.clientId), undefined);
      assert.equal(await storage.grants.findGrant('grant-1'), undefined, 'the grant went with it');
      assert.equal(await storage.grants.findRefreshToken('refresh-digest-1'), undefined, 'and its refresh token');

      const events = (await fixture.recorded('client.deleted')).filter((event) => event.clientId === client.clientId);
      assert.equal(events.length, 1);
      assert.deepEqual(
        { actor: events[0]!.actor, ip: events[0]!.ip, data: events[0]!.data },
        { actor: 'admin:root', ip: '192.0.2.1', data: { client_name: client.metadata.client_name, source: 'iat' } },
      );
    });

    it('refuses an unknown client, or one deleted already (not_found), and records nothing', async () => {
      const { storage, audit } = fixture;
      const client = sampleClient();
      await storage.clients.insertClient(client);
      await deleteClient(client.clientId, { clients: storage.clients, audit }, cliActor);
      const before = (await fixture.recorded('client.deleted')).length;

      const again = await refusal(deleteClient(client.clientId, { clients: storage.clients, audit }, cliActor), 'not_found');
      assert.match(again.message, /There is no client with client_id/);
      await refusal(deleteClient('no-such-client', { clients: storage.clients, audit }, cliActor), 'not_found');
      assert.equal((await fixture.recorded('client.deleted')).length, before);
    });
  });
});
