import assert from 'node:assert/strict';
import { before, beforeEach, describe, it } from 'node:test';
import { decodeJwt, exportJWK, exportPKCS8, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose';
import { parseIdentityProviders } from '../../src/config/identity.js';
import { createUpstreamClients } from '../../src/identity/create-upstream-clients.js';
import { UpstreamSignInError, type UpstreamClient, type UpstreamFailureReason } from '../../src/identity/upstream-client.js';

/**
 * Entra ID's multi-tenant endpoint (`common`), answered in-process through the `fetch` option: Microsoft cannot be
 * reached from test machines, and no local provider issues per-tenant `iss` values. The answers have the shapes
 * Microsoft documents: discovery names `https://login.microsoftonline.com/{tenantid}/v2.0`, and each ID token
 * carries its tenant's issuer and `tid`.
 */
const base = 'https://login.microsoftonline.com';
const template = `${base}/{tenantid}/v2.0`;
const contoso = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const fabrikam = '3a0e0a4e-6b5c-4f1c-9d2b-1f0e5c7a8b9d';
const redirectUri = 'https://latchkey.example.com/signin/callback/entra';

let signingKey: CryptoKey;
let publicJwk: JWK;
let clientPem: string;
let discoveryIssuer: string;
/** The claims of the next ID token, given the nonce of the request; the test sets it. */
let idTokenClaims: (nonce: string) => Record<string, unknown>;
let lastNonce: string;
let tokenRequests: URLSearchParams[];

const microsoft: typeof fetch = async (input, init) => {
  const url = String(input);
  if (url === `${base}/common/v2.0/.well-known/openid-configuration`) {
    return Response.json({
      issuer: discoveryIssuer,
      authorization_endpoint: `${base}/common/oauth2/v2.0/authorize`,
      token_endpoint: `${base}/common/oauth2/v2.0/token`,
      jwks_uri: `${base}/common/discovery/v2.0/keys`,
      userinfo_endpoint: 'https://graph.microsoft.com/oidc/userinfo',
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      id_token_signing_alg_values_supported: ['RS256'],
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
    });
  }
  if (url === `${base}/common/discovery/v2.0/keys`) return Response.json({ keys: [publicJwk] });
  if (url === `${base}/common/oauth2/v2.0/token`) {
    tokenRequests.push(new URLSearchParams(String(init?.body)));
    const idToken = await new SignJWT({ ...idTokenClaims(lastNonce) })
      .setProtectedHeader({ alg: 'RS256', kid: 'entra-key', typ: 'JWT' })
      .setIssuedAt()
      .setExpirationTime('1h')
      .sign(signingKey);
    return Response.json({ token_type: 'Bearer', scope: 'openid email profile', expires_in: 3600, access_token: 'eyJ0eXAi.graph.token', id_token: idToken });
  }
  return new Response('not found', { status: 404 });
};

/** A tenant's ID token for Ada, as Entra ID issues it. */
function tenantToken(tid: string | undefined, overrides: Record<string, unknown> = {}): (nonce: string) => Record<string, unknown> {
  return (nonce) => ({
    iss: `${base}/${tid}/v2.0`,
    aud: 'entra-app',
    sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
    oid: '00000000-0000-0000-66f3-3332eca7ea81',
    ...(tid === undefined ? {} : { tid }),
    nonce,
    email: 'ada@contoso.com',
    xms_edov: true,
    name: 'Ada Lovelace',
    preferred_username: 'ada@contoso.com',
    ...overrides,
  });
}

before(async () => {
  const keys = await generateKeyPair('RS256', { extractable: true });
  signingKey = keys.privateKey;
  publicJwk = { ...(await exportJWK(keys.publicKey)), kid: 'entra-key', use: 'sig' };
  clientPem = await exportPKCS8((await generateKeyPair('RS256', { extractable: true })).privateKey);
});
beforeEach(() => {
  discoveryIssuer = template;
  tokenRequests = [];
  idTokenClaims = tenantToken(contoso);
});

function client(credential: Record<string, unknown> = { clientSecret: 'entra-secret' }): UpstreamClient {
  const [provider] = parseIdentityProviders([{ preset: 'entra', tenant: 'common', clientId: 'entra-app', ...credential }]);
  return createUpstreamClients([provider!], { fetch: microsoft, readFile: () => clientPem }).get('entra')!;
}

/** Begins, and returns the callback Entra ID would send back (with `extra` parameters). */
async function callback(entra: UpstreamClient, extra: Record<string, string> = {}): Promise<{ url: URL; roundTrip: Parameters<UpstreamClient['complete']>[2] }> {
  const { url: authorize, roundTrip } = await entra.begin(redirectUri);
  assert.equal(authorize.origin + authorize.pathname, `${base}/common/oauth2/v2.0/authorize`);
  lastNonce = authorize.searchParams.get('nonce')!;
  const url = new URL(redirectUri);
  url.search = new URLSearchParams({ code: '1.AXkAv4j5cvGGr0GRqy180BHbR', state: roundTrip.state, ...extra }).toString();
  return { url, roundTrip };
}

async function fails(run: Promise<unknown>, reason: UpstreamFailureReason, message?: RegExp): Promise<void> {
  const error = await run.then(
    () => assert.fail('expected a failure'),
    (e: unknown) => e,
  );
  assert.ok(error instanceof UpstreamSignInError, `expected an UpstreamSignInError, got ${String(error)}`);
  assert.equal(error.reason, reason, error.message);
  if (message) assert.match(error.message, message);
}

describe('Entra ID for any tenant (tenant "common")', () => {
  it('accepts an ID token whose iss is the template filled with its own tid; xms_edov verifies the email', async () => {
    const entra = client();
    const { url, roundTrip } = await callback(entra);
    const profile = await entra.complete(url, redirectUri, roundTrip);
    assert.equal(profile.claims['iss'], `${base}/${contoso}/v2.0`);
    assert.equal(profile.email, 'ada@contoso.com');
    assert.equal(profile.emailVerified, true);
    assert.equal(profile.username, 'ada@contoso.com');
    // client_secret_basic is listed, so it is used.
    assert.equal(tokenRequests[0]!.get('client_secret'), null);
  });

  it('refuses an ID token whose iss names another tenant than its tid', async () => {
    idTokenClaims = tenantToken(contoso, { iss: `${base}/${fabrikam}/v2.0` });
    const entra = client();
    const { url, roundTrip } = await callback(entra);
    await fails(entra.complete(url, redirectUri, roundTrip), 'invalid_id_token', /"iss"/);
  });

  it('refuses an ID token without a tid, or whose iss is the template itself', async () => {
    for (const claims of [tenantToken(undefined, { iss: `${base}/${contoso}/v2.0` }), tenantToken(undefined, { iss: template }), tenantToken('not-a-guid')]) {
      idTokenClaims = claims;
      const entra = client();
      const { url, roundTrip } = await callback(entra);
      await fails(entra.complete(url, redirectUri, roundTrip), 'invalid_id_token', /"iss"/);
    }
  });

  it('holds an iss in the callback to the ID token\'s issuer', async () => {
    const entra = client();
    let trip = await callback(entra, { iss: `${base}/${contoso}/v2.0` });
    assert.equal((await entra.complete(trip.url, redirectUri, trip.roundTrip)).subject, 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ');
    trip = await callback(entra, { iss: `${base}/${fabrikam}/v2.0` });
    await fails(entra.complete(trip.url, redirectUri, trip.roundTrip), 'issuer_mismatch');
    trip = await callback(entra, { iss: 'https://login.example.com/x/v2.0' });
    await fails(entra.complete(trip.url, redirectUri, trip.roundTrip), 'issuer_mismatch');
  });

  it('accepts discovery naming one tenant (consumers) and refuses an unrelated issuer', async () => {
    discoveryIssuer = `${base}/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0`;
    idTokenClaims = tenantToken('9188040d-6c67-4c5b-b112-36a304b66dad');
    const entra = client();
    const trip = await callback(entra);
    assert.equal((await entra.complete(trip.url, redirectUri, trip.roundTrip)).emailVerified, true);
    discoveryIssuer = 'https://sts.example.com/';
    await fails(client().begin(redirectUri), 'upstream_error', /discovery/);
  });

  it('signs the private_key_jwt assertion for the token endpoint, which Entra ID requires as its aud', async () => {
    const entra = client({ privateKeyJwt: { keyFile: '/keys/entra.pem', kid: 'cert-thumbprint' } });
    const { url, roundTrip } = await callback(entra);
    await entra.complete(url, redirectUri, roundTrip);
    const assertion = decodeJwt(tokenRequests[0]!.get('client_assertion')!);
    assert.equal(assertion.aud, `${base}/common/oauth2/v2.0/token`);
    assert.equal(assertion.iss, 'entra-app');
    assert.equal(tokenRequests[0]!.get('client_assertion_type'), 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer');
  });

  it('treats an Entra email without xms_edov as unverified', async () => {
    idTokenClaims = tenantToken(contoso, { xms_edov: undefined });
    const entra = client();
    const { url, roundTrip } = await callback(entra);
    const profile = await entra.complete(url, redirectUri, roundTrip);
    assert.equal(profile.email, 'ada@contoso.com');
    assert.equal(profile.emailVerified, false);
  });
});
