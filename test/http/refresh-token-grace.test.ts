import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sweepRetention } from '../../src/cleanup/retention.js';
import type { RefreshTokenSeal } from '../../src/protocol/token/refresh-token-key.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { refreshRequest, sealedGrant as makeSealedGrant, serverSeal as sealOf } from '../support/sealed-grant.js';
import { startTestServer, type TestServer } from '../support/server.js';

// Abuse and edge cases of the reuse grace window with sealed refresh tokens (found in a review of c181794).

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('sealed refresh tokens and the reuse grace window', () => {
    const clock = fixedClock(Date.UTC(2026, 5, 1));
    let server: TestServer;
    let serverSeal: RefreshTokenSeal;
    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { 'tokens.refreshReuseGraceSeconds': 60 } });
      await server.storage.users.createUser({ id: 'user-r', username: 'rita', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
      serverSeal = await sealOf(server);
    });
    after(() => server.close());

    const refresh = (clientId: string, token: string) => refreshRequest(server, clientId, token);
    const sealedGrant = () => makeSealedGrant(server, { seal: serverSeal, userId: 'user-r', now: clock.now(), lifetimeMs: 86_400_000 });

    it('answers a parallel refresh inside the window even when another instance, its clock 2 s ahead, swept meanwhile', async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const rotated = await refresh(clientId, token);
      assert.equal(rotated.statusCode, 200, rotated.body);
      const usedAt = clock.now();
      // Another instance (or `latchkey gc` on another host) whose clock reads 2 s later sweeps: without a margin
      // past its own window it would delete the token this instance still holds inside the window.
      await sweepRetention(server.storage, server.config, usedAt + 61_000);
      clock.set(usedAt + 59_000);
      const parallel = await refresh(clientId, token);
      assert.equal(parallel.statusCode, 200, `inside the window by the answering instance's clock: ${parallel.body}`);
      assert.equal((await server.storage.grants.findGrant(grantId))?.revokedAt, null, 'the grant is not revoked');
    });

    // "The next rotation of any of them retires the others ... the other branch's next use is then reuse, and the
    // grant is revoked": a branch retired by its sibling's rotation was reissued again instead, so a thief who
    // presented within the window after each of the victim's rotations kept a branch for good.
    it("revokes at the next use of a branch its sibling's rotation retired, even inside the window", async () => {
      const { clientId, grantId, token } = await sealedGrant();
      const victim = (await refresh(clientId, token)).json().refresh_token as string; // A -> B
      clock.advance(5_000);
      const stolen = await refresh(clientId, token); // A again, in the window: B', a second branch
      assert.equal(stolen.statusCode, 200, stolen.body);
      clock.advance(5_000);
      const victimNext = await refresh(clientId, victim); // B -> C retires B'
      assert.equal(victimNext.statusCode, 200, victimNext.body);
      clock.advance(5_000);
      const again = await refresh(clientId, stolen.json().refresh_token as string); // B', retired by C's rotation
      assert.equal(again.json().error, 'invalid_grant', `the other branch's next use is reuse: ${again.body}`);
      assert.notEqual((await server.storage.grants.findGrant(grantId))?.revokedAt, null, 'and the grant is revoked');
    });
  });
});
