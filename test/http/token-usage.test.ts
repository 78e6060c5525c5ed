import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { digestSecret } from '../../src/protocol/secrets.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';
const challenge = createHash('sha256').update(verifier).digest('base64url');
const redirectUri = 'https://client.example/cb';
const minute = 60_000;

/**
 * The token endpoint records that a client is in use (for cleanup) coarsely, and audits what it issues. Usage
 * and audit writes happen in the background; closing the app waits for them, so each test closes the app
 * before it reads the database.
 */
forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('token endpoint: last use and audit', () => {
    async function setUp() {
      const clock = fixedClock(Date.UTC(2026, 5, 1));
      const server = await startTestServer({ database: kind, clock });
      await server.storage.users.createUser({ id: 'user-1', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: 1 });
      const registered = await server.app.inject({
        method: 'POST',
        url: '/register',
        payload: { client_name: 'T', redirect_uris: [redirectUri], token_endpoint_auth_method: 'none' },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const clientId = (registered.json() as { client_id: string }).client_id;
      const code = `code-${Math.random()}`;
      await server.storage.codes.insertCode({
        codeDigest: digestSecret(code),
        clientId,
        userId: 'user-1',
        redirectUri,
        codeChallenge: challenge,
        scope: 'mcp:tools',
        resource: null,
        nonce: null,
        authTime: clock.now(),
        expiresAt: clock.now() + minute,
      });
      const token = async (params: Record<string, string>) => {
        const response = await server.app.inject({
          method: 'POST',
          url: '/token',
          payload: new URLSearchParams({ client_id: clientId, ...params }).toString(),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        });
        return { status: response.statusCode, body: response.json() as Record<string, string> };
      };
      const exchange = { grant_type: 'authorization_code', code, code_verifier: verifier, redirect_uri: redirectUri };
      return { clock, server, clientId, token, exchange };
    }

    /** Closes the app (which finishes its background writes) and reads what the database holds. */
    async function closeAndRead(server: TestServer, clientId: string) {
      await server.app.close();
      const client = await server.storage.clients.findClient(clientId);
      const events = await server.storage.auditEvents.listAuditEvents({ clientId, limit: 20 });
      await server.close();
      return { lastUsedAt: client?.lastUsedAt, events: events.reverse() };
    }

    it('records the last use at the code exchange and not again for a refresh within the hour, and audits both issues', async () => {
      const { clock, server, clientId, token, exchange } = await setUp();
      const exchangedAt = clock.now();
      const first = await token(exchange);
      assert.equal(first.status, 200);
      clock.advance(30 * minute);
      const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.body['refresh_token']! });
      assert.equal(refreshed.status, 200);

      const { lastUsedAt, events } = await closeAndRead(server, clientId);
      assert.equal(lastUsedAt, exchangedAt, 'written once, at the code exchange');
      const issued = events.filter((e) => e.type === 'token.issued');
      assert.deepEqual(
        issued.map((e) => ({ userId: e.userId, grantType: e.data['grant_type'], scope: e.data['scope'], at: e.at, ip: e.ip })),
        [
          { userId: 'user-1', grantType: 'authorization_code', scope: 'mcp:tools', at: exchangedAt, ip: '127.0.0.1' },
          { userId: 'user-1', grantType: 'refresh_token', scope: 'mcp:tools', at: exchangedAt + 30 * minute, ip: '127.0.0.1' },
        ],
      );
      assert.equal(issued[0]!.data['grant_id'], issued[1]!.data['grant_id'], 'a refresh continues the same grant');
      const recorded = JSON.stringify(events);
      for (const secret of [first.body['access_token'], first.body['refresh_token'], refreshed.body['refresh_token'], exchange.code]) {
        assert.ok(!recorded.includes(secret!), 'no token or code in the audit trail');
      }
    });

    it('records the last use again for a refresh once the hour has passed', async () => {
      const { clock, server, clientId, token, exchange } = await setUp();
      const first = await token(exchange);
      clock.advance(61 * minute);
      assert.equal((await token({ grant_type: 'refresh_token', refresh_token: first.body['refresh_token']! })).status, 200);
      const { lastUsedAt } = await closeAndRead(server, clientId);
      assert.equal(lastUsedAt, clock.now());
    });

    it('audits the revocation of the grant when a code is replayed, and records no use for the refused request', async () => {
      const { clock, server, clientId, token, exchange } = await setUp();
      const exchangedAt = clock.now();
      assert.equal((await token(exchange)).status, 200);
      clock.advance(2 * 60 * minute);
      assert.equal((await token(exchange)).status, 400);
      const { lastUsedAt, events } = await closeAndRead(server, clientId);
      assert.equal(lastUsedAt, exchangedAt);
      const revoked = events.filter((e) => e.type === 'grant.revoked');
      assert.equal(revoked.length, 1);
      assert.equal(revoked[0]!.data['reason'], 'code_replayed');
      assert.equal(revoked[0]!.ip, '127.0.0.1', 'the address that replayed the code');
      assert.equal(revoked[0]!.data['grant_id'], events.find((e) => e.type === 'token.issued')!.data['grant_id']);
    });
  });
});
