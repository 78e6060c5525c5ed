import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { createKeyManager } from '../../src/keys/key-manager.js';
import { createTokenSigner } from '../../src/keys/token-signer.js';
import { openStorage } from '../../src/storage/open-storage.js';
import type { Storage } from '../../src/ports/storage.js';
import { fixedClock } from '../support/clock.js';

const opened: Storage[] = [];
after(async () => {
  for (const storage of opened) await storage.close();
});

async function signerFor(algorithm: string) {
  const config = loadConfig({ env: {}, overrides: { 'database.url': 'sqlite::memory:', 'keys.algorithm': algorithm } });
  const storage = await openStorage(config.database);
  opened.push(storage);
  await storage.migrate();
  const clock = fixedClock();
  const keys = createKeyManager({ store: storage.signingKeys, clock, config: config.keys });
  await keys.ensureKey();
  return { signer: createTokenSigner(keys), keys, clock };
}

describe('token signer (node:crypto on a KeyObject)', () => {
  for (const algorithm of ['ES256', 'RS256', 'EdDSA']) {
    it(`signs ${algorithm} JWTs that jose verifies with the published key, header and claims exact`, async () => {
      const { signer, keys, clock } = await signerFor(algorithm);
      const now = Math.floor(clock.now() / 1000);
      const claims = { iss: 'https://as.example.com', sub: 'ü-ser', aud: 'https://mcp.example.com', scope: 'mcp', iat: now, exp: now + 60, jti: 'j1' };
      const token = await signer.sign(claims, 'at+jwt');
      const { kid } = await keys.signingKey();
      assert.deepEqual(decodeProtectedHeader(token), { alg: algorithm, kid, typ: 'at+jwt' });
      const verified = await jwtVerify(token, keys.keyResolver, { typ: 'at+jwt', currentDate: new Date(clock.now()) });
      assert.deepEqual(verified.payload, claims);
      // An ID token gets its own typ, from the same key.
      const idToken = await signer.sign({ ...claims, aud: 'client-1' }, 'JWT');
      assert.equal(decodeProtectedHeader(idToken).typ, 'JWT');
      await jwtVerify(idToken, keys.keyResolver, { typ: 'JWT', currentDate: new Date(clock.now()) });
    });
  }

  it('makes signatures that fail verification once a byte of the payload changes', async () => {
    const { signer, keys, clock } = await signerFor('ES256');
    const token = await signer.sign({ sub: 'u1', exp: Math.floor(clock.now() / 1000) + 60 }, 'at+jwt');
    const [header, , signature] = token.split('.');
    const forged = `${header}.${Buffer.from(JSON.stringify({ sub: 'u2', exp: Math.floor(clock.now() / 1000) + 60 })).toString('base64url')}.${signature}`;
    await assert.rejects(jwtVerify(forged, keys.keyResolver, { currentDate: new Date(clock.now()) }), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
  });
});
