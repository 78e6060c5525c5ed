import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { jwkThumbprint } from '../../../src/protocol/dpop/jwk-thumbprint.js';

describe('JWK thumbprints (RFC 7638)', () => {
  it('gives the thumbprint of the RFC 7638 example key', () => {
    // RFC 7638 §3.1: the RSA key and its SHA-256 thumbprint.
    const jwk = {
      kty: 'RSA',
      n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
      e: 'AQAB',
      alg: 'RS256',
      kid: '2011-04-29',
    };
    assert.equal(jwkThumbprint(jwk), 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs');
  });

  it('agrees with jose for EC, RSA and OKP keys, whatever else the JWK carries', async () => {
    for (const alg of ['ES256', 'ES384', 'ES512', 'RS256', 'PS256', 'EdDSA']) {
      const { publicKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = { ...(await exportJWK(publicKey)), alg, use: 'sig', kid: 'k1', ext: true };
      assert.equal(jwkThumbprint(jwk), await calculateJwkThumbprint(jwk, 'sha256'), alg);
    }
  });

  it('has none for a symmetric or unknown key type, or a required member missing, empty or not a string', () => {
    const ec = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
    assert.ok(jwkThumbprint(ec));
    assert.equal(jwkThumbprint({ kty: 'oct', k: 'c2VjcmV0' }), undefined);
    assert.equal(jwkThumbprint({ ...ec, kty: 'XYZ' }), undefined);
    assert.equal(jwkThumbprint({ ...ec, kty: 'constructor' }), undefined, 'an inherited name is no key type');
    assert.equal(jwkThumbprint({ ...ec, kty: 'toString' }), undefined);
    assert.equal(jwkThumbprint({ ...ec, y: undefined }), undefined);
    assert.equal(jwkThumbprint({ ...ec, x: '' }), undefined);
    assert.equal(jwkThumbprint({ ...ec, crv: 256 }), undefined);
    assert.equal(jwkThumbprint({ ...ec, x: { toString: () => 'f83O' } }), undefined);
    assert.equal(jwkThumbprint(Object.assign(Object.create({ y: ec.y }) as Record<string, unknown>, { kty: 'EC', crv: 'P-256', x: ec.x })), undefined, 'an inherited member');
  });

  it('agrees with jose on members holding quotes, backslashes and control characters, and refuses non-ASCII ones as jose does', async () => {
    for (const x of ['a"b', 'a\\b', 'a\nb\u0001\u007f', 'lone \ud800 surrogate (JSON escapes it)']) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x };
      assert.equal(jwkThumbprint(jwk), await calculateJwkThumbprint(jwk, 'sha256'), JSON.stringify(x));
    }
    for (const x of ['é', '✓𝄞']) {
      const jwk = { kty: 'OKP', crv: 'Ed25519', x };
      assert.equal(jwkThumbprint(jwk), undefined, JSON.stringify(x));
      await assert.rejects(calculateJwkThumbprint(jwk, 'sha256'), TypeError);
    }
  });

  it('differs when any required member differs, and not when an optional one does', () => {
    const ec = { kty: 'EC', crv: 'P-256', x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU', y: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' };
    const base = jwkThumbprint(ec);
    assert.equal(jwkThumbprint({ ...ec, kid: 'other', alg: 'ES256' }), base);
    assert.notEqual(jwkThumbprint({ ...ec, crv: 'P-384' }), base);
    assert.notEqual(jwkThumbprint({ ...ec, y: ec.x }), base);
  });
});
