import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, UnsecuredJWT, type CryptoKey, type JWK } from 'jose';
import * as oauth from 'oauth4webapi';
import { cliActor } from '../../src/operations/actor.js';
import { issueInitialAccessToken } from '../../src/operations/initial-access-tokens.js';
import { noAudit } from '../../src/ports/audit-trail.js';
import { systemRandom } from '../../src/system.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { json, startDocumentServer, type DocumentServer } from '../support/document-server.js';
import { startListeningTestServer, type ListeningTestServer } from '../support/real-port.js';

/**
 * `private_key_jwt` client authentication (RFC 7523 §2.2, OpenID Connect Core §9) end to end: oauth4webapi's
 * `PrivateKeyJwt` against Latchkey on a real port, on each database, with keys registered inline (`jwks`) and
 * published at a `jwks_uri` on a real https server (self-signed, trusted through `cimdFetchOptions`; private
 * addresses allowed by `cimd.allowPrivateAddresses`). Then every way an assertion can be wrong, each answered
 * `invalid_client` (401), never a 500.
 */

const insecure = { [oauth.allowInsecureRequests]: true } as const;
const resource = 'https://mcp.example.com/mcp';
const redirectUri = 'http://127.0.0.1:1/callback';
const alice = { username: 'alice', password: 'correct horse battery' };
const assertionType = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** A key pair with its public JWK (with `kid` and `alg`), as a client would register it. */
async function keyPair(alg: 'ES256' | 'PS256' | 'RS256' = 'ES256') {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const kid = randomUUID();
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { privateKey, jwk, kid, alg, auth: (options?: oauth.ModifyAssertionOptions) => oauth.PrivateKeyJwt({ key: privateKey, kid }, options) };
}
type KeyPair = Awaited<ReturnType<typeof keyPair>>;

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('private_key_jwt client authentication (RFC 7523)', () => {
    let documents: DocumentServer;
    let server: ListeningTestServer;
    let as: oauth.AuthorizationServer;
    /** A machine client (client_credentials, introspection) registered with its keys inline, under a policy that vouches for it. */
    let machine: { client: oauth.Client; key: KeyPair };
    /** A client of the authorization code flow whose keys are at its jwks_uri. */
    let published: { client: oauth.Client; key: KeyPair };

    before(async () => {
      documents = await startDocumentServer();
      server = await startListeningTestServer({
        database: kind,
        cimdFetchOptions: { ca: documents.ca },
        overrides: {
          'cimd.allowPrivateAddresses': true,
          'cimd.timeoutMs': 1000,
          resources: [{ uri: resource, name: 'Tools', scopes: ['mcp:tools'], machineClients: true }],
          'registration.policies': { machines: { allowClientCredentials: true, allowIntrospection: true } },
        },
      });
      await createUser(server.storage.users, { ...alice, name: 'Alice' }, { now: Date.now(), newId: () => 'user-alice' });
      const issuer = new URL(server.issuer);
      as = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, { algorithm: 'oauth2', ...insecure }));

      const { token: initialAccessToken } = await issueInitialAccessToken(
        { maxUses: null, expiresInSeconds: null, policy: 'machines', description: null },
        { initialAccessTokens: server.storage.initialAccessTokens, config: server.config, clock: { now: () => Date.now() }, random: systemRandom, audit: noAudit },
        cliActor,
      );
      const machineKey = await keyPair('ES256');
      machine = {
        key: machineKey,
        client: await register(
          { client_name: 'Machine', grant_types: ['client_credentials'], scope: 'mcp:tools', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [machineKey.jwk] } },
          initialAccessToken,
        ),
      };
      const publishedKey = await keyPair('PS256');
      documents.route('/jwks.json', json({ keys: [publishedKey.jwk] }));
      published = {
        key: publishedKey,
        client: await register({
          client_name: 'Published keys',
          redirect_uris: [redirectUri],
          token_endpoint_auth_method: 'private_key_jwt',
          jwks_uri: `https://localhost:${documents.port}/jwks.json`,
        }),
      };
    });
    after(async () => {
      await server?.close();
      await documents?.close();
    });

    async function register(metadata: Partial<oauth.OmitSymbolProperties<oauth.Client>>, initialAccessToken?: string): Promise<oauth.Client> {
      const response = await oauth.dynamicClientRegistrationRequest(as, metadata, { ...insecure, ...(initialAccessToken ? { initialAccessToken } : {}) });
      return oauth.processDynamicClientRegistrationResponse(response);
    }

    const clientCredentials = (client: oauth.Client, auth: oauth.ClientAuth) =>
      oauth
        .clientCredentialsGrantRequest(as, client, auth, { resource }, insecure)
        .then((response) => oauth.processClientCredentialsResponse(as, client, response));

    /** Signs an assertion for the machine client, with `claims` and `header` over the usual ones. */
    async function assertion(claims: Record<string, unknown> = {}, options: { key?: CryptoKey; header?: Record<string, unknown> } = {}) {
      const now = Math.floor(Date.now() / 1000);
      const payload = { iss: machine.client.client_id, sub: machine.client.client_id, aud: server.issuer, jti: randomUUID(), iat: now, exp: now + 60, ...claims };
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', kid: machine.key.kid, ...options.header })
        .sign(options.key ?? machine.key.privateKey);
    }

    /** A raw client_credentials request with `body`: the status and the JSON error. */
    async function tokenRequest(body: Record<string, string>, endpoint = '/token') {
      const response = await fetch(`${server.issuer}${endpoint}`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource, ...body }),
      });
      const text = await response.text();
      return { status: response.status, body: text === '' ? {} : (JSON.parse(text) as { error?: string; error_description?: string; access_token?: string }) };
    }

    const withAssertion = (value: string, extra: Record<string, string> = {}) =>
      tokenRequest({ client_assertion_type: assertionType, client_assertion: value, ...extra });

    /** Asserts a 401 invalid_client whose description matches. */
    function assertInvalidClient(result: { status: number; body: { error?: string; error_description?: string } }, description: RegExp) {
      assert.equal(result.status, 401, JSON.stringify(result.body));
      assert.equal(result.body.error, 'invalid_client');
      assert.match(result.body.error_description ?? '', description);
    }

    it('advertises private_key_jwt and its asymmetric signing algorithms (RFC 8414)', () => {
      assert.ok(as.token_endpoint_auth_methods_supported?.includes('private_key_jwt'));
      const algorithms = as.token_endpoint_auth_signing_alg_values_supported ?? [];
      for (const alg of ['RS256', 'PS256', 'ES256', 'ES384', 'EdDSA']) assert.ok(algorithms.includes(alg), alg);
      for (const alg of ['none', 'HS256', 'HS384', 'HS512']) assert.ok(!algorithms.includes(alg), alg);
      assert.ok(as.introspection_endpoint_auth_methods_supported?.includes('private_key_jwt'));
      assert.ok(as.revocation_endpoint_auth_methods_supported?.includes('private_key_jwt'));
    });

    it('registers without a secret: the keys are the credential', () => {
      assert.equal(machine.client['token_endpoint_auth_method'], 'private_key_jwt');
      assert.equal(machine.client['client_secret'], undefined);
      assert.equal(machine.client['client_secret_expires_at'], undefined);
      assert.equal(published.client['jwks_uri'], `https://localhost:${documents.port}/jwks.json`);
    });

    it('a machine client registered with jwks gets a token with client_credentials, and introspects and revokes it', async () => {
      const tokens = await clientCredentials(machine.client, machine.key.auth());
      assert.equal(tokens.scope, 'mcp:tools');
      const claims = await oauth.validateJwtAccessToken(as, new Request(resource, { headers: { authorization: `Bearer ${tokens.access_token}` } }), resource, insecure);
      assert.equal(claims.client_id, machine.client.client_id);

      const introspect = () =>
        oauth
          .introspectionRequest(as, machine.client, machine.key.auth(), tokens.access_token, insecure)
          .then((response) => oauth.processIntrospectionResponse(as, machine.client, response));
      assert.equal((await introspect()).active, true);
      const revoked = await oauth.revocationRequest(as, machine.client, machine.key.auth(), tokens.access_token, insecure);
      assert.equal(await oauth.processRevocationResponse(revoked), undefined);
      assert.equal((await introspect()).active, false);
    });

    it('a client whose keys are at its jwks_uri gets tokens with authorization_code, refreshes and revokes', async () => {
      const { client, key } = published;
      const codeVerifier = oauth.generateRandomCodeVerifier();
      const state = oauth.generateRandomState();
      const url = new URL(as.authorization_endpoint!);
      url.search = new URLSearchParams({
        response_type: 'code', client_id: client.client_id, redirect_uri: redirectUri, scope: 'mcp:tools offline_access', state, resource,
        code_challenge: await oauth.calculatePKCECodeChallenge(codeVerifier), code_challenge_method: 'S256',
      }).toString();
      const browser = new TestBrowser(server.app);
      const login = await browser.get(url.pathname + url.search);
      assert.equal(login.statusCode, 200, login.body);
      const consent = await browser.follow(await browser.submit(login, alice));
      const done = await browser.submit(consent, { decision: 'allow' });
      assert.equal(done.statusCode, 303);
      const params = oauth.validateAuthResponse(as, client, new URL(String(done.headers.location)), state);
      const tokens = await oauth.processAuthorizationCodeResponse(
        as,
        client,
        await oauth.authorizationCodeGrantRequest(as, client, key.auth(), params, redirectUri, codeVerifier, { ...insecure, additionalParameters: { resource } }),
      );
      assert.ok(tokens.refresh_token);
      assert.ok(documents.requests.includes('/jwks.json'), 'the key set was fetched from the jwks_uri');

      const refreshed = await oauth.processRefreshTokenResponse(
        as,
        client,
        await oauth.refreshTokenGrantRequest(as, client, key.auth(), tokens.refresh_token, { ...insecure, additionalParameters: { resource } }),
      );
      assert.ok(refreshed.refresh_token);
      const revoked = await oauth.revocationRequest(as, client, key.auth(), refreshed.refresh_token, insecure);
      assert.equal(await oauth.processRevocationResponse(revoked), undefined);
      const again = await oauth.refreshTokenGrantRequest(as, client, key.auth(), refreshed.refresh_token, insecure);
      await assert.rejects(oauth.processRefreshTokenResponse(as, client, again), (e: unknown) => e instanceof oauth.ResponseBodyError && e.error === 'invalid_grant');
    });

    it('accepts the token endpoint URL as aud, and the endpoint the assertion is sent to, and no client_id parameter', async () => {
      assert.equal((await withAssertion(await assertion({ aud: `${server.issuer}/token` }))).status, 200);
      assertInvalidClient(await withAssertion(await assertion({ aud: `${server.issuer}/introspect` })), /aud/);
      const atIntrospection = await tokenRequest({ client_assertion_type: assertionType, client_assertion: await assertion({ aud: `${server.issuer}/introspect` }), token: 'x' }, '/introspect');
      assert.equal(atIntrospection.status, 200);
      assert.deepEqual(atIntrospection.body, { active: false });
      const withClientId = await withAssertion(await assertion(), { client_id: machine.client.client_id });
      assert.equal(withClientId.status, 200);
    });

    it('refuses a replayed jti: the second use, and all but one of concurrent uses (invalid_client)', async () => {
      const once = await assertion();
      assert.equal((await withAssertion(once)).status, 200);
      assertInvalidClient(await withAssertion(once), /already used/);

      const shared = await assertion();
      const results = await Promise.all(Array.from({ length: 8 }, () => withAssertion(shared)));
      assert.equal(results.filter((r) => r.status === 200).length, 1, JSON.stringify(results.map((r) => r.status)));
      for (const result of results.filter((r) => r.status !== 200)) assertInvalidClient(result, /already used/);
    });

    const now = () => Math.floor(Date.now() / 1000);
    const refusedClaims: [string, () => Record<string, unknown>, RegExp][] = [
      ['an expired assertion', () => ({ exp: now() - 120, iat: now() - 180 }), /expired/],
      ['an assertion valid for an hour', () => ({ exp: now() + 3600 }), /within 300 seconds/],
      ['an assertion without exp', () => ({ exp: undefined }), /exp/],
      ['an assertion without jti', () => ({ jti: undefined }), /jti/],
      ['an assertion not valid yet (nbf)', () => ({ nbf: now() + 120 }), /nbf/],
      ['an assertion issued in the future (iat)', () => ({ iat: now() + 120 }), /iat/],
      ['an aud of another server', () => ({ aud: 'https://other.example.com' }), /aud/],
      ['an aud array naming another server too', () => ({ aud: [server.issuer, 'https://other.example.com'] }), /aud/],
      ['an iss that is not the client_id', () => ({ iss: 'someone-else' }), /iss must be the client_id/],
      ['a jti of control characters', () => ({ jti: 'a\u0000b' }), /jti/],
    ];
    for (const [what, claims, description] of refusedClaims) {
      it(`refuses ${what} (invalid_client)`, async () => {
        assertInvalidClient(await withAssertion(await assertion(claims()), { client_id: machine.client.client_id }), description);
      });
    }

    it('refuses a sub that is not the client_id given (invalid_client)', async () => {
      const other = await register({ client_name: 'Other', redirect_uris: [redirectUri], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [machine.key.jwk] } });
      assertInvalidClient(await withAssertion(await assertion({ sub: other.client_id }), { client_id: machine.client.client_id }), /sub must be the client_id/);
    });

    it('refuses an assertion signed by another key, even under the registered kid (invalid_client)', async () => {
      const other = await keyPair('ES256');
      assertInvalidClient(await withAssertion(await assertion({}, { key: other.privateKey })), /not signed by a key the client registered/);
      assertInvalidClient(await withAssertion(await assertion({}, { key: other.privateKey, header: { kid: other.kid } })), /not signed by a key the client registered/);
    });

    it('refuses alg none and an HS256 assertion keyed with the public key (invalid_client)', async () => {
      const claims = { iss: machine.client.client_id, sub: machine.client.client_id, aud: server.issuer, jti: randomUUID(), exp: now() + 60 };
      assertInvalidClient(await withAssertion(new UnsecuredJWT(claims).encode()), /must be signed with/);
      const publicKeyAsSecret = new TextEncoder().encode(JSON.stringify(machine.key.jwk));
      const hmac = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', kid: machine.key.kid }).sign(publicKeyAsSecret);
      assertInvalidClient(await withAssertion(hmac), /must be signed with/);
    });

    it('refuses garbage assertions and a wrong client_assertion_type (invalid_client, never a 500)', async () => {
      const id = { client_id: machine.client.client_id };
      for (const garbage of ['garbage', 'a.b.c', `${Buffer.from('not json').toString('base64url')}.e30.c2ln`, 'e30.e30.', '....', 'x'.repeat(20_000)]) {
        assertInvalidClient(await withAssertion(garbage, id), /client assertion|client authentication/);
        assertInvalidClient(await withAssertion(garbage), /client assertion|client authentication/);
      }
      assertInvalidClient(await tokenRequest({ client_assertion_type: 'urn:example:saml', client_assertion: await assertion() }), /client_assertion_type/);
      assertInvalidClient(await tokenRequest({ client_assertion_type: assertionType, ...id }), /client_assertion is required/);
      assertInvalidClient(await tokenRequest({ client_assertion: await assertion(), ...id }), /client_assertion_type/);
    });

    it('holds each client to its method: no assertion from a secret client, no secret from a private_key_jwt client', async () => {
      const secretClient = await register({ client_name: 'Secret', redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_post' });
      const forSecretClient = await assertion({ iss: secretClient.client_id, sub: secretClient.client_id });
      assertInvalidClient(await withAssertion(forSecretClient, { client_id: secretClient.client_id }), /must authenticate with client_secret_post/);
      assertInvalidClient(await tokenRequest({ client_id: machine.client.client_id, client_secret: 'guess' }), /must authenticate with private_key_jwt/);
      const basic = await fetch(`${server.issuer}/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${machine.client.client_id}:guess`).toString('base64')}` },
        body: new URLSearchParams({ grant_type: 'client_credentials', resource }),
      });
      assert.equal(basic.status, 401);
      // Both a secret and an assertion: two methods at once (RFC 6749 section 2.3).
      const both = await withAssertion(await assertion(), { client_id: machine.client.client_id, client_secret: 'guess' });
      assert.equal(both.status, 400);
      assert.equal(both.body.error, 'invalid_request');
    });

    it('refuses a client whose jwks_uri times out, or does not hold a JWK Set (invalid_client)', async () => {
      const key = await keyPair('ES256');
      documents.route('/slow.json', () => {});
      documents.route('/not-json.json', (_request, response) => void response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":'));
      for (const [path, description] of [['/slow.json', /could not be fetched: it took longer/], ['/not-json.json', /does not hold a JWK Set/]] as const) {
        const client = await register({ client_name: 'Broken keys', redirect_uris: [redirectUri], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `https://localhost:${documents.port}${path}` });
        const signed = await new SignJWT({ iss: client.client_id, sub: client.client_id, aud: server.issuer, jti: randomUUID(), exp: now() + 60 })
          .setProtectedHeader({ alg: 'ES256', kid: key.kid })
          .sign(key.privateKey);
        assertInvalidClient(await withAssertion(signed), description);
      }
    });
  });

  describe('private_key_jwt with a jwks_uri at a private address, without cimd.allowPrivateAddresses', () => {
    let documents: DocumentServer;
    let server: ListeningTestServer;
    before(async () => {
      documents = await startDocumentServer();
      server = await startListeningTestServer({ database: kind, cimdFetchOptions: { ca: documents.ca } });
    });
    after(async () => {
      await server?.close();
      await documents?.close();
    });

    it('never fetches it, and refuses the client (invalid_client)', async () => {
      const key = await keyPair('ES256');
      documents.route('/jwks.json', json({ keys: [key.jwk] }));
      for (const host of ['localhost', '127.0.0.1']) {
        const registered = await server.app.inject({
          method: 'POST',
          url: '/register',
          payload: { client_name: 'Internal keys', redirect_uris: [redirectUri], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: `https://${host}:${documents.port}/jwks.json` },
        });
        assert.equal(registered.statusCode, 201, registered.body);
        const clientId = registered.json().client_id as string;
        const now = Math.floor(Date.now() / 1000);
        const signed = await new SignJWT({ iss: clientId, sub: clientId, aud: server.issuer, jti: randomUUID(), exp: now + 60 })
          .setProtectedHeader({ alg: 'ES256', kid: key.kid })
          .sign(key.privateKey);
        const response = await fetch(`${server.issuer}/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code: 'x', redirect_uri: redirectUri, code_verifier: 'v'.repeat(43), client_assertion_type: assertionType, client_assertion: signed }),
        });
        assert.equal(response.status, 401);
        const body = (await response.json()) as { error: string; error_description: string };
        assert.equal(body.error, 'invalid_client');
        assert.match(body.error_description, /jwks_uri could not be fetched/);
      }
      assert.deepEqual(documents.requests, [], 'nothing was fetched from the private address');
    });
  });
});
