import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, exportPKCS8, generateKeyPair, type JWK } from 'jose';
import { parseIdentityProviders } from '../../src/config/identity.js';
import { createUpstreamClients, type UpstreamClientsOptions } from '../../src/identity/create-upstream-clients.js';
import { UpstreamSignInError, type UpstreamClient, type UpstreamFailureReason } from '../../src/identity/upstream-client.js';
import { startUpstreamOidc, type UpstreamOidc } from '../support/upstream-oidc.js';

const redirectUri = 'http://127.0.0.1:1/signin/callback/corp';
const accounts = [
  { sub: 'alice', email: 'alice@example.com', email_verified: true, name: 'Alice Liddell', preferred_username: 'alice', groups: ['staff', 'ops'] },
  { sub: 'bob', email: 'bob@example.com', email_verified: false, name: 'Bob' },
];

let upstream: UpstreamOidc;
let idTokenUpstream: UpstreamOidc;
let ecPem: string;
let rsaJwk: JWK;
let strangerPem: string;

before(async () => {
  const ec = await generateKeyPair('ES256', { extractable: true });
  const rsa = await generateKeyPair('RS256', { extractable: true });
  ecPem = await exportPKCS8(ec.privateKey);
  rsaJwk = { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1' };
  strangerPem = await exportPKCS8((await generateKeyPair('ES256', { extractable: true })).privateKey);
  const keyedJwks = { keys: [{ ...(await exportJWK(ec.publicKey)), kid: 'ec-1' }, { ...(await exportJWK(rsa.publicKey)), kid: 'rsa-1' }] };
  upstream = await startUpstreamOidc({
    accounts,
    clients: [
      { client_id: 'latchkey', client_secret: 'latchkey-secret', redirect_uris: [redirectUri] },
      { client_id: 'other-app', client_secret: 'other-secret', redirect_uris: [redirectUri] },
      { client_id: 'poster', client_secret: 'poster-secret', token_endpoint_auth_method: 'client_secret_post', redirect_uris: [redirectUri] },
      { client_id: 'keyed', token_endpoint_auth_method: 'private_key_jwt', jwks: keyedJwks, redirect_uris: [redirectUri] },
    ],
  });
  idTokenUpstream = await startUpstreamOidc({ accounts, claimsInIdToken: true, clients: [{ client_id: 'latchkey', client_secret: 'latchkey-secret', redirect_uris: [redirectUri] }] });
});
after(async () => {
  await upstream.close();
  await idTokenUpstream.close();
});

/** A client for the test provider (or `issuer`), as the configuration would build it. */
function client(entry: Record<string, unknown> = {}, options: UpstreamClientsOptions = {}): UpstreamClient {
  const [provider] = parseIdentityProviders([{ id: 'corp', name: 'Corp', issuer: upstream.issuer, clientId: 'latchkey', clientSecret: 'latchkey-secret', ...entry }]);
  return createUpstreamClients([provider!], options).get('corp')!;
}

/** Asserts that `run` rejects with an UpstreamSignInError for `reason`, whose message matches `message`. */
async function fails(run: Promise<unknown>, reason: UpstreamFailureReason, message?: RegExp): Promise<UpstreamSignInError> {
  let caught: unknown;
  try {
    await run;
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof UpstreamSignInError, `expected an UpstreamSignInError, got ${String(caught)}`);
  assert.equal(caught.reason, reason, caught.message);
  if (message) assert.match(caught.message, message);
  return caught;
}

/** A fetch that records every URL asked for and the bodies of the answers (to find tokens in them). */
function recordingFetch(): { fetch: typeof fetch; urls: string[]; bodies: string[] } {
  const urls: string[] = [];
  const bodies: string[] = [];
  return {
    urls,
    bodies,
    fetch: async (input, init) => {
      urls.push(String(input));
      const response = await fetch(input, init);
      bodies.push(await response.clone().text());
      return response;
    },
  };
}

describe('OpenID Connect client against node-oidc-provider', () => {
  it('signs in: PKCE S256, state and nonce sent; the profile from the verified ID token and userinfo; no token in it', async () => {
    const http = recordingFetch();
    const corp = client({}, { fetch: http.fetch });
    const { url, roundTrip } = await corp.begin(redirectUri);
    assert.equal(url.origin + url.pathname, `${upstream.issuer}/auth`);
    assert.equal(url.searchParams.get('code_challenge_method'), 'S256');
    assert.equal(url.searchParams.get('state'), roundTrip.state);
    assert.equal(url.searchParams.get('nonce'), roundTrip.nonce);
    assert.equal(url.searchParams.get('scope'), 'openid email profile');
    assert.equal(url.searchParams.get('redirect_uri'), redirectUri);

    const profile = await corp.complete(await upstream.signIn(url, 'alice'), redirectUri, roundTrip);
    assert.equal(profile.provider, 'corp');
    assert.equal(profile.subject, 'alice');
    assert.equal(profile.email, 'alice@example.com');
    assert.equal(profile.emailVerified, true);
    assert.equal(profile.name, 'Alice Liddell');
    assert.equal(profile.username, 'alice');
    assert.deepEqual(profile.groups, ['staff', 'ops']);
    assert.equal(profile.claims['iss'], upstream.issuer);
    assert.equal(profile.claims['aud'], 'latchkey');

    // The claims came from userinfo (oidc-provider keeps them out of the ID token in the code flow)...
    assert.ok(http.urls.some((u) => u === `${upstream.issuer}/me`), http.urls.join(' '));
    // ...and nothing of the provider's tokens is in what complete() returned.
    const tokenResponse = JSON.parse(http.bodies[http.urls.indexOf(`${upstream.issuer}/token`)]!) as Record<string, string>;
    const returned = JSON.stringify(profile);
    for (const member of ['access_token', 'id_token']) {
      assert.ok(tokenResponse[member], member);
      assert.ok(!returned.includes(tokenResponse[member]!), `${member} leaked into the profile`);
    }
  });

  it('reads the claims from the ID token without a userinfo call when the email claim is in it', async () => {
    const http = recordingFetch();
    const corp = client({ issuer: idTokenUpstream.issuer }, { fetch: http.fetch });
    const { url, roundTrip } = await corp.begin(redirectUri);
    const profile = await corp.complete(await idTokenUpstream.signIn(url, 'alice'), redirectUri, roundTrip);
    assert.equal(profile.email, 'alice@example.com');
    assert.deepEqual(profile.groups, ['staff', 'ops']);
    assert.ok(!http.urls.some((u) => u.endsWith('/me')), http.urls.join(' '));
  });

  it('reports an email the provider has not verified as unverified', async () => {
    const corp = client();
    const { url, roundTrip } = await corp.begin(redirectUri);
    const profile = await corp.complete(await upstream.signIn(url, 'bob'), redirectUri, roundTrip);
    assert.equal(profile.subject, 'bob');
    assert.equal(profile.email, 'bob@example.com');
    assert.equal(profile.emailVerified, false);
    assert.equal(profile.username, null);
    assert.deepEqual(profile.groups, []);
  });

  it('refuses an ID token whose nonce is not the round trip\'s (invalid_id_token)', async () => {
    const corp = client();
    const { url, roundTrip } = await corp.begin(redirectUri);
    const callback = await upstream.signIn(url, 'alice');
    await fails(corp.complete(callback, redirectUri, { ...roundTrip, nonce: 'another-nonce' }), 'invalid_id_token', /"nonce"/);
  });

  it('refuses a callback for another round trip, or without state (state_mismatch), before redeeming its code', async () => {
    const corp = client();
    const first = await corp.begin(redirectUri);
    const second = await corp.begin(redirectUri);
    const callback = await upstream.signIn(first.url, 'alice');
    await fails(corp.complete(callback, redirectUri, second.roundTrip), 'state_mismatch', /was not started here/);
    const stateless = new URL(callback);
    stateless.searchParams.delete('state');
    await fails(corp.complete(stateless, redirectUri, first.roundTrip), 'state_mismatch');
    // The code was not spent by the refused attempts.
    assert.equal((await corp.complete(callback, redirectUri, first.roundTrip)).subject, 'alice');
  });

  it('refuses a replayed callback: its code is redeemed once (token_exchange_failed, the provider\'s invalid_grant)', async () => {
    const corp = client();
    const { url, roundTrip } = await corp.begin(redirectUri);
    const callback = await upstream.signIn(url, 'alice');
    await corp.complete(callback, redirectUri, roundTrip);
    await fails(corp.complete(callback, redirectUri, roundTrip), 'token_exchange_failed', /invalid_grant/);
  });

  it('refuses an ID token issued to another client of the same provider (invalid_id_token, aud)', async () => {
    // A token response whose ID token was swapped for one the provider issued to another client (same keys, same
    // nonce), as a compromised proxy could: only `aud` tells them apart.
    let stolen: string | undefined;
    let substitute = false;
    const swapping: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/token')) return response;
      const body = (await response.json()) as Record<string, unknown>;
      if (substitute) body['id_token'] = stolen;
      else stolen = body['id_token'] as string;
      return new Response(JSON.stringify(body), { status: response.status, headers: response.headers });
    };
    const corp = client({}, { fetch: swapping });
    const other = client({ clientId: 'other-app', clientSecret: 'other-secret' }, { fetch: swapping });
    const mine = await corp.begin(redirectUri);
    const theirs = await other.begin(redirectUri);
    theirs.url.searchParams.set('nonce', mine.roundTrip.nonce!);
    const theirProfile = await other.complete(await upstream.signIn(theirs.url, 'alice'), redirectUri, { ...theirs.roundTrip, nonce: mine.roundTrip.nonce });
    assert.equal(theirProfile.claims['aud'], 'other-app');
    assert.ok(stolen);

    substitute = true;
    const error = await fails(corp.complete(await upstream.signIn(mine.url, 'alice'), redirectUri, mine.roundTrip), 'invalid_id_token', /"aud"/);
    assert.ok(!error.message.includes(stolen) && !(error.detail ?? '').includes(stolen), 'the ID token is not in the error');
  });

  it('verifies the ID token\'s signature against the provider\'s JWKS (a changed payload is invalid_id_token)', async () => {
    const tampering: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/token')) return response;
      const body = (await response.json()) as Record<string, string>;
      const [header, payload, signature] = body['id_token']!.split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString()) as Record<string, unknown>;
      const forged = Buffer.from(JSON.stringify({ ...claims, sub: 'bob' })).toString('base64url');
      return Response.json({ ...body, id_token: `${header}.${forged}.${signature}` });
    };
    const corp = client({}, { fetch: tampering });
    const { url, roundTrip } = await corp.begin(redirectUri);
    await fails(corp.complete(await upstream.signIn(url, 'alice'), redirectUri, roundTrip), 'invalid_id_token');
  });

  it('reports a person who cancels at the provider as access_denied', async () => {
    const corp = client();
    const { url, roundTrip } = await corp.begin(redirectUri);
    const callback = await upstream.signIn(url, 'alice', { decline: true });
    assert.equal(callback.searchParams.get('error'), 'access_denied');
    await fails(corp.complete(callback, redirectUri, roundTrip), 'access_denied', /Corp was cancelled or refused \(access_denied: End-User aborted interaction\)/);
  });

  it('reports another error in the callback as upstream_error, its description as plain text', async () => {
    const corp = client();
    const { roundTrip } = await corp.begin(redirectUri);
    const callback = new URL(redirectUri);
    callback.searchParams.set('error', 'temporarily_unavailable');
    callback.searchParams.set('error_description', '<script>alert(1)</script> down "for" maintenance\n');
    callback.searchParams.set('state', roundTrip.state);
    callback.searchParams.set('iss', upstream.issuer);
    const error = await fails(corp.complete(callback, redirectUri, roundTrip), 'upstream_error', /temporarily_unavailable: <script>alert\(1\)<\/script> down for maintenance/);
    assert.ok(!error.message.includes('\n') && !error.message.includes('"'));
  });

  it('refuses a callback whose iss is another issuer, or lacks the iss the provider promises (RFC 9207, issuer_mismatch)', async () => {
    const corp = client();
    const { url, roundTrip } = await corp.begin(redirectUri);
    const callback = await upstream.signIn(url, 'alice');
    assert.equal(callback.searchParams.get('iss'), upstream.issuer);
    const forged = new URL(callback);
    forged.searchParams.set('iss', 'https://attacker.example');
    await fails(corp.complete(forged, redirectUri, roundTrip), 'issuer_mismatch');
    const missing = new URL(callback);
    missing.searchParams.delete('iss');
    await fails(corp.complete(missing, redirectUri, roundTrip), 'issuer_mismatch');
    // An error response from the wrong issuer is a mix-up too, not the person's refusal.
    const error = new URL(redirectUri);
    error.search = new URLSearchParams({ error: 'access_denied', state: roundTrip.state, iss: 'https://attacker.example' }).toString();
    await fails(corp.complete(error, redirectUri, roundTrip), 'issuer_mismatch');
  });

  it('authenticates with private_key_jwt: an EC key in a PKCS#8 PEM, an RSA key as a JWK', async () => {
    const files: Record<string, string> = { '/keys/ec.pem': ecPem, '/keys/rsa.json': JSON.stringify(rsaJwk), '/keys/stranger.pem': strangerPem };
    const readFile = (path: string): string => files[path] ?? assert.fail(`no file ${path}`);
    for (const privateKeyJwt of [{ keyFile: '/keys/ec.pem', kid: 'ec-1' }, { keyFile: '/keys/rsa.json' }]) {
      const keyed = client({ clientId: 'keyed', clientSecret: undefined, privateKeyJwt }, { readFile });
      const { url, roundTrip } = await keyed.begin(redirectUri);
      const profile = await keyed.complete(await upstream.signIn(url, 'alice'), redirectUri, roundTrip);
      assert.equal(profile.subject, 'alice', privateKeyJwt.keyFile);
    }
    const stranger = client({ clientId: 'keyed', clientSecret: undefined, privateKeyJwt: { keyFile: '/keys/stranger.pem' } }, { readFile });
    const { url, roundTrip } = await stranger.begin(redirectUri);
    await fails(stranger.complete(await upstream.signIn(url, 'alice'), redirectUri, roundTrip), 'token_exchange_failed', /invalid_client/);
  });

  it('sends the secret in the body (client_secret_post) only when the provider lists only that method', async () => {
    const sent: { authorization: string | null; body: URLSearchParams }[] = [];
    const recording = (methods: string[] | undefined): typeof fetch => async (input, init) => {
      if (String(input).endsWith('/token')) sent.push({ authorization: new Headers(init?.headers).get('authorization'), body: new URLSearchParams(String(init?.body)) });
      const response = await fetch(input, init);
      if (!String(input).endsWith('/.well-known/openid-configuration')) return response;
      return Response.json({ ...((await response.json()) as object), token_endpoint_auth_methods_supported: methods });
    };
    for (const methods of [['client_secret_post'], ['client_secret_post', 'client_secret_basic'], undefined]) {
      const poster = client({ clientId: 'poster', clientSecret: 'poster-secret' }, { fetch: recording(methods) });
      const { url, roundTrip } = await poster.begin(redirectUri);
      assert.equal((await poster.complete(await upstream.signIn(url, 'alice'), redirectUri, roundTrip)).subject, 'alice');
    }
    assert.deepEqual(
      sent.map(({ authorization, body }) => [authorization?.split(' ')[0] ?? null, body.get('client_secret')]),
      [[null, 'poster-secret'], ['Basic', null], ['Basic', null]],
    );
  });

  it('refuses at construction a key file that is not a private key, naming the file', () => {
    assert.throws(
      () => client({ clientSecret: undefined, privateKeyJwt: { keyFile: '/keys/public.json' } }, { readFile: () => JSON.stringify({ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }) }),
      /\/keys\/public\.json is not a usable private key/,
    );
    assert.throws(() => client({ clientSecret: undefined, clientSecretFile: '/run/missing' }, { readFile: () => assert.fail('ENOENT') }), /cannot read the client secret file \/run\/missing/);
  });

  it('reads the client secret from its file, a trailing newline dropped; a wrong secret is token_exchange_failed without the secret in the message', async () => {
    const fromFile = client({ clientSecret: undefined, clientSecretFile: '/run/secret' }, { readFile: () => 'latchkey-secret\n' });
    let trip = await fromFile.begin(redirectUri);
    assert.equal((await fromFile.complete(await upstream.signIn(trip.url, 'alice'), redirectUri, trip.roundTrip)).subject, 'alice');

    const wrong = client({ clientSecret: 'not-the-secret' });
    trip = await wrong.begin(redirectUri);
    const error = await fails(wrong.complete(await upstream.signIn(trip.url, 'alice'), redirectUri, trip.roundTrip), 'token_exchange_failed', /invalid_client/);
    assert.ok(!error.message.includes('not-the-secret') && !(error.detail ?? '').includes('not-the-secret'));
  });
});

