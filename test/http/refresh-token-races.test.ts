import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { GrantStore } from '../../src/ports/grants.js';
import type { RefreshTokenSeal } from '../../src/protocol/token/refresh-token-key.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { refreshRequest, sealedGrant as makeSealedGrant, serverSeal as sealOf } from '../support/sealed-grant.js';
import { startTestServer, type TestServer } from '../support/server.js';

// The token endpoint reads a refresh token with its grant, checks the request, then rotates with the grant it read;
// the store reads again only what can change in between. Each test puts a change in that gap (the server's storage
// is patched to make it right after the lookup) and fails if the rotation no longer sees it.

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('refresh token races between lookup and rotation', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    let serverSeal: RefreshTokenSeal;
    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { 'tokens.refreshReuseGraceSeconds': 0 } });
      await server.storage.users.createUser({ id: 'user-race', username: 'rory', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
      serverSeal = await sealOf(server);
    });
    after(() => server.close());

    const sealedGrant = () => makeSealedGrant(server, { seal: serverSeal, userId: 'user-race', now: clock.now(), lifetimeMs: 86_400_000 });

    /** Runs `between` once, right after the endpoint's next lookup of a refresh token. */
    function afterNextLookup(between: (found: NonNullable<Awaited<ReturnType<GrantStore['findRefreshToken']>>>, digest: string) => Promise<void>): void {
      const grants = server.storage.grants;
      const lookup = grants.findRefreshToken;
      grants.findRefreshToken = async (digest) => {
        grants.findRefreshToken = lookup;
        const found = await lookup.call(grants, digest);
        if (found) await between(found, digest);
        return found;
      };
    }

    it('refuses a token whose grant was revoked after the lookup (invalid_grant, the grant was revoked)', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      afterNextLookup(async () => assert.equal(await server.storage.grants.revokeGrant(grantId, clock.now()), true));
      const response = await refreshRequest(server, clientId, token);
      assert.equal(response.statusCode, 400, response.body);
      assert.deepEqual(response.json(), { error: 'invalid_grant', error_description: 'the grant was revoked' });
    });

    it('answers reuse, and revokes the grant, for a token another request rotated after the lookup', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      afterNextLookup(async (found, digest) => {
        const next = { tokenDigest: `race-${grantId}`, grantId, scope: found.token.scope, createdAt: clock.now(), expiresAt: found.token.expiresAt };
        assert.equal((await server.storage.grants.rotateRefreshToken(digest, next, clock.now())).status, 'rotated');
      });
      const response = await refreshRequest(server, clientId, token);
      assert.equal(response.statusCode, 400, response.body);
      assert.equal(response.json().error, 'invalid_grant');
      assert.notEqual((await server.storage.grants.findGrant(grantId))?.revokedAt, null, 'the grant is revoked');
    });

    it('rotates as before when nothing changed in between', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const response = await refreshRequest(server, clientId, token);
      assert.equal(response.statusCode, 200, response.body);
      assert.equal((await server.storage.grants.findGrant(grantId))?.revokedAt, null);
    });
  });
});
