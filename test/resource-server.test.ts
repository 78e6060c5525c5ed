import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createKeyManager } from '../src/keys/key-manager.js';
import { createTokenSigner } from '../src/keys/token-signer.js';
import { createResourceServer, ResourceServerError, type ResourceServerOptions } from '../src/resource-server.js';
import { basicAuthorization, createOperatorClient } from './support/operator-client.js';
import { startTestServer, type TestServer } from './support/server.js';
import { freePort } from './support/real-port.js';
import { dpopAlgorithms } from '../src/resource-server/dpop.js';

const resource = 'http://mcp.example.test/mcp';
const otherResource = 'http://other.example.test/mcp';
/** Latchkey's registry: this resource and another, both open to machine clients (the harness's tokens have no user). */
const resources = [resource, otherResource].map((uri) => ({ uri, name: uri, scopes: ['mcp:tools', 'mcp:resources'], machineClients: true }));

/** A port nobody listens on right now, so that the issuer URL can name it before the server starts. */
/** Runs `fn` and returns the ResourceServerError it throws. */
async function refusal(promise: Promise<unknown>): Promise<ResourceServerError> {
  const error = await promise.then(() => assert.fail('expected a refusal'), (e: unknown) => e);
  assert.ok(error instanceof ResourceServerError, String(error));
  return error;
}

