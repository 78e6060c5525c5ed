import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { base64url, calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import { createDpopNonces, dpopNonceStepSeconds } from '../../../src/protocol/dpop/dpop-nonces.js';
import { accessTokenHash, singleDpopProof, verifyDpopProof, type DpopContext } from '../../../src/protocol/dpop/dpop-proof.js';
import { checkRefreshTokenBinding, refreshTokenBinding } from '../../../src/protocol/dpop/token-binding.js';
import type { Storage } from '../../../src/ports/storage.js';
import { sqliteKind } from '../../support/databases.js';
import { fixedClock } from '../../support/clock.js';
import { withFreshStorage } from '../../support/storage.js';

const url = 'https://as.example/token';
const clock = fixedClock(Date.UTC(2026, 0, 1));
const nowSeconds = () => Math.floor(clock.now() / 1000);

const es256 = await generateKeyPair('ES256', { extractable: true });
const es256Jwk = await exportJWK(es256.publicKey);
const es256Jkt = await calculateJwkThumbprint(es256Jwk);
const other = await generateKeyPair('ES256', { extractable: true });

let jtiCounter = 0;
/** A proof signed by `key`, with `jwk` in its header; claims and header overridable. */
async function proof(
  options: { claims?: Record<string, unknown>; header?: Record<string, unknown>; key?: typeof es256.privateKey; jwk?: JWK; alg?: string } = {},
): Promise<string> {
  const alg = options.alg ?? 'ES256';
  return new SignJWT({ jti: `jti-${++jtiCounter}`, htm: 'POST', htu: url, iat: nowSeconds(), ...options.claims })
    .setProtectedHeader({ typ: 'dpop+jwt', alg, jwk: options.jwk ?? es256Jwk, ...options.header })
    .sign(options.key ?? es256.privateKey);
}

/** The error code a verification rejects with. */
async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OAuthError, `an OAuthError, got ${String(error)}`);
    return error.code;
  }
  assert.fail('the proof was accepted');
}

