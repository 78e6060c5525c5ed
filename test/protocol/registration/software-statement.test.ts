import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import type { SoftwareStatementIssuer } from '../../../src/config/policies.js';
import type { ErrorCode } from '../../../src/errors/codes.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import { createStatementKeyResolver } from '../../../src/keys/statement-keys.js';
import { applySoftwareStatement, verifySoftwareStatement } from '../../../src/protocol/registration/software-statement.js';
import { fixedClock } from '../../support/clock.js';

const now = Date.UTC(2026, 0, 1);
const clock = fixedClock(now);
const seconds = Math.floor(now / 1000);
/** Statements must expire (issue 10, finding 14a); an hour from `now`. */
const exp = seconds + 3600;
/** This server as a statement's `aud` may name it: the issuer or the registration endpoint. */
const audiences = ['https://as.example.com', 'https://as.example.com/register'];

interface SigningKey {
  privateKey: CryptoKey;
  publicJwk: JWK;
  alg: 'ES256' | 'RS256';
  kid: string;
}

async function signingKey(alg: 'ES256' | 'RS256', kid: string): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  return { privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' }, alg, kid };
}

function sign(key: SigningKey, claims: JWTPayload): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
}

/** Awaits `promise`, which must reject with an OAuthError; returns it. */
async function oauthError(promise: Promise<unknown>): Promise<OAuthError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof OAuthError, `expected an OAuthError, got ${String(error)}`);
    return error;
  }
  assert.fail('expected the statement to be refused');
}