describe('resource server helper, against a running Latchkey', () => {
  let server: TestServer;
  let issuer: string;
  let client: { client_id: string; client_secret: string };
  let offset = 0;
  const clock = { now: () => Date.now() + offset };
  // The harness's tokens are a machine client's (client_credentials): accepted here unless a test says otherwise.
  const guard = (options: Partial<ResourceServerOptions> = {}) =>
    createResourceServer({ issuer, resource, requiredScopes: ['mcp:tools'], clock, acceptMachineTokens: true, ...options });

  before(async () => {
    const port = await freePort();
    issuer = `http://127.0.0.1:${port}`;
    server = await startTestServer({ overrides: { issuer, resources }, clock });
    await server.app.listen({ host: '127.0.0.1', port });
    // Only an operator's client may use client_credentials (and introspect): open registration offers neither.
    client = await createOperatorClient(server, { client_name: 'Robot', scope: 'mcp:tools mcp:resources' });
  });
  after(() => server.close());

  async function token(scope: string, forResource = resource): Promise<string> {
    const response = await server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}` },
      payload: new URLSearchParams({ grant_type: 'client_credentials', scope, resource: forResource }).toString(),
    });
    assert.equal(response.statusCode, 200, response.body);
    return response.json().access_token as string;
  }

  /** A JWT signed with Latchkey's own current key, for claims and headers Latchkey would never issue. */
  async function signed(claims: Record<string, unknown>, typ: 'at+jwt' | 'JWT' = 'at+jwt'): Promise<string> {
    const keys = createKeyManager({ store: server.storage.signingKeys, clock, config: server.config.keys });
    const now = Math.floor(clock.now() / 1000);
    return createTokenSigner(keys).sign({ iss: issuer, sub: 'u1', aud: resource, client_id: 'c1', scope: 'mcp:tools', jti: 'j1', iat: now, exp: now + 60, ...claims }, typ);
  }

  it('accepts a valid token from the Authorization header and returns its claims', async () => {
    const claims = await guard().verifyAccessToken(`Bearer ${await token('mcp:tools')}`);
    assert.equal(claims.iss, issuer);
    assert.equal(claims.aud, resource);
    assert.equal(claims.client_id, client.client_id);
    assert.equal(claims.sub, client.client_id, 'client credentials: the client is the subject');
    assert.equal(claims.scope, 'mcp:tools');
    assert.equal(typeof claims.jti, 'string');
  });

  it('accepts a bare token and a lower-case scheme', async () => {
    const access = await token('mcp:tools mcp:resources');
    assert.equal((await guard().verifyAccessToken(access)).scope, 'mcp:tools mcp:resources');
    assert.equal((await guard().verifyAccessToken(`bearer ${access}`)).scope, 'mcp:tools mcp:resources');
  });

  for (const [what, header] of [['no header', undefined], ['an empty header', ''], ['another scheme', 'Basic dXNlcjpwYXNz']] as const) {
    it(`answers ${what} with missing_token: 401 without an error code (RFC 6750 §3.1)`, async () => {
      const rs = guard();
      const error = await refusal(rs.verifyAccessToken(header));
      assert.equal(error.code, 'missing_token');
      assert.deepEqual(rs.challenge(error), {
        status: 401,
        headers: { 'WWW-Authenticate': 'Bearer resource_metadata="http://mcp.example.test/.well-known/oauth-protected-resource/mcp", scope="mcp:tools"' },
      });
    });
  }

  // Each case names the jose check that must be the one refusing it (code, and the claim for claim checks).
  const invalid: [string, () => Promise<{ token: string; options?: Partial<ResourceServerOptions> }>, string][] = [
    ['a token for another resource (audience)', async () => ({ token: await token('mcp:tools', otherResource) }), 'ERR_JWT_CLAIM_VALIDATION_FAILED aud'],
    ['a token from another issuer', async () => ({ token: await signed({ iss: 'http://evil.example.test' }) }), 'ERR_JWT_CLAIM_VALIDATION_FAILED iss'],
    ['a verifier configured for another issuer', async () => ({ token: await token('mcp:tools'), options: { issuer: `${issuer}/other`, jwksUri: `${issuer}/jwks.json` } }), 'ERR_JWT_CLAIM_VALIDATION_FAILED iss'],
    ['a tampered payload', async () => {
      const [header, payload, signature] = (await token('mcp:tools')).split('.');
      const claims = JSON.parse(Buffer.from(payload!, 'base64url').toString());
      return { token: [header, Buffer.from(JSON.stringify({ ...claims, scope: 'mcp:tools mcp:admin' })).toString('base64url'), signature].join('.') };
    }, 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED'],
    ['alg none', async () => {
      const [, payload] = (await token('mcp:tools')).split('.');
      return { token: `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.` };
    }, 'ERR_JOSE_ALG_NOT_ALLOWED'],
    ['typ JWT instead of at+jwt (an ID token)', async () => ({ token: await signed({}, 'JWT') }), 'ERR_JWT_CLAIM_VALIDATION_FAILED typ'],
    ['a token without client_id', async () => ({ token: await signed({ client_id: undefined }) }), 'ERR_JWT_CLAIM_VALIDATION_FAILED client_id'],
    ['garbage', async () => ({ token: 'not-a-jwt' }), 'ERR_JWS_INVALID'],
  ];
  for (const [what, make, check] of invalid) {
    it(`refuses ${what} with invalid_token (401)`, async () => {
      const { token: bad, options } = await make();
      const rs = guard(options);
      const error = await refusal(rs.verifyAccessToken(`Bearer ${bad}`));
      assert.equal(error.code, 'invalid_token');
      const cause = error.cause as { code: string; claim?: string };
      assert.equal([cause.code, cause.claim].filter(Boolean).join(' '), check);
      assert.equal(error.description, check.endsWith(' aud') ? 'The access token is not for this resource.' : 'The access token is not valid.');
      const { status, headers } = rs.challenge(error);
      assert.equal(status, 401);
      assert.match(headers['WWW-Authenticate']!, /^Bearer resource_metadata="[^"]+", error="invalid_token", error_description="[^"]+", scope="mcp:tools"$/);
    });
  }

  it('refuses an expired token with invalid_token and says so', async () => {
    const access = await token('mcp:tools');
    offset += (server.config.tokens.accessTokenTtlSeconds + 1) * 1000;
    try {
      const error = await refusal(guard().verifyAccessToken(`Bearer ${access}`));
      assert.equal(error.code, 'invalid_token');
      assert.equal(error.description, 'The access token expired.');
    } finally {
      offset = 0;
    }
  });

  it('refuses a token without the required scope with insufficient_scope: 403 naming the scope', async () => {
    const rs = guard();
    const error = await refusal(rs.verifyAccessToken(`Bearer ${await token('mcp:resources')}`));
    assert.equal(error.code, 'insufficient_scope');
    const { status, headers } = rs.challenge(error);
    assert.equal(status, 403);
    assert.equal(
      headers['WWW-Authenticate'],
      'Bearer resource_metadata="http://mcp.example.test/.well-known/oauth-protected-resource/mcp", error="insufficient_scope", error_description="The access token lacks the scope mcp:tools.", scope="mcp:tools"',
    );
  });

  it('takes per-call required scopes over the default ones', async () => {
    const access = `Bearer ${await token('mcp:tools')}`;
    const error = await refusal(guard().verifyAccessToken(access, { requiredScopes: ['mcp:tools', 'mcp:resources'] }));
    assert.equal(error.code, 'insufficient_scope');
    assert.deepEqual(error.scopes, ['mcp:tools', 'mcp:resources']);
    assert.equal((await guard({ requiredScopes: [] }).verifyAccessToken(access)).scope, 'mcp:tools');
  });

  it('answers temporarily_unavailable (503) when the JWKS cannot be fetched', async () => {
    const rs = guard({ jwksUri: `http://127.0.0.1:${await freePort()}/jwks.json` });
    const error = await refusal(rs.verifyAccessToken(await token('mcp:tools')));
    assert.equal(error.code, 'temporarily_unavailable');
    assert.deepEqual(rs.challenge(error), { status: 503, headers: { 'Retry-After': '5' } });
  });

  it('asks introspection (client_secret_basic) before accepting, refuses an inactive token, and caches by jti', async () => {
    const seen: { authorization: string | undefined; body: string }[] = [];
    let answer: { status: number; body: unknown } = { status: 200, body: { active: true } };
    const stub = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => (body += chunk.toString()));
      request.on('end', () => {
        seen.push({ authorization: request.headers.authorization, body });
        response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.body));
      });
    });
    await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
    const endpoint = `http://127.0.0.1:${(stub.address() as AddressInfo).port}/introspect`;
    try {
      const rs = guard({ introspection: { endpoint, clientId: 'rs 1', clientSecret: 's:e/cret' } });
      const access = await token('mcp:tools');
      await rs.verifyAccessToken(access);
      await rs.verifyAccessToken(access);
      assert.equal(seen.length, 1, 'the second check is answered from the cache');
      assert.equal(seen[0]!.authorization, `Basic ${Buffer.from('rs%201:s%3Ae%2Fcret').toString('base64')}`, 'RFC 6749 §2.3.1 form-encodes id and secret');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(seen[0]!.body)), { token: access, token_type_hint: 'access_token' });

      answer = { status: 200, body: { active: false } };
      await rs.verifyAccessToken(access);
      offset += 31_000;
      const error = await refusal(rs.verifyAccessToken(access));
      assert.deepEqual([error.code, error.description, seen.length], ['invalid_token', 'The access token was revoked.', 2]);
      await refusal(rs.verifyAccessToken(access));
      assert.equal(seen.length, 2, 'an inactive answer is final');

      answer = { status: 500, body: { error: 'server_error' } };
      const unavailable = await refusal(rs.verifyAccessToken(await token('mcp:tools')));
      assert.equal(unavailable.code, 'temporarily_unavailable', 'fails closed, but not as invalid_token');
    } finally {
      offset = 0;
      stub.close();
    }
  });

  it('refuses a token without a user (gty client_credentials) unless acceptMachineTokens is set', async () => {
    const access = await token('mcp:tools');
    for (const options of [{}, { acceptMachineTokens: false }]) {
      const rs = createResourceServer({ issuer, resource, requiredScopes: ['mcp:tools'], clock, ...options });
      const error = await refusal(rs.verifyAccessToken(`Bearer ${access}`));
      assert.deepEqual([error.code, error.description], ['invalid_token', 'This resource accepts only tokens issued for a user.'], JSON.stringify(options));
      assert.equal(rs.challenge(error).status, 401);
    }
    const claims = await guard({ acceptMachineTokens: true }).verifyAccessToken(access);
    assert.equal(claims.gty, 'client_credentials');
  });

  it("accepts a user's token (auth_time, no gty) without acceptMachineTokens", async () => {
    const rs = createResourceServer({ issuer, resource, requiredScopes: ['mcp:tools'], clock });
    const claims = await rs.verifyAccessToken(await signed({ auth_time: Math.floor(clock.now() / 1000) }));
    assert.equal(claims.sub, 'u1');
  });

  it("introspects at Latchkey itself with an operator-created client: the machine token is active, then inactive once its client is deleted", async () => {
    const rs = guard({ introspection: { endpoint: `${issuer}/introspect`, clientId: client.client_id, clientSecret: client.client_secret, cacheSeconds: 0 } });
    const machine = await createOperatorClient(server, { client_name: 'Short-lived robot', scope: 'mcp:tools' });
    const response = await server.app.inject({
      method: 'POST',
      url: '/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(machine.client_id, machine.client_secret) },
      payload: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
    });
    const access = response.json().access_token as string;
    assert.equal((await rs.verifyAccessToken(access)).client_id, machine.client_id);
    await server.storage.clients.deleteClient(machine.client_id);
    const error = await refusal(rs.verifyAccessToken(access));
    assert.deepEqual([error.code, error.description], ['invalid_token', 'The access token was revoked.']);
  });

  it('builds RFC 9728 metadata and its well-known path', () => {
    const rs = guard({ resourceName: 'Example' });
    assert.deepEqual(rs.protectedResourceMetadata(), {
      resource,
      authorization_servers: [issuer],
      scopes_supported: ['mcp:tools'],
      bearer_methods_supported: ['header'],
      dpop_signing_alg_values_supported: dpopAlgorithms,
      resource_name: 'Example',
    });
    assert.equal(rs.metadataPath, '/.well-known/oauth-protected-resource/mcp');
    const root = createResourceServer({ issuer, resource: 'https://mcp.example.test' });
    assert.equal(root.metadataPath, '/.well-known/oauth-protected-resource');
    assert.equal(root.protectedResourceMetadata()['resource'], 'https://mcp.example.test', 'the resource is kept verbatim');
    const query = createResourceServer({ issuer, resource: 'https://mcp.example.test/a/b/?tenant=1' });
    assert.equal(query.metadataUrl, 'https://mcp.example.test/.well-known/oauth-protected-resource/a/b?tenant=1');
    assert.throws(() => createResourceServer({ issuer, resource: 'https://mcp.example.test/mcp#x' }), /fragment/);
  });

  it('serves web-standard responses: the metadata with CORS, a challenge with a JSON body', async () => {
    const rs = guard();
    const metadata = rs.metadataResponse();
    assert.equal(metadata.headers.get('access-control-allow-origin'), '*');
    assert.equal(((await metadata.json()) as { resource: string }).resource, resource);
    const response = rs.challengeResponse(new ResourceServerError('invalid_token', 'Say "hi" \\ bye\n', ['mcp:tools']));
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate')!, /error_description="Say hi  bye", scope="mcp:tools"$/, 'no quote, backslash or control character');
    assert.deepEqual(await response.json(), { error: 'invalid_token', error_description: 'Say "hi" \\ bye\n' });
  });
});
