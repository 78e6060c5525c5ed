import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair, SignJWT, decodeJwt, type CryptoKey } from 'jose';
import { loadConfig } from '../../../src/config/load.js';
import { OAuthError } from '../../../src/errors/oauth-error.js';
import { createEnterpriseKeyResolver } from '../../../src/keys/enterprise-keys.js';
import type { AuditEntry } from '../../../src/ports/audit-trail.js';
import { jwtBearerGrantType, type ClientMetadata } from '../../../src/ports/client-metadata.js';
import type { ClientRecord } from '../../../src/ports/clients.js';
import type { Storage } from '../../../src/ports/storage.js';
import { exchangeIdentityAssertion } from '../../../src/protocol/token/jwt-bearer.js';
import type { TokenContext } from '../../../src/protocol/token/token-context.js';
import { systemRandom } from '../../../src/system.js';
import { fixedClock } from '../../support/clock.js';
import { sqliteKind } from '../../support/databases.js';
import { withFreshStorage } from '../../support/storage.js';

/**
 * The identity assertion grant without HTTP, on a fixed clock: exact lifetime bounds, the audit trail, the
 * stored grant, resource lists, and the refusals the end-to-end test cannot reach (a public client that holds
 * the grant, a server with no enterprise provider, an unreachable JWKS).
 */

const issuer = 'https://as.example';
const idpIssuer = 'https://idp.acme.example';
const resource = 'https://mcp.acme.example/mcp';
const otherResource = 'https://mcp2.acme.example/mcp';
const clock = fixedClock(Date.UTC(2026, 6, 1));
const nowSeconds = () => Math.floor(clock.now() / 1000);

const idpKeys = await generateKeyPair('ES256');
const asKey = (await generateKeyPair('ES256')).privateKey;
const jwks = { keys: [{ ...(await exportJWK(idpKeys.publicKey)), kid: 'k1', alg: 'ES256' }] };

function configWith(overrides: Record<string, unknown> = {}) {
  return loadConfig({
    env: {},
    overrides: {
      issuer,
      'identity.enterpriseProviders': [{ id: 'acme-idp', issuer: idpIssuer, jwks }],
      'identity.allow': { anyone: true },
      resources: [
        { uri: resource, name: 'One', scopes: ['mcp:tools', 'mcp:read'] },
        { uri: otherResource, name: 'Two', scopes: ['mcp:tools'] },
      ],
      ...overrides,
    },
  });
}

