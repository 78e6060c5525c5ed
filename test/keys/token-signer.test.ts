import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { decodeProtectedHeader, jwtVerify } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { createKeyManager } from '../../src/keys/key-manager.js';
import { createTokenSigner, derToRaw } from '../../src/keys/token-signer.js';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
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

  it('turns DER ECDSA signatures into R || S that verify, over thousands of signatures (short and sign-padded integers included)', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    for (let i = 0; i < 3000; i++) {
      const data = Buffer.from(`message ${i}`);
      const der = sign('sha256', data, privateKey);
      const raw = derToRaw(der, 32);
      assert.equal(raw.length, 64);
      assert.ok(verify('sha256', data, { key: publicKey, dsaEncoding: 'ieee-p1363' }, raw), `signature ${i}`);
    }
    // About one signature in 128 has an R or S below 2^248 (a short INTEGER): 3,000 include some.
    // Made by hand: R = 1 (one byte), S with its sign byte (33 bytes).
    const s = Buffer.alloc(32, 0xff);
    const der = Buffer.concat([Buffer.from([0x30, 3 + 2 + 33, 0x02, 1, 1, 0x02, 33, 0]), s]);
    assert.deepEqual(derToRaw(der, 32), Buffer.concat([Buffer.alloc(31), Buffer.from([1]), s]));
    assert.throws(() => derToRaw(Buffer.from([0x30, 3, 0x04, 1, 1]), 32), /not a DER ECDSA signature/);
  });
});
