import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { forEachDatabase, type DatabaseKind } from '../support/databases.js';
import { startTestServer, type TestServer } from '../support/server.js';

/**
 * Registration as an attacker tries it (issue 10): host variants past a deny-list, malformed key sets. Each test
 * here failed before its fix; the MCP client fixtures must still register unchanged under the same server.
 */

const fixtures = JSON.parse(readFileSync(new URL('../fixtures/mcp-client-registrations.json', import.meta.url), 'utf8')) as {
  clients: { name: string; request: Record<string, unknown> }[];
};

const register = (server: TestServer, body: unknown) =>
  server.app.inject({ method: 'POST', url: '/register', payload: JSON.stringify(body), headers: { 'content-type': 'application/json' } });

const client = (overrides: Record<string, unknown> = {}) => ({
  client_name: 'Hardening Test',
  redirect_uris: ['https://app.example/cb'],
  token_endpoint_auth_method: 'none',
  ...overrides,
});

/** An RSA public key of 2048 bits (RFC 7517 Appendix A.1). */
const rsa = {
  kty: 'RSA',
  n: '0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw',
  e: 'AQAB',
  kid: '2011-04-29',
};

forEachDatabase(describe, (kind: DatabaseKind) => {
  describe('registration hardening (issue 10)', () => {
    let server: TestServer;
    before(async () => {
      server = await startTestServer({
        database: kind,
        overrides: {
          'registration.policy': 'open',
          'registration.policies': { open: { denyRedirectHosts: ['evil.example', '*.evil.example'] } },
        },
      });
    });
    after(() => server.close());

    it('still registers every MCP client fixture unchanged under a deny-list policy', async () => {
      for (const { name, request } of fixtures.clients) {
        const response = await register(server, request);
        assert.equal(response.statusCode, 201, `${name}: ${response.body}`);
        assert.deepEqual(response.json().redirect_uris, request['redirect_uris'], name);
      }
    });

    describe('finding 8: a deny-list of evil.example is not passed by a variant of the host', () => {
      for (const uri of ['https://evil%2eexample/cb', 'https://evil.example./cb', 'https://EVIL.example/cb', 'https://www.evil.example./cb', 'https://www.evil%2Eexample/cb']) {
        it(`refuses ${uri} (invalid_redirect_uri)`, async () => {
          const response = await register(server, client({ redirect_uris: ['https://app.example/cb', uri] }));
          assert.equal(response.statusCode, 400, response.body);
          assert.equal(response.json().error, 'invalid_redirect_uri');
          assert.match(response.json().error_description, /^redirect_uris\[1\] /);
        });
      }
    });

    describe('finding 9: look-alike names from the UTS #39 confusables data', () => {
      for (const [name, flagged] of [
        ['\u13dflaude', 'Claude'], // Cherokee tli
        ['\ua4dalaude', 'Claude'], // Lisu ca
        ['Cla\u057dde', 'Claude'], // Armenian seh
        ['Y\u043eur B\u0430nk', 'Your Bank'], // Cyrillic o and a: mixed scripts
      ] as const) {
        it(`registers "${name}" but flags it as ${flagged}`, async () => {
          const response = await register(server, client({ client_name: name, redirect_uris: ['https://phish.example/cb'] }));
          assert.equal(response.statusCode, 201, response.body);
          assert.equal((await server.storage.clients.findClient(response.json().client_id))?.lookAlikeOf, flagged);
        });
      }
    });

    describe('finding 16: jwks members are real public keys (RFC 7517, RFC 7518)', () => {
      const refused: [string, Record<string, unknown>, RegExp][] = [
        ['an RSA key without n', { kty: 'RSA', e: 'AQAB' }, /jwks\.keys\[0\] is not a valid RSA public key: n and e/],
        ['an RSA key without e', { kty: 'RSA', n: rsa.n }, /jwks\.keys\[0\] is not a valid RSA public key: n and e/],
        ['a private key (d)', { ...rsa, d: 'X4cTteJY_gn4FYPsXB8rdXix5vwsg1FLN5E3EaG6RJoVH-HLLKD9M7dx5oo7GURknchnrRweUkC7hT5fJLM0WbFAKNLWY2vv7B6NqXSzUvxT0_YSfqijwp3RTzlBaCxWp4doFk5N2o8Gy_nHNKroADIkJ46pRUohsXywbReAdYaMwFs9tv8d_cPVY3i07a3t8MN6TNwm0dSawm9v47UiCl3Sk5ZiG7xojPLu4sbg1U2jx4IBTNBznbJSzFHK66jT8bgkuqsk0GjskDJk19Z4qwjwbsnn4j2WBii3RL-Us2lGVkY8fkFzme1z0HbIkfz0Y6mqnOYtqc0X4jfcKoAC8Q' }, /jwks\.keys\[0\] is a private key \(it has a d member\)/],
        ['a symmetric key', { kty: 'oct', k: 'AyM1SysPpbyDfgZld3umj1qzKObwVMkoqQ-EstJQLr_T-1qS0gZH75aKtMN3Yj0iPS4hcgUuTwjAzZr1Z9CAow' }, /jwks\.keys\[0\] is a symmetric key \(kty oct\)/],
      ];
      for (const [what, key, description] of refused) {
        it(`refuses ${what} (invalid_client_metadata)`, async () => {
          const response = await register(server, client({ token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [key] } }));
          assert.equal(response.statusCode, 400, response.body);
          assert.equal(response.json().error, 'invalid_client_metadata');
          assert.match(response.json().error_description, description);
        });
      }

      it('registers a well-formed RSA public key and echoes it', async () => {
        const response = await register(server, client({ token_endpoint_auth_method: 'client_secret_basic', jwks: { keys: [rsa] } }));
        assert.equal(response.statusCode, 201, response.body);
        assert.deepEqual(response.json().jwks, { keys: [rsa] });
      });
    });
  });
});