function clientRecord(metadata: Partial<ClientMetadata> = {}): ClientRecord {
  return {
    clientId: 'agent-1',
    clientSecretDigest: 'unused',
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: 0,
    metadata: {
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic',
      grant_types: [jwtBearerGrantType],
      response_types: [],
      scope: 'mcp:tools mcp:read offline_access',
      application_type: 'web',
      ...metadata,
    },
    registrationSource: 'dynamic',
    updatedAt: 0,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
}

async function mint(claims: Record<string, unknown> = {}, key: CryptoKey = idpKeys.privateKey): Promise<string> {
  const payload: Record<string, unknown> = {
    iss: idpIssuer, sub: 'U1', aud: issuer, client_id: 'agent-1', jti: randomUUID(), iat: nowSeconds(), exp: nowSeconds() + 300, resource, scope: 'mcp:tools', ...claims,
  };
  for (const [name, value] of Object.entries(payload)) if (value === undefined) delete payload[name];
  return new SignJWT(payload).setProtectedHeader({ alg: 'ES256', typ: 'oauth-id-jag+jwt', kid: 'k1' }).sign(key);
}

describe('exchangeIdentityAssertion (draft-ietf-oauth-identity-assertion-authz-grant §4.4)', () => {
  let storage: Storage;
  withFreshStorage(sqliteKind, async (s) => {
    storage = s;
    // Grants refer to their client.
    await storage.clients.insertClient(clientRecord());
  });

  function contextFor(config = configWith(), events: AuditEntry[] = [], keysFor = createEnterpriseKeyResolver(config.identity.enterpriseProviders)): TokenContext {
    return {
      config,
      clients: storage.clients,
      codes: storage.codes,
      grants: storage.grants,
      users: storage.users,
      signer: { sign: (claims, typ) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ }).sign(asKey) },
      clock,
      random: systemRandom,
      audit: { record: (event) => void events.push(event) },
      enterprise: { keysFor, replays: storage.replays, identities: storage.identities, users: storage.users },
    };
  }

  async function refused(promise: Promise<unknown>, code: string): Promise<void> {
    await assert.rejects(promise, (error: unknown) => error instanceof OAuthError && error.code === code);
  }

  it('issues an access token for the linked user, stores the grant, and audits token.issued and user.created', async () => {
    const events: AuditEntry[] = [];
    const response = await exchangeIdentityAssertion({ assertion: await mint({ sub: 'U-AUDIT', auth_time: nowSeconds() - 60 }) }, clientRecord(), contextFor(configWith(), events));
    assert.equal(response.refresh_token, undefined);
    assert.equal(response.token_type, 'Bearer');
    const claims = decodeJwt(response.access_token);
    const identity = await storage.identities.findIdentity('acme-idp', 'U-AUDIT');
    assert.equal(claims.sub, identity?.userId);
    assert.equal(claims['auth_time'], nowSeconds() - 60);
    const grant = await storage.grants.findGrant(claims['gid'] as string);
    assert.equal(grant?.resource, resource);
    assert.equal(grant?.scope, 'mcp:tools');
    assert.deepEqual(events.map((e) => e.type), ['user.created', 'token.issued']);
    assert.equal(events[1]?.data?.['grant_type'], jwtBearerGrantType);
    assert.equal(events[0]?.data?.['provider'], 'acme-idp');
  });

  it('never grants offline_access, which it has no refresh token for', async () => {
    const response = await exchangeIdentityAssertion({ assertion: await mint({ scope: 'mcp:tools offline_access' }) }, clientRecord(), contextFor());
    assert.equal(response.scope, 'mcp:tools');
  });

  it('accepts a lifetime of exactly 10 minutes and refuses one second more (invalid_grant)', async () => {
    await exchangeIdentityAssertion({ assertion: await mint({ exp: nowSeconds() + 600 }) }, clientRecord(), contextFor());
    await refused(exchangeIdentityAssertion({ assertion: await mint({ exp: nowSeconds() + 601 }) }, clientRecord(), contextFor()), 'invalid_grant');
  });

  it('refuses an assertion without jti, client_id or sub (invalid_grant)', async () => {
    for (const missing of ['jti', 'client_id', 'sub']) {
      await refused(exchangeIdentityAssertion({ assertion: await mint({ [missing]: undefined }) }, clientRecord(), contextFor()), 'invalid_grant');
    }
  });

  it('with a list of resources, takes the one the request names and refuses when none is named (invalid_request) or another is (invalid_target)', async () => {
    const both = { resource: [resource, otherResource] };
    const chosen = await exchangeIdentityAssertion({ assertion: await mint(both), resource: otherResource }, clientRecord(), contextFor());
    assert.equal(decodeJwt(chosen.access_token).aud, otherResource);
    await refused(exchangeIdentityAssertion({ assertion: await mint(both) }, clientRecord(), contextFor()), 'invalid_request');
    await refused(exchangeIdentityAssertion({ assertion: await mint(), resource: otherResource }, clientRecord(), contextFor()), 'invalid_target');
  });

  it('without a resource claim, the token is for the default resource; with no resource configured, for the issuer, and a resource claim is refused', async () => {
    const plain = await exchangeIdentityAssertion({ assertion: await mint({ resource: undefined }) }, clientRecord(), contextFor());
    assert.equal(decodeJwt(plain.access_token).aud, resource);
    const bare = configWith({ resources: [] });
    const noResource = await exchangeIdentityAssertion({ assertion: await mint({ resource: undefined, scope: undefined }) }, clientRecord({ scope: 'openid' }), contextFor(bare));
    assert.equal(decodeJwt(noResource.access_token).aud, issuer);
    await refused(exchangeIdentityAssertion({ assertion: await mint({ scope: undefined }) }, clientRecord({ scope: 'openid' }), contextFor(bare)), 'invalid_grant');
  });

  it('refuses when none of the asked scopes may be granted (invalid_scope)', async () => {
    await refused(exchangeIdentityAssertion({ assertion: await mint({ scope: 'mcp:read' }) }, clientRecord({ scope: 'mcp:tools' }), contextFor()), 'invalid_scope');
  });

  it('refuses a public client even if its record holds the grant (unauthorized_client)', async () => {
    await refused(exchangeIdentityAssertion({ assertion: await mint() }, clientRecord({ token_endpoint_auth_method: 'none' }), contextFor()), 'unauthorized_client');
  });

  it('is unsupported with no enterprise provider configured (unsupported_grant_type)', async () => {
    await refused(exchangeIdentityAssertion({ assertion: await mint() }, clientRecord(), contextFor(configWith({ 'identity.enterpriseProviders': [] }))), 'unsupported_grant_type');
  });

  it('answers invalid_grant, not a server error, when the provider\'s JWKS cannot be fetched', async () => {
    const config = configWith({ 'identity.enterpriseProviders': [{ id: 'acme-idp', issuer: idpIssuer, jwksUri: 'http://127.0.0.1:1/jwks' }] });
    const keysFor = createEnterpriseKeyResolver(config.identity.enterpriseProviders, { timeoutMs: 1000 });
    await refused(exchangeIdentityAssertion({ assertion: await mint() }, clientRecord(), contextFor(config, [], keysFor)), 'invalid_grant');
  });
});