describe('DPoP proofs (RFC 9449 §4.3)', () => {
  let storage: Storage;
  withFreshStorage(sqliteKind, (opened) => void (storage = opened));
  const context = (extra: Partial<DpopContext> = {}): DpopContext => ({ replays: storage.replays, clock, ...extra });

  it('accepts a proof for the request and answers the RFC 7638 thumbprint of its key', async () => {
    assert.deepEqual(await verifyDpopProof(await proof(), { method: 'POST', url }, context()), { jkt: es256Jkt });
  });

  it('compares htu without query and fragment, normalized (case of scheme and host, default port)', async () => {
    const htu = 'HTTPS://AS.example:443/token';
    assert.equal((await verifyDpopProof(await proof({ claims: { htu } }), { method: 'POST', url: `${url}?x=1#f` }, context())).jkt, es256Jkt);
  });

  it('refuses a jti used before (replay), per key', async () => {
    const once = await proof();
    await verifyDpopProof(once, { method: 'POST', url }, context());
    assert.equal(await refusal(verifyDpopProof(once, { method: 'POST', url }, context())), 'invalid_dpop_proof');
  });

  it('refuses another method, another URL, a stale or future iat (invalid_dpop_proof)', async () => {
    const cases = [
      await proof({ claims: { htm: 'GET' } }),
      await proof({ claims: { htu: 'https://as.example/other' } }),
      await proof({ claims: { htu: 'https://evil.example/token' } }),
      await proof({ claims: { iat: nowSeconds() - 120 } }),
      await proof({ claims: { iat: nowSeconds() + 120 } }),
      await proof({ claims: { iat: 'now' } }),
      await proof({ claims: { jti: '' } }),
      await proof({ claims: { jti: 'x'.repeat(300) } }),
    ];
    for (const p of cases) assert.equal(await refusal(verifyDpopProof(p, { method: 'POST', url }, context())), 'invalid_dpop_proof', p);
  });

  it('refuses a proof missing jti, htm, htu or iat', async () => {
    for (const claim of ['jti', 'htm', 'htu', 'iat']) {
      const p = await proof({ claims: { [claim]: undefined } });
      assert.equal(await refusal(verifyDpopProof(p, { method: 'POST', url }, context())), 'invalid_dpop_proof', claim);
    }
  });

  it('refuses a proof signed by a key other than its jwk', async () => {
    assert.equal(await refusal(verifyDpopProof(await proof({ key: other.privateKey }), { method: 'POST', url }, context())), 'invalid_dpop_proof');
  });

  it('refuses a private key in the jwk header', async () => {
    const privateJwk = await exportJWK(es256.privateKey);
    assert.equal(await refusal(verifyDpopProof(await proof({ jwk: privateJwk }), { method: 'POST', url }, context())), 'invalid_dpop_proof');
  });

  it('refuses alg none, HS256 (a MAC keyed by the header), a wrong typ and a missing jwk', async () => {
    const header = base64url.encode(JSON.stringify({ typ: 'dpop+jwt', alg: 'none', jwk: es256Jwk }));
    const body = base64url.encode(JSON.stringify({ jti: 'n', htm: 'POST', htu: url, iat: nowSeconds() }));
    const secret = new TextEncoder().encode('k'.repeat(32));
    const hs256 = await new SignJWT({ jti: 'h', htm: 'POST', htu: url, iat: nowSeconds() })
      .setProtectedHeader({ typ: 'dpop+jwt', alg: 'HS256', jwk: { kty: 'oct', k: base64url.encode(secret) } as JWK })
      .sign(secret);
    const cases = [`${header}.${body}.`, hs256, await proof({ header: { typ: 'JWT' } }), await proof({ header: { jwk: undefined } })];
    for (const p of cases) assert.equal(await refusal(verifyDpopProof(p, { method: 'POST', url }, context())), 'invalid_dpop_proof', p);
  });

  it('refuses garbage and oversized proofs with invalid_dpop_proof, never another error', async () => {
    for (const p of ['', 'garbage', 'a.b.c', '....', `${'x'.repeat(9000)}`, 'eyJhbGciOiJFUzI1NiJ9.e30.AAAA']) {
      assert.equal(await refusal(verifyDpopProof(p, { method: 'POST', url }, context())), 'invalid_dpop_proof', p);
    }
  });

  it('refuses a hostile key (off its curve, another curve than its alg, key_ops that forbid verifying) with invalid_dpop_proof, never a 500', async () => {
    const p384 = await generateKeyPair('ES384', { extractable: true });
    const cases = [
      // A point that is not on P-256.
      await proof({ jwk: { ...es256Jwk, x: 'AAAA' } }),
      // A P-384 key for ES256 (signed with a P-256 key: the key is refused before any signature is checked).
      await proof({ jwk: await exportJWK(p384.publicKey), key: other.privateKey }),
    ];
    for (const p of cases) assert.equal(await refusal(verifyDpopProof(p, { method: 'POST', url }, context())), 'invalid_dpop_proof', p);
    // Members beyond the thumbprint's change nothing: the key is the one the thumbprint names.
    const verified = await verifyDpopProof(await proof({ jwk: { ...es256Jwk, key_ops: ['sign'], use: 'enc' } }), { method: 'POST', url }, context());
    assert.deepEqual(verified, { jkt: es256Jkt });
  });

  it('keeps no key for another client: a failed proof carrying its public key, with key_ops that forbid verifying, locks nobody out', async () => {
    const victim = await generateKeyPair('ES256', { extractable: true });
    const victimJwk = await exportJWK(victim.publicKey);
    // The attacker knows the victim's public key, not its private one: a proof with a bad signature, whose header
    // names the victim's key with no usages.
    const poisoned = await proof({ jwk: { ...victimJwk, key_ops: [] }, key: other.privateKey });
    assert.equal(await refusal(verifyDpopProof(poisoned, { method: 'POST', url }, context())), 'invalid_dpop_proof');
    const unsigned = await proof({ jwk: { ...victimJwk, key_ops: ['encrypt'] }, key: other.privateKey });
    assert.equal(await refusal(verifyDpopProof(unsigned, { method: 'POST', url }, context())), 'invalid_dpop_proof');
    // The victim's own proofs are accepted, the first and the next (from the cache).
    for (let i = 0; i < 2; i++) {
      const verified = await verifyDpopProof(await proof({ jwk: victimJwk, key: victim.privateKey }), { method: 'POST', url }, context());
      assert.equal(verified.jkt, await calculateJwkThumbprint(victimJwk));
    }
  });

  it('checks ath against the access token presented', async () => {
    const token = 'the.access.token';
    const good = await proof({ claims: { ath: accessTokenHash(token) } });
    assert.equal((await verifyDpopProof(good, { method: 'POST', url, accessToken: token }, context())).jkt, es256Jkt);
    const wrong = await proof({ claims: { ath: accessTokenHash('another') } });
    assert.equal(await refusal(verifyDpopProof(wrong, { method: 'POST', url, accessToken: token }, context())), 'invalid_dpop_proof');
    const none = await proof();
    assert.equal(await refusal(verifyDpopProof(none, { method: 'POST', url, accessToken: token }, context())), 'invalid_dpop_proof');
  });

  it('asks for the nonce (use_dpop_nonce) without spending the jti, and accepts the current and previous one', async () => {
    const nonces = createDpopNonces('server secret');
    const withoutNonce = await proof({ claims: { jti: 'kept' } });
    assert.equal(await refusal(verifyDpopProof(withoutNonce, { method: 'POST', url }, context({ nonces }))), 'use_dpop_nonce');
    const stale = await proof({ claims: { nonce: nonces.current(clock.now() - 2 * dpopNonceStepSeconds * 1000) } });
    assert.equal(await refusal(verifyDpopProof(stale, { method: 'POST', url }, context({ nonces }))), 'use_dpop_nonce');
    const forged = await proof({ claims: { nonce: createDpopNonces('another secret').current(clock.now()) } });
    assert.equal(await refusal(verifyDpopProof(forged, { method: 'POST', url }, context({ nonces }))), 'use_dpop_nonce');
    const previous = await proof({ claims: { jti: 'kept', nonce: nonces.current(clock.now() - dpopNonceStepSeconds * 1000) } });
    assert.equal((await verifyDpopProof(previous, { method: 'POST', url }, context({ nonces }))).jkt, es256Jkt, 'the jti was not spent by the refusal');
  });

  it('takes exactly one DPoP header', () => {
    assert.equal(singleDpopProof(undefined), undefined);
    assert.equal(singleDpopProof('a.b.c'), 'a.b.c');
    assert.throws(() => singleDpopProof(['a.b.c', 'd.e.f']), (e: unknown) => e instanceof OAuthError && e.code === 'invalid_dpop_proof');
    assert.throws(() => singleDpopProof('a.b.c, d.e.f'), (e: unknown) => e instanceof OAuthError && e.code === 'invalid_dpop_proof');
  });
});

describe('DPoP refresh token binding (RFC 9449 §5)', () => {
  const client = (method: 'none' | 'client_secret_basic') => ({ metadata: { token_endpoint_auth_method: method } }) as Parameters<typeof refreshTokenBinding>[0];

  it('binds the refresh tokens of public clients only', () => {
    assert.equal(refreshTokenBinding(client('none'), { jkt: 'k' }), 'k');
    assert.equal(refreshTokenBinding(client('client_secret_basic'), { jkt: 'k' }), null);
    assert.equal(refreshTokenBinding(client('none'), undefined), null);
  });

  it('refuses the refresh of a bound grant without a proof or with another key (invalid_grant)', () => {
    checkRefreshTokenBinding({ dpopJkt: 'k' }, { jkt: 'k' });
    checkRefreshTokenBinding({ dpopJkt: null }, undefined);
    for (const proof of [undefined, { jkt: 'other' }]) {
      assert.throws(() => checkRefreshTokenBinding({ dpopJkt: 'k' }, proof), (e: unknown) => e instanceof OAuthError && e.code === 'invalid_grant');
    }
  });
});
