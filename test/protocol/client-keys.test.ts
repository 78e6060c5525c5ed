import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type JWK } from 'jose';
import { loadConfig } from '../../src/config/load.js';
import { OAuthError } from '../../src/errors/oauth-error.js';
import type { ClientRecord } from '../../src/ports/clients.js';
import { DocumentFetchError, type DocumentFetcher } from '../../src/ports/document-fetcher.js';
import { verifyClientAssertion } from '../../src/protocol/client-assertion.js';
import { createClientKeyResolver, jwksCacheMs, minRefetchIntervalMs } from '../../src/protocol/client-keys.js';

const config = loadConfig({ env: {}, overrides: {} });
const issuer = 'https://as.example.com';
const jwksUri = 'https://client.example.com/jwks.json';

async function keyPair(kid?: string) {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk: JWK = { ...(await exportJWK(publicKey)), ...(kid ? { kid } : {}) };
  return { privateKey, jwk, privateJwk: await exportJWK(privateKey) };
}

function client(metadata: Partial<ClientRecord['metadata']>): ClientRecord {
  return {
    clientId: 'client-1',
    clientSecretDigest: null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 0,
    metadata: { redirect_uris: [], token_endpoint_auth_method: 'private_key_jwt', grant_types: ['client_credentials'], response_types: [], scope: '', application_type: 'web', ...metadata },
    registrationSource: 'operator',
    updatedAt: 0,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
}

/** A fetcher that answers `body()` and counts its calls, after `delayMs`. */
function countingFetcher(body: () => unknown, delayMs = 0): DocumentFetcher & { calls: number } {
  const fetcher = Object.assign(
    async () => {
      fetcher.calls += 1;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      return { body: JSON.stringify(body()), headers: {} };
    },
    { calls: 0 },
  );
  return fetcher;
}

/** A signed assertion for client-1 under `key`, with a fresh jti. */
function sign(privateKey: CryptoKeyLike, nowMs: number, kid?: string) {
  const now = Math.floor(nowMs / 1000);
  return new SignJWT({ iss: 'client-1', sub: 'client-1', aud: issuer, jti: `${Math.random()}`, exp: now + 60 })
    .setProtectedHeader({ alg: 'ES256', ...(kid ? { kid } : {}) })
    .sign(privateKey);
}
type CryptoKeyLike = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

const replays = { useOnce: async () => true };

describe('client keys for private_key_jwt (jwks, jwks_uri)', () => {
  it('fetches a jwks_uri once for concurrent lookups, keeps it for the cache time, then fetches again', async () => {
    const key = await keyPair('k1');
    let now = 1_000_000;
    const fetcher = countingFetcher(() => ({ keys: [key.jwk] }), 20);
    const resolver = createClientKeyResolver({ fetchDocument: fetcher, config, clock: { now: () => now } });
    const c = client({ jwks_uri: jwksUri });
    await Promise.all([resolver.keysFor(c), resolver.keysFor(c), resolver.keysFor(c)]);
    assert.equal(fetcher.calls, 1);
    now += jwksCacheMs - 1;
    await resolver.keysFor(c);
    assert.equal(fetcher.calls, 1, 'still cached');
    now += 1;
    await resolver.keysFor(c);
    assert.equal(fetcher.calls, 2, 'fetched again once the cache time is over');
  });

  it('fetches again for an unknown kid (key rotation), at most once per refetch interval', async () => {
    const old = await keyPair('old');
    const rotated = await keyPair('new');
    let published = [old.jwk];
    let now = 5_000_000;
    const fetcher = countingFetcher(() => ({ keys: published }));
    const resolver = createClientKeyResolver({ fetchDocument: fetcher, config, clock: { now: () => now } });
    const c = client({ jwks_uri: jwksUri });
    const context = () => ({ clientKeys: resolver, replays, issuer, endpointUrl: `${issuer}/token`, nowMs: now });
    await verifyClientAssertion(await sign(old.privateKey, now, 'old'), c, context());
    published = [old.jwk, rotated.jwk];
    // Within the refetch interval the cached set is kept: an unknown kid is refused without a fetch.
    await assert.rejects(verifyClientAssertion(await sign(rotated.privateKey, now, 'new'), c, context()), (e) => e instanceof OAuthError && e.code === 'invalid_client');
    assert.equal(fetcher.calls, 1);
    now += minRefetchIntervalMs;
    await verifyClientAssertion(await sign(rotated.privateKey, now, 'new'), c, context());
    assert.equal(fetcher.calls, 2);
  });

  it('ignores private and symmetric keys in a fetched set', async () => {
    const key = await keyPair();
    const fetcher = countingFetcher(() => ({ keys: [{ ...key.privateJwk }, { kty: 'oct', k: 'c2VjcmV0' }] }));
    const resolver = createClientKeyResolver({ fetchDocument: fetcher, config, clock: { now: () => 0 } });
    const nowMs = Date.now();
    await assert.rejects(
      verifyClientAssertion(await sign(key.privateKey, nowMs), client({ jwks_uri: jwksUri }), { clientKeys: resolver, replays, issuer, endpointUrl: `${issuer}/token`, nowMs }),
      (e) => e instanceof OAuthError && e.code === 'invalid_client' && /not signed by a key the client registered/.test(e.description),
    );
  });

  it('tries each key of a set whose keys have no kid', async () => {
    const [a, b] = [await keyPair(), await keyPair()];
    const resolver = createClientKeyResolver({ fetchDocument: countingFetcher(() => ({})), config, clock: { now: () => 0 } });
    const nowMs = Date.now();
    const c = client({ jwks: { keys: [a.jwk, b.jwk] as Record<string, unknown>[] } });
    await verifyClientAssertion(await sign(b.privateKey, nowMs), c, { clientKeys: resolver, replays, issuer, endpointUrl: `${issuer}/token`, nowMs });
    const stranger = await keyPair();
    await assert.rejects(
      verifyClientAssertion(await sign(stranger.privateKey, nowMs), c, { clientKeys: resolver, replays, issuer, endpointUrl: `${issuer}/token`, nowMs }),
      (e) => e instanceof OAuthError && e.code === 'invalid_client',
    );
  });

  it('turns a failed fetch, and a client without keys, into invalid_client that says why', async () => {
    const failing: DocumentFetcher = async () => {
      throw new DocumentFetchError('its host is a loopback, private, link-local or other special-use address');
    };
    const resolver = createClientKeyResolver({ fetchDocument: failing, config, clock: { now: () => 0 } });
    await assert.rejects(resolver.keysFor(client({ jwks_uri: jwksUri })), (e) => e instanceof OAuthError && e.code === 'invalid_client' && /could not be fetched/.test(e.description));
    await assert.rejects(resolver.keysFor(client({})), (e) => e instanceof OAuthError && e.code === 'invalid_client' && /registered no keys/.test(e.description));
  });
});
