import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { decodeJwt } from 'jose';
import { digestSecret } from '../../src/protocol/secrets.js';
import type { Storage } from '../../src/ports/storage.js';
import { createDatabase, runLatchkey, withDatabase } from '../support/cli.js';
import { basicAuthorization } from '../support/operator-client.js';
import { startTestServer } from '../support/server.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-clients-create-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const database = `sqlite:${join(dir, 'clients.db')}`;
const latchkey = (args: string[]) => runLatchkey([...args, '--database', database]);
const resource = 'https://mcp.example.com/mcp';

const withStorage = <R>(work: (storage: Storage) => Promise<R>): Promise<R> => withDatabase(database, work);

interface Created {
  client_id: string;
  client_secret: string;
  client_name: string;
  grant_types: string[];
  redirect_uris: string[];
  scope: string;
  token_endpoint_auth_method: string;
}

describe('latchkey clients create', () => {
  let machine: Created;
  before(() => createDatabase(database));

  it('creates a machine client without redirect URIs, prints its secret once as JSON, stores only the digest, and audits it as cli', async () => {
    const result = latchkey(['clients', 'create', '--name', 'Billing robot', '--grant', 'client_credentials', '--scope', 'mcp:tools', '--json']);
    assert.equal(result.status, 0, result.stderr);
    machine = JSON.parse(result.stdout);
    assert.match(machine.client_secret, /^[\w-]{43}$/);
    assert.equal(machine.client_name, 'Billing robot');
    assert.deepEqual(machine.grant_types, ['client_credentials']);
    assert.deepEqual(machine.redirect_uris, []);
    assert.equal(machine.scope, 'mcp:tools');
    assert.equal(machine.token_endpoint_auth_method, 'client_secret_basic');

    await withStorage(async (storage) => {
      const stored = await storage.clients.findClient(machine.client_id);
      assert.equal(stored?.registrationSource, 'operator');
      assert.equal(stored?.clientSecretDigest, digestSecret(machine.client_secret));
      assert.equal(stored?.registrationAccessTokenDigest, null);
      assert.equal(stored?.policy, null);
      const [event] = await storage.auditEvents.listAuditEvents({ type: 'client.registered', clientId: machine.client_id, limit: 5 });
      assert.equal(event?.actor, 'cli');
      assert.equal(event?.data['source'], 'operator');
      assert.ok(!JSON.stringify(event).includes(machine.client_secret), 'the audit trail never holds the secret');
    });
  });

  it('gives the created client a client_credentials token from a server on the same database, for a resource with machineClients', async () => {
    const server = await startTestServer({
      database: { name: 'sqlite', create: async () => ({ url: database, cleanup: async () => {} }) },
      overrides: { resources: [{ uri: resource, name: 'Example', scopes: ['mcp:tools'], machineClients: true }] },
    });
    try {
      const response = await server.app.inject({
        method: 'POST',
        url: '/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basicAuthorization(machine.client_id, machine.client_secret) },
        payload: new URLSearchParams({ grant_type: 'client_credentials', resource }).toString(),
      });
      assert.equal(response.statusCode, 200, response.body);
      const claims = decodeJwt(response.json().access_token);
      assert.deepEqual([claims['gty'], claims.sub, claims['scope']], ['client_credentials', machine.client_id, 'mcp:tools']);
    } finally {
      await server.close();
    }
  });

  it('says the secret is shown only once in the readable output, and creates a user-flow client with client_secret_post', () => {
    const result = latchkey(['clients', 'create', '--name', 'Web app', '--redirect-uri', 'https://app.example/cb', '--redirect-uri', 'https://app.example/cb2', '--auth-method', 'client_secret_post']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(
      result.stdout,
      /^Client [\w-]+ \(Web app\) created: authorization_code, refresh_token; scope openid profile email; client_secret_post\.\nThe secret is shown only now.*\n\nclient_id: {5}[\w-]+\nclient_secret: [\w-]{43}\n$/,
    );
  });

  it('lists the created clients with source operator', () => {
    const result = latchkey(['clients', 'list', '--source', 'operator', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const listed = JSON.parse(result.stdout) as { clientId: string; source: string }[];
    assert.equal(listed.length, 2);
    assert.ok(listed.every((c) => c.source === 'operator'));
    assert.ok(listed.some((c) => c.clientId === machine.client_id));
    assert.ok(!result.stdout.includes(machine.client_secret), 'never the secret again');
  });

  it('refuses bad usage and bad metadata with exit status 2, creating nothing', async () => {
    const before = await withStorage((storage) => storage.clients.countClients({}));
    for (const [args, message] of [
      [['--grant', 'client_credentials'], /required option '--name <name>' not specified/],
      [['--name', 'x', '--grant', 'client_credentials', '--auth-method', 'none'], /Allowed choices are client_secret_basic, client_secret_post/],
      [['--name', 'x', '--grant', 'password'], /expected one of client_credentials, authorization_code, refresh_token/],
      [['--name', 'x'], /redirect_uris is required.*\(add --redirect-uri, or --grant client_credentials for a machine client\)/],
      [['--name', 'x', '--grant', 'client_credentials', '--scope', 'mcp:tolls'], /scope mcp:tolls is not supported here/],
      [['--name', 'x', '--redirect-uri', 'http://app.example/cb'], /redirect_uris\[0\]/],
    ] as const) {
      const result = latchkey(['clients', 'create', ...args]);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
      assert.match(result.stderr, message, args.join(' '));
      assert.equal(result.stdout, '', args.join(' '));
    }
    assert.equal(await withStorage((storage) => storage.clients.countClients({})), before);
  });

  it('shows help for create and lists it in the group (exit 0)', () => {
    const group = runLatchkey(['clients', '--help']);
    assert.equal(group.status, 0);
    assert.match(group.stdout, /create \[options\]/);
    const help = runLatchkey(['clients', 'create', '--help']);
    assert.equal(help.status, 0, help.stderr);
    for (const flag of ['--name <name>', '--grant <grant>', '--scope <scope>', '--redirect-uri <uri>', '--auth-method <method>', '--json', '--database <url>']) {
      assert.ok(help.stdout.includes(flag), `${flag} in: ${help.stdout}`);
    }
    assert.match(help.stdout, /Exit status: 0 created, 2 bad usage or metadata/);
  });
});
