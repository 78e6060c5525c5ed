import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createKeyManager, type KeyManager } from '../../src/keys/key-manager.js';
import { cliActor } from '../../src/operations/actor.js';
import { listSigningKeys, rotateSigningKey } from '../../src/operations/keys.js';
import { admin, operationFixture } from '../support/operations.js';

describe('operations: signing keys', () => {
  const fixture = operationFixture();
  let keys: KeyManager;
  before(async () => {
    keys = createKeyManager({ store: fixture.storage.signingKeys, clock: fixture.clock, config: fixture.config.keys });
    await keys.ensureKey();
  });

  it('rotates: a new current key, the previous one retired until the grace period ends, and key.rotated recorded', async () => {
    const [first] = await listSigningKeys({ keys });
    assert.equal(first!.status, 'current');
    fixture.clock.advance(60_000);

    const { key, retired } = await rotateSigningKey({ keys, audit: fixture.audit }, admin);
    assert.notEqual(key.kid, first!.kid);
    assert.equal(key.createdAt, fixture.clock.now());
    assert.ok(!('privateJwk' in key), 'no key material in the result');
    assert.deepEqual(retired.map((info) => [info.kid, info.expiresAt]), [[first!.kid, fixture.clock.now() + fixture.config.keys.rotationGraceSeconds * 1000]]);
    assert.deepEqual((await listSigningKeys({ keys })).map((info) => [info.kid, info.status]), [[key.kid, 'current'], [first!.kid, 'retired']]);
    assert.equal((await keys.signingKey()).kid, key.kid, 'the new key signs');

    const events = await fixture.recorded('key.rotated');
    assert.deepEqual(events.map((event) => [event.actor, event.ip, event.data]), [['admin:root', '192.0.2.1', { kid: key.kid, alg: key.alg }]]);
  });

  it('names the CLI as actor `cli`', async () => {
    fixture.clock.advance(60_000);
    const { key } = await rotateSigningKey({ keys, audit: fixture.audit }, cliActor);
    const [event] = (await fixture.recorded('key.rotated')).filter((e) => e.data['kid'] === key.kid);
    assert.deepEqual([event!.actor, event!.ip], ['cli', null]);
  });
});