describe('reaching the provider', () => {
  let silent: Server;
  let silentIssuer: string;
  before(async () => {
    // Accepts connections and never answers.
    silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    silentIssuer = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
  });
  after(async () => {
    silent.closeAllConnections();
    await new Promise<void>((resolve) => silent.close(() => resolve()));
  });

  it('is unreachable when the provider does not answer in time', async () => {
    const started = Date.now();
    await fails(client({ issuer: silentIssuer }, { timeoutMs: 150 }).begin(redirectUri), 'unreachable', /could not be reached/);
    assert.ok(Date.now() - started < 5000);
  });

  it('is unreachable when nothing listens', async () => {
    await fails(client({ issuer: 'http://127.0.0.1:1' }).begin(redirectUri), 'unreachable');
  });

  it('refuses a response larger than the cap', async () => {
    const error = await fails(client({}, { maxResponseBytes: 100 }).begin(redirectUri), 'unreachable');
    assert.match(error.detail ?? '', /larger than 100 bytes/);
  });

  it('retries a failed discovery at once, does not cache a failure, and caches a success', async () => {
    let failuresLeft = 0;
    let discoveries = 0;
    const flaky: typeof fetch = async (input, init) => {
      if (String(input).endsWith('/.well-known/openid-configuration')) {
        discoveries++;
        if (failuresLeft-- > 0) throw new TypeError('fetch failed');
      }
      return fetch(input, init);
    };
    const corp = client({}, { fetch: flaky });
    failuresLeft = 2;
    await fails(corp.begin(redirectUri), 'unreachable');
    assert.equal(discoveries, 2, 'one retry');
    failuresLeft = 1;
    await corp.begin(redirectUri);
    assert.equal(discoveries, 4, 'the failure was not cached, and the retry succeeded');
    await corp.begin(redirectUri);
    assert.equal(discoveries, 4, 'the metadata is cached');
  });

  it('refuses a provider whose discovery names another issuer, or has none', async () => {
    const impostor: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (!String(input).endsWith('/.well-known/openid-configuration')) return response;
      const metadata = (await response.json()) as Record<string, unknown>;
      return Response.json({ ...metadata, issuer: 'https://attacker.example' });
    };
    await fails(client({}, { fetch: impostor }).begin(redirectUri), 'upstream_error', /discovery document/);
    await fails(client({ issuer: `${upstream.issuer}/elsewhere` }).begin(redirectUri), 'upstream_error', /discovery document/);
  });
});
