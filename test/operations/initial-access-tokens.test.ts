import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cliActor } from '../../src/operations/actor.js';
import { issueInitialAccessToken, listInitialAccessTokens, revokeInitialAccessToken, type InitialAccessTokenRequest } from '../../src/operations/initial-access-tokens.js';
import { authenticateInitialAccessToken } from '../../src/protocol/registration/initial-access-token.js';
import { digestSecret } from '../../src/protocol/secrets.js';
import { admin, operationFixture, refusal } from '../support/operations.js';

describe('operations: initial access tokens', () => {
  const fixture = operationFixture({ 'registration.policies': { partners: { allowScopes: ['mcp:tools'] } } });
  const ports = () => ({ initialAccessTokens: fixture.storage.initialAccessTokens, config: fixture.config, clock: fixture.clock, random: fixture.random, audit: fixture.audit });
  const request = (overrides: Partial<InitialAccessTokenRequest> = {}): InitialAccessTokenRequest => ({
    maxUses: null,
    expiresInSeconds: null,
    policy: null,
    description: null,
    ...overrides,
  });

  it('issues a token stored as its digest only, usable for registration, and records iat.created', async () => {
    const { token, record } = await issueInitialAccessToken(request({ maxUses: 2, expiresInSeconds: 3600, policy: 'partners', description: 'for Acme' }), ports(), admin);
    assert.equal(record.tokenDigest, digestSecret(token));
    assert.equal(record.expiresAt, fixture.clock.now() + 3_600_000);
    const [stored] = (await listInitialAccessTokens(ports())).filter((t) => t.id === record.id);
    assert.deepEqual(stored, record);
    assert.ok(!JSON.stringify(stored).includes(token), 'the secret is not stored');
    const authenticated = await authenticateInitialAccessToken(token, { store: fixture.storage.initialAccessTokens, config: fixture.config, clock: fixture.clock });
    assert.equal(authenticated?.record.id, record.id);

    const events = (await fixture.recorded('iat.created')).filter((event) => event.data['iat_id'] === record.id);
    assert.equal(events.length, 1);
    assert.deepEqual(
      { actor: events[0]!.actor, ip: events[0]!.ip, data: events[0]!.data },
      { actor: 'admin:root', ip: '192.0.2.1', data: { iat_id: record.id, policy: 'partners', max_uses: 2, expires_at: record.expiresAt } },
    );
    assert.ok(!JSON.stringify(events).includes(token), 'nor recorded');
  });

  it('refuses an unknown policy and a count below one (invalid_input), storing and recording nothing', async () => {
    const before = { tokens: (await listInitialAccessTokens(ports())).length, events: (await fixture.recorded('iat.created')).length };
    const policy = await refusal(issueInitialAccessToken(request({ policy: 'nope' }), ports(), cliActor), 'invalid_input');
    assert.equal(policy.message, 'There is no registration policy "nope" (known: partners)');
    const uses = await refusal(issueInitialAccessToken(request({ maxUses: 0 }), ports(), cliActor), 'invalid_input');
    assert.match(uses.message, /positive integer/);
    await refusal(issueInitialAccessToken(request({ maxUses: 1.5 }), ports(), cliActor), 'invalid_input');
    assert.equal((await listInitialAccessTokens(ports())).length, before.tokens);
    assert.equal((await fixture.recorded('iat.created')).length, before.events);
  });

  it('revokes a token (registration then refuses it) and records iat.revoked by the actor', async () => {
    const { token, record } = await issueInitialAccessToken(request(), ports(), cliActor);
    fixture.clock.advance(1000);
    await revokeInitialAccessToken(record.id, ports(), cliActor);
    const [stored] = (await listInitialAccessTokens(ports())).filter((t) => t.id === record.id);
    assert.equal(stored!.revokedAt, fixture.clock.now());
    await assert.rejects(
      authenticateInitialAccessToken(token, { store: fixture.storage.initialAccessTokens, config: fixture.config, clock: fixture.clock }),
      { code: 'invalid_token' },
    );
    const events = (await fixture.recorded('iat.revoked')).filter((event) => event.data['iat_id'] === record.id);
    assert.deepEqual(events.map((event) => [event.actor, event.ip, event.at]), [['cli', null, fixture.clock.now()]]);
  });

  it('refuses to revoke a token twice, or one that does not exist (not_found), and records nothing more', async () => {
    const { record } = await issueInitialAccessToken(request(), ports(), cliActor);
    await revokeInitialAccessToken(record.id, ports(), admin);
    const before = (await fixture.recorded('iat.revoked')).length;
    const again = await refusal(revokeInitialAccessToken(record.id, ports(), admin), 'not_found');
    assert.equal(again.message, `There is no live initial access token with id "${record.id}".`);
    await refusal(revokeInitialAccessToken('00000000-0000-4000-8000-ffffffffffff', ports(), admin), 'not_found');
    assert.equal((await fixture.recorded('iat.revoked')).length, before);
  });
});