async function refusedWith(promise: Promise<unknown>, code: ErrorCode, description: RegExp): Promise<OAuthError> {
  const error = await oauthError(promise);
  assert.equal(error.code, code);
  assert.match(error.description, description);
  assert.match(error.description, /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/, 'RFC 6749 §5.2 error_description characters');
  return error;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('software statements (RFC 7591 §2.3, §3.1.1)', () => {
  const publisher = 'https://publisher.example';
  const vendor = 'https://vendor.example';
  let es: SigningKey;
  let rs: SigningKey;
  let impostor: SigningKey;
  let issuers: SoftwareStatementIssuer[];
  let context: Parameters<typeof verifySoftwareStatement>[1];

  before(async () => {
    es = await signingKey('ES256', 'es-1');
    rs = await signingKey('RS256', 'rs-1');
    impostor = await signingKey('ES256', 'es-1');
    issuers = [
      { issuer: publisher, jwks: { keys: [es.publicJwk as Record<string, unknown>] }, policy: 'partners' },
      { issuer: vendor, jwks: { keys: [rs.publicJwk as Record<string, unknown>] } },
    ];
    context = { keysFor: createStatementKeyResolver(issuers), issuers, clock, audiences };
  });

  const statementClaims = {
    iss: publisher,
    iat: seconds - 60,
    exp: seconds + 3600,
    jti: 'statement-1',
    aud: 'https://as.example.com',
    sub: 'product-42',
    software_id: '4NRB1-0XZABZI9E6-5SM3R',
    software_version: '2.1',
    client_name: 'Example Statement-based Client',
    redirect_uris: ['https://client.example.net/cb'],
  };

  it('verifies an ES256 statement and returns its issuer and metadata claims, without the JWT registered claims', async () => {
    const { issuer, claims } = await verifySoftwareStatement(await sign(es, statementClaims), context);
    assert.equal(issuer.issuer, publisher);
    assert.equal(issuer.policy, 'partners');
    assert.deepEqual(claims, {
      software_id: '4NRB1-0XZABZI9E6-5SM3R',
      software_version: '2.1',
      client_name: 'Example Statement-based Client',
      redirect_uris: ['https://client.example.net/cb'],
    });
  });

  it('verifies an RS256 statement of another issuer with that issuer’s keys', async () => {
    const { issuer, claims } = await verifySoftwareStatement(await sign(rs, { iss: vendor, exp, client_name: 'Vendor App' }), context);
    assert.equal(issuer.issuer, vendor);
    assert.equal(issuer.policy, undefined);
    assert.deepEqual(claims, { client_name: 'Vendor App' });
  });

  it('lets the statement’s claims win over the request’s, keeping request fields it does not mention', async () => {
    const request = {
      client_name: 'Something Else',
      redirect_uris: ['https://attacker.example/cb'],
      scope: 'mcp:tools',
      software_statement: await sign(es, statementClaims),
    };
    const { claims } = await verifySoftwareStatement(request.software_statement, context);
    const merged = applySoftwareStatement(request, claims);
    assert.equal(merged['client_name'], 'Example Statement-based Client');
    assert.deepEqual(merged['redirect_uris'], ['https://client.example.net/cb']);
    assert.equal(merged['software_id'], '4NRB1-0XZABZI9E6-5SM3R');
    assert.equal(merged['scope'], 'mcp:tools');
    assert.equal(merged['software_statement'], request.software_statement, 'the statement itself stays, to be echoed (RFC 7591 §3.2.1)');
    assert.equal(request.client_name, 'Something Else', 'the request object is not modified');
  });

  it('refuses a statement from an issuer that is not configured (unapproved_software_statement)', async () => {
    const error = await refusedWith(verifySoftwareStatement(await sign(es, { ...statementClaims, iss: 'https://stranger.example' }), context), 'unapproved_software_statement', /not accepted/);
    assert.match(error.detail ?? '', /stranger\.example/);
  });

  it('refuses a statement without iss (unapproved_software_statement)', async () => {
    const { iss: _, ...claims } = statementClaims;
    await refusedWith(verifySoftwareStatement(await sign(es, claims), context), 'unapproved_software_statement', /not accepted/);
  });

  it('refuses a configured issuer whose keys the resolver does not know (unapproved_software_statement)', async () => {
    const statement = await sign(es, statementClaims);
    await refusedWith(verifySoftwareStatement(statement, { ...context, keysFor: () => undefined }), 'unapproved_software_statement', /not accepted/);
  });

  it('refuses a statement signed with another key under the same kid (invalid_software_statement)', async () => {
    const error = await refusedWith(verifySoftwareStatement(await sign(impostor, statementClaims), context), 'invalid_software_statement', /signature does not verify/);
    assert.match(error.detail ?? '', /publisher\.example/, 'the log-only detail names the issuer');
  });

  it('refuses a statement signed with a key of another trusted issuer (invalid_software_statement)', async () => {
    await refusedWith(verifySoftwareStatement(await sign(rs, statementClaims), context), 'invalid_software_statement', /key set does not contain/);
  });

  it('refuses a statement whose payload was changed after signing (invalid_software_statement)', async () => {
    const [header, , signature] = (await sign(es, statementClaims)).split('.');
    const tampered = `${header}.${b64({ ...statementClaims, redirect_uris: ['https://attacker.example/cb'] })}.${signature}`;
    await refusedWith(verifySoftwareStatement(tampered, context), 'invalid_software_statement', /signature does not verify/);
  });

  it('refuses an expired statement by the given clock, and accepts it while the clock is before exp', async () => {
    const statement = await sign(es, { ...statementClaims, exp: seconds + 600 });
    await verifySoftwareStatement(statement, context);
    const later = fixedClock(now + 3_600_000);
    await refusedWith(verifySoftwareStatement(statement, { ...context, clock: later }), 'invalid_software_statement', /has expired/);
  });

  describe('lifetime and audience (issue 10, finding 14a)', () => {
    it('refuses a statement without exp: a statement that never expires cannot be withdrawn (invalid_software_statement)', async () => {
      const { exp: _, ...claims } = statementClaims;
      await refusedWith(verifySoftwareStatement(await sign(es, claims), context), 'invalid_software_statement', /must have an exp claim/);
    });

    it('refuses a statement issued in the future beyond the clock skew, and accepts one within it', async () => {
      await refusedWith(verifySoftwareStatement(await sign(es, { ...statementClaims, iat: seconds + 120 }), context), 'invalid_software_statement', /iat claim is in the future/);
      await verifySoftwareStatement(await sign(es, { ...statementClaims, iat: seconds + 20 }), context);
    });

    for (const aud of ['https://as.example.com', 'https://as.example.com/register', ['https://other.example', 'https://as.example.com']]) {
      it(`accepts an aud naming this server: ${JSON.stringify(aud)}`, async () => {
        await verifySoftwareStatement(await sign(es, { ...statementClaims, aud }), context);
      });
    }

    it('accepts a statement without aud (RFC 7591 section 2.3 does not require it)', async () => {
      const { aud: _, ...claims } = statementClaims;
      await verifySoftwareStatement(await sign(es, claims), context);
    });

    for (const aud of ['https://other.example', ['https://other.example'], 'https://as.example.com.evil.example', 'https://AS.example.com/', [], 42]) {
      it(`refuses an aud that does not name this server: ${JSON.stringify(aud)} (invalid_software_statement)`, async () => {
        await refusedWith(verifySoftwareStatement(await sign(es, { ...statementClaims, aud } as JWTPayload), context), 'invalid_software_statement', /aud claim does not name this server/);
      });
    }
  });

  it('refuses a statement that is not valid yet (nbf in the future)', async () => {
    await refusedWith(verifySoftwareStatement(await sign(es, { ...statementClaims, nbf: seconds + 3600 }), context), 'invalid_software_statement', /nbf claim is not valid/);
  });

  it('refuses an unsigned statement (alg none)', async () => {
    const unsigned = `${b64({ alg: 'none' })}.${b64(statementClaims)}.`;
    await refusedWith(verifySoftwareStatement(unsigned, context), 'invalid_software_statement', /asymmetric algorithm/);
  });

  it('refuses a statement MACed with HS256, even by a secret that is the issuer’s public key material', async () => {
    const secret = new TextEncoder().encode(JSON.stringify(es.publicJwk));
    const maced = await new SignJWT(statementClaims).setProtectedHeader({ alg: 'HS256', kid: 'es-1' }).sign(secret);
    await refusedWith(verifySoftwareStatement(maced, context), 'invalid_software_statement', /asymmetric algorithm/);
  });

  for (const [what, value] of [
    ['a plain string', 'not-a-jwt'],
    ['three parts of garbage', 'a.b.c'],
    ['an empty string', ''],
    ['a JWE-shaped value', 'a.b.c.d.e'],
  ] as const) {
    it(`refuses a statement that is not a JWT: ${what} (invalid_software_statement)`, async () => {
      await refusedWith(verifySoftwareStatement(value, context), 'invalid_software_statement', /not a JWT/);
    });
  }
});

describe('software statement keys from a jwksUri', () => {
  const issuer = 'https://remote-publisher.example';
  let server: Server;
  let jwks: { keys: JWK[] } = { keys: [] };
  let fetches = 0;
  let baseUrl: string;
  let first: SigningKey;
  let second: SigningKey;

  before(async () => {
    first = await signingKey('ES256', 'key-2026-01');
    second = await signingKey('RS256', 'key-2026-02');
    jwks = { keys: [first.publicJwk] };
    server = createServer((request, response) => {
      if (request.url === '/broken.json') {
        response.writeHead(500).end('nope');
        return;
      }
      fetches += 1;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwks));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const contextFor = (jwksUri: string, cooldownMs: number) => {
    const issuers: SoftwareStatementIssuer[] = [{ issuer, jwksUri }];
    return { keysFor: createStatementKeyResolver(issuers, { cooldownMs }), issuers, clock, audiences };
  };

  it('returns one key resolver per trusted issuer, the same each time, and none for others', () => {
    const resolve = createStatementKeyResolver([{ issuer, jwksUri: `${baseUrl}/jwks.json` }]);
    assert.equal(typeof resolve(issuer), 'function');
    assert.equal(resolve(issuer), resolve(issuer), 'created once, so its cache is shared by registrations');
    assert.equal(resolve('https://stranger.example'), undefined);
  });

  it('fetches the keys, caches them, and picks up a rotated kid', async () => {
    jwks = { keys: [first.publicJwk] };
    fetches = 0;
    const context = contextFor(`${baseUrl}/jwks.json`, 0);
    const verified = await verifySoftwareStatement(await sign(first, { iss: issuer, exp, client_name: 'Remote App' }), context);
    assert.deepEqual(verified.claims, { client_name: 'Remote App' });
    await verifySoftwareStatement(await sign(first, { iss: issuer, exp, client_name: 'Remote App' }), context);
    assert.equal(fetches, 1, 'a known kid is served from the cache');

    jwks = { keys: [second.publicJwk] };
    const rotated = await verifySoftwareStatement(await sign(second, { iss: issuer, exp, client_name: 'Rotated' }), context);
    assert.equal(rotated.claims['client_name'], 'Rotated');
    assert.equal(fetches, 2, 'an unknown kid triggers one re-fetch');
    await refusedWith(verifySoftwareStatement(await sign(first, { iss: issuer, exp }), context), 'invalid_software_statement', /key set does not contain/);
  });

  it('does not re-fetch for an unknown kid within the cooldown', async () => {
    jwks = { keys: [first.publicJwk] };
    fetches = 0;
    const context = contextFor(`${baseUrl}/jwks.json`, 60_000);
    await verifySoftwareStatement(await sign(first, { iss: issuer, exp }), context);
    jwks = { keys: [second.publicJwk] };
    await refusedWith(verifySoftwareStatement(await sign(second, { iss: issuer, exp }), context), 'invalid_software_statement', /key set does not contain/);
    assert.equal(fetches, 1);
  });

  it('refuses the statement when the issuer’s keys cannot be fetched (invalid_software_statement)', async () => {
    const error = await refusedWith(
      verifySoftwareStatement(await sign(first, { iss: issuer, exp }), contextFor(`${baseUrl}/broken.json`, 0)),
      'invalid_software_statement',
      /keys could not be obtained/,
    );
    assert.match(error.detail ?? '', /200 OK/);
  });
});
