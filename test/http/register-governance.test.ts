import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { SignJWT, exportJWK, generateKeyPair } from 'jose';
import { noAudit } from '../../src/ports/audit-trail.js';
import { cliActor } from '../../src/operations/actor.js';
import { issueInitialAccessToken, type InitialAccessTokenRequest } from '../../src/operations/initial-access-tokens.js';
import { systemRandom } from '../../src/system.js';
import { createUser } from '../../src/users/users.js';
import { TestBrowser } from '../support/browser.js';
import { fixedClock } from '../support/clock.js';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

const client = (overrides: Record<string, unknown> = {}) => ({
  client_name: 'Partner Agent',
  redirect_uris: ['https://app.partner.example/callback'],
  token_endpoint_auth_method: 'none',
  ...overrides,
});

const register = (server: TestServer, body: unknown, token?: string) =>
  server.app.inject({
    method: 'POST',
    url: '/register',
    payload: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) },
  });

const policies = {
  partners: { allowRedirectHosts: ['*.partner.example'], allowScopes: ['mcp', 'openid'], allowTokenEndpointAuthMethods: ['none'], maxClients: 3 },
  open: { denyRedirectHosts: ['*.evil.example'] },
};

async function createToken(server: TestServer, request: Partial<InitialAccessTokenRequest>, now = Date.now()): Promise<string> {
  const { token } = await issueInitialAccessToken(
    { maxUses: null, expiresInSeconds: null, policy: null, description: null, ...request },
    { initialAccessTokens: server.storage.initialAccessTokens, config: server.config, clock: { now: () => now }, random: systemRandom, audit: noAudit },
    cliActor,
  );
  return token;
}

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('protected registration (initial access tokens, RFC 7591 §3)', () => {
    const clock = fixedClock(Date.now());
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind, clock, overrides: { 'registration.mode': 'protected', 'registration.policies': policies } });
    });
    after(() => server.close());

    it('refuses a registration without a token: 401 invalid_token, a bare Bearer challenge (RFC 6750 §3.1)', async () => {
      const response = await register(server, client());
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().error, 'invalid_token');
      assert.match(response.json().error_description, /requires an initial access token/);
      assert.equal(response.headers['www-authenticate'], 'Bearer');
    });

    it('refuses an unknown token with error="invalid_token" in the challenge', async () => {
      const response = await register(server, client(), 'not-a-real-token');
      assert.equal(response.statusCode, 401);
      assert.equal(response.json().error, 'invalid_token');
      assert.match(String(response.headers['www-authenticate']), /^Bearer error="invalid_token"/);
    });

    it('registers with a valid token, records it as the source, and counts the use', async () => {
      const token = await createToken(server, { maxUses: 5 });
      const response = await register(server, client({ client_name: 'With a token' }), token);
      assert.equal(response.statusCode, 201, response.body);
      const stored = await server.storage.clients.findClient(response.json().client_id);
      assert.equal(stored?.registrationSource, 'iat');
      const [listed] = (await server.storage.initialAccessTokens.listInitialAccessTokens()).filter((t) => t.id === stored?.initialAccessTokenId);
      assert.equal(listed?.uses, 1);
    });

    it('refuses a one-use token the second time', async () => {
      const token = await createToken(server, { maxUses: 1 });
      assert.equal((await register(server, client(), token)).statusCode, 201);
      const again = await register(server, client(), token);
      assert.equal(again.statusCode, 401);
      assert.equal(again.json().error, 'invalid_token');
    });

    it('refuses an expired token (fixed clock) and a revoked one', async () => {
      const expiring = await createToken(server, { expiresInSeconds: 60 }, clock.now());
      assert.equal((await register(server, client(), expiring)).statusCode, 201);
      clock.advance(61_000);
      assert.equal((await register(server, client(), expiring)).statusCode, 401);

      const revoked = await createToken(server, {}, clock.now());
      const [record] = await server.storage.initialAccessTokens.listInitialAccessTokens();
      assert.ok(await server.storage.initialAccessTokens.revokeInitialAccessToken(record!.id, clock.now()));
      assert.equal((await register(server, client(), revoked)).statusCode, 401);
    });

    it('lets exactly one of 20 concurrent registrations spend a one-use token', async () => {
      const token = await createToken(server, { maxUses: 1 }, clock.now());
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => register(server, client({ client_name: `Racer ${i}` }), token)));
      const statuses = responses.map((r) => r.statusCode);
      assert.equal(statuses.filter((s) => s === 201).length, 1, `statuses: ${statuses.join(',')}`);
      assert.equal(statuses.filter((s) => s === 401).length, 19);
      const spent = (await server.storage.initialAccessTokens.listInitialAccessTokens()).find((t) => t.maxUses === 1 && t.uses === 1 && t.createdAt === clock.now());
      assert.ok(spent, 'the token shows exactly one use');
    });

    it('lets exactly 3 of 12 concurrent registrations spend a three-use token', async () => {
      const token = await createToken(server, { maxUses: 3 }, clock.now());
      const responses = await Promise.all(Array.from({ length: 12 }, () => register(server, client(), token)));
      assert.equal(responses.filter((r) => r.statusCode === 201).length, 3);
    });

    it("applies the token's policy, and a refused registration does not spend the token", async () => {
      const token = await createToken(server, { maxUses: 1, policy: 'partners' }, clock.now());
      const outside = await register(server, client({ redirect_uris: ['https://elsewhere.example/cb'] }), token);
      assert.equal(outside.statusCode, 400);
      assert.equal(outside.json().error, 'invalid_redirect_uri');
      const inside = await register(server, client({ scope: 'mcp profile' }), token);
      assert.equal(inside.statusCode, 201, 'the token was not spent by the refused request');
      assert.equal(inside.json().scope, 'mcp', 'scopes outside the policy are dropped');
      const stored = await server.storage.clients.findClient(inside.json().client_id);
      assert.equal(stored?.policy, 'partners');
    });

    it('an update cannot move a client off its policy (RFC 7592 PUT)', async () => {
      const token = await createToken(server, { policy: 'partners' }, clock.now());
      const created = (await register(server, client(), token)).json();
      const update = await server.app.inject({
        method: 'PUT',
        url: `/register/${created.client_id}`,
        payload: JSON.stringify({ client_id: created.client_id, ...client({ redirect_uris: ['https://attacker.example/cb'] }) }),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${created.registration_access_token}` },
      });
      assert.equal(update.statusCode, 400);
      assert.equal(update.json().error, 'invalid_redirect_uri');
      const stored = await server.storage.clients.findClient(created.client_id);
      assert.deepEqual(stored?.metadata.redirect_uris, ['https://app.partner.example/callback']);
    });

    it("grants a client under a policy only the policy's scopes at /authorize, whatever it asks for", async () => {
      await createUser(server.storage.users, { username: 'carol', password: 'carol carol carol' }, { now: clock.now(), newId: () => `user-carol-${kind.name}` });
      const token = await createToken(server, { policy: 'partners' }, clock.now());
      const registered = (await register(server, client({ scope: 'mcp openid' }), token)).json();
      const verifier = randomBytes(32).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: registered.client_id,
        redirect_uri: 'https://app.partner.example/callback',
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
        scope: 'openid email mcp:tools mcp offline_access',
      });
      const browser = new TestBrowser(server.app);
      const login = await browser.get(`/authorize?${params}`);
      const consent = await browser.follow(await browser.submit(login, { username: 'carol', password: 'carol carol carol' }));
      const done = await browser.submit(consent, { decision: 'allow' });
      const code = new URL(String(done.headers.location)).searchParams.get('code');
      assert.ok(code, `redirected with a code: ${done.headers.location}`);
      const exchanged = await server.app.inject({
        method: 'POST',
        url: '/token',
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: 'https://app.partner.example/callback', client_id: registered.client_id, code_verifier: verifier }).toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      assert.equal(exchanged.statusCode, 200, exchanged.body);
      assert.equal(exchanged.json().scope, 'openid mcp');
    });

    it("refuses registrations past the policy's maxClients", async () => {
      const before = await server.storage.clients.countClientsWithPolicy('partners');
      const token = await createToken(server, { policy: 'partners' }, clock.now());
      const statuses: number[] = [];
      for (let i = before; i < 4; i++) statuses.push((await register(server, client(), token)).statusCode);
      assert.equal(await server.storage.clients.countClientsWithPolicy('partners'), 3);
      const refused = await register(server, client(), token);
      assert.equal(refused.statusCode, 400);
      assert.match(refused.json().error_description, /no more clients can be registered under this policy/);
    });
  });

  describe('open registration under a default policy, with an audit trail', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({ database: kind, overrides: { 'registration.policy': 'open', 'registration.policies': policies } });
    });
    after(() => server.close());

    it('registers without a token, and refuses a redirect host on the deny-list', async () => {
      assert.equal((await register(server, client())).statusCode, 201);
      const denied = await register(server, client({ redirect_uris: ['https://login.evil.example/cb'] }));
      assert.equal(denied.statusCode, 400);
      assert.equal(denied.json().error, 'invalid_redirect_uri');
    });

    it('still honours an initial access token presented in open mode, and refuses a bad one', async () => {
      const token = await createToken(server, { policy: 'partners' });
      const response = await register(server, client(), token);
      assert.equal(response.statusCode, 201);
      assert.equal((await server.storage.clients.findClient(response.json().client_id))?.policy, 'partners');
      assert.equal((await register(server, client(), 'wrong')).statusCode, 401);
    });

    it('writes registration, update and deletion events without secrets', async () => {
      const created = (await register(server, client({ client_name: 'Audited', token_endpoint_auth_method: 'client_secret_basic' }))).json();
      const auth = { authorization: `Bearer ${created.registration_access_token}` };
      const deleted = await server.app.inject({ method: 'DELETE', url: `/register/${created.client_id}`, headers: auth });
      assert.equal(deleted.statusCode, 204);
      const withToken = (await register(server, client(), await createToken(server, { policy: 'partners' }))).json();
      const iatId = (await server.storage.clients.findClient(withToken.client_id))?.initialAccessTokenId;
      assert.ok(iatId);
      await server.app.close(); // flushes the trail
      const tokenEvents = await server.storage.auditEvents.listAuditEvents({ clientId: withToken.client_id, limit: 10 });
      assert.deepEqual(tokenEvents.map((e) => [e.type, e.data['iat_id']]), [['client.registered', iatId]], 'the token use is the registration event, not a second one');
      const events = await server.storage.auditEvents.listAuditEvents({ clientId: created.client_id, limit: 10 });
      assert.deepEqual(events.map((e) => e.type).sort(), ['client.deleted', 'client.registered']);
      const registered = events.find((e) => e.type === 'client.registered')!;
      assert.equal(registered.data['client_name'], 'Audited');
      assert.deepEqual(registered.data['redirect_hosts'], ['app.partner.example']);
      assert.equal(registered.ip, '127.0.0.1');
      const text = JSON.stringify(events);
      for (const secret of [created.client_secret, created.registration_access_token]) assert.ok(!text.includes(secret), 'no secret in the trail');
    });
  });

  describe('software statements and look-alike names through /register', () => {
    let server: TestServer;
    let privateKey: Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];
    const publisher = 'https://publisher.example';
    before(async () => {
      const pair = await generateKeyPair('ES256');
      privateKey = pair.privateKey;
      const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'p1' };
      server = await startTestServer({
        database: kind,
        overrides: {
          'registration.policies': policies,
          'registration.softwareStatement.issuers': [{ issuer: publisher, jwks: { keys: [jwk] }, policy: 'partners' }],
        },
      });
    });
    after(() => server.close());

    const statement = (claims: Record<string, unknown>) =>
      new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'p1' }).setIssuer(publisher).setIssuedAt().setExpirationTime('1h').sign(privateKey);

    it("registers with a trusted statement: its claims win, it is echoed, and its issuer's policy applies", async () => {
      const signed = await statement({ client_name: 'Signed Agent', software_id: 'agent-1', redirect_uris: ['https://app.partner.example/signed'] });
      const response = await register(server, client({ client_name: 'Request Name', software_statement: signed, scope: 'mcp email' }));
      assert.equal(response.statusCode, 201, response.body);
      const body = response.json();
      assert.equal(body.client_name, 'Signed Agent');
      assert.deepEqual(body.redirect_uris, ['https://app.partner.example/signed']);
      assert.equal(body.software_id, 'agent-1');
      assert.equal(body.software_statement, signed, 'RFC 7591 §3.2.1: returned unmodified');
      assert.equal(body.scope, 'mcp');
      const stored = await server.storage.clients.findClient(body.client_id);
      assert.equal(stored?.registrationSource, 'software_statement');
      assert.equal(stored?.policy, 'partners');
    });

    it('refuses a statement signed by another key (invalid_software_statement) and one from an unknown issuer (unapproved)', async () => {
      const other = await generateKeyPair('ES256');
      const forged = await new SignJWT({ client_name: 'Forged' }).setProtectedHeader({ alg: 'ES256', kid: 'p1' }).setIssuer(publisher).sign(other.privateKey);
      const invalid = await register(server, client({ software_statement: forged }));
      assert.equal(invalid.statusCode, 400);
      assert.equal(invalid.json().error, 'invalid_software_statement');
      const stranger = await new SignJWT({}).setProtectedHeader({ alg: 'ES256' }).setIssuer('https://stranger.example').sign(other.privateKey);
      const unapproved = await register(server, client({ software_statement: stranger }));
      assert.equal(unapproved.statusCode, 400);
      assert.equal(unapproved.json().error, 'unapproved_software_statement');
    });

    it('requires exp, and an aud naming this server when there is one (issue 10, finding 14a)', async () => {
      const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'p1' }).setIssuer(publisher).setIssuedAt().sign(privateKey);
      const inAnHour = Math.floor(Date.now() / 1000) + 3600;
      const endless = await register(server, client({ software_statement: await sign({ client_name: 'Endless' }) }));
      assert.equal(endless.statusCode, 400, endless.body);
      assert.equal(endless.json().error, 'invalid_software_statement');
      assert.match(endless.json().error_description, /must have an exp claim/);
      const elsewhere = await register(server, client({ software_statement: await sign({ exp: inAnHour, aud: 'https://other-as.example' }) }));
      assert.equal(elsewhere.statusCode, 400, elsewhere.body);
      assert.match(elsewhere.json().error_description, /aud claim does not name this server/);
      for (const aud of [server.config.issuer, `${server.config.issuer}/register`]) {
        const addressed = await register(server, client({ software_statement: await sign({ exp: inAnHour, aud }) }));
        assert.equal(addressed.statusCode, 201, `${aud}: ${addressed.body}`);
      }
    });

    it('registers a client imitating a well-known agent but flags it, and records why', async () => {
      const response = await register(server, client({ client_name: 'Сlaude', redirect_uris: ['https://claude-login.example/cb'] }));
      assert.equal(response.statusCode, 201, response.body);
      const stored = await server.storage.clients.findClient(response.json().client_id);
      assert.equal(stored?.lookAlikeOf, 'Claude');
      const genuine = await register(server, client({ client_name: 'Claude', redirect_uris: ['https://claude.ai/api/mcp/auth_callback'] }));
      assert.equal((await server.storage.clients.findClient(genuine.json().client_id))?.lookAlikeOf, null);
      await server.app.close();
      const [flagged] = await server.storage.auditEvents.listAuditEvents({ clientId: stored!.clientId, type: 'client.flagged', limit: 1 });
      assert.equal(flagged?.data['look_alike_of'], 'Claude');
    });
  });
});
