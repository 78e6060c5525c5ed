import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { ClientRecord } from '../../src/ports/clients.js';
import type { Storage } from '../../src/ports/storage.js';
import { runLatchkey, withDatabase } from '../support/cli.js';
import { latchkeyCommand } from '../support/process.js';
import { sampleClient } from '../storage/contract.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-clients-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const database = `sqlite:${join(dir, 'clients.db')}`;
const latchkey = (args: string[], input?: string) => runLatchkey([...args, '--database', database], input === undefined ? {} : { input });
const day = 86_400_000;

const withStorage = <R>(work: (storage: Storage) => Promise<R>): Promise<R> => withDatabase(database, work);

function client(name: string, redirectUri: string, overrides: Partial<ClientRecord> = {}): ClientRecord {
  const base = sampleClient();
  return sampleClient({ ...overrides, metadata: { ...base.metadata, client_name: name, redirect_uris: [redirectUri] } });
}

/**
 * Runs the command on a pseudo-terminal (util-linux `script`), so that it sees a terminal on stdin and stderr;
 * `input` is typed into it. The terminal merges stdout and stderr, with CR LF line ends.
 */
function onTerminal(args: string[], input: string) {
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  const command = [process.execPath, ...latchkeyCommand, ...args, '--database', database].map(quote).join(' ');
  const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', input, env: { PATH: process.env['PATH'] ?? '' }, timeout: 30_000 });
  return { status: result.status, output: result.stdout.replace(/\r\n/g, '\n') };
}
const hasScript = spawnSync('script', ['--version']).status === 0;

describe('latchkey clients', () => {
  const now = Date.now();
  const notes = client('Notes Agent', 'https://notes.example/cb', { clientIdIssuedAt: Math.floor(now / 1000) - 40 });
  const partner = client('Partner Bot', 'https://app.partner.example/cb', { registrationSource: 'iat', policy: 'partners', clientIdIssuedAt: Math.floor(now / 1000) - 30 });
  const lookAlike = client('Claude', 'https://claude.evil.example/cb', { lookAlikeOf: 'Claude', clientIdIssuedAt: Math.floor(now / 1000) - 20 });
  const document = client('Doc \u001b]0;pwned\u0007Agent\u202e', 'com.example.agent:/cb', {
    clientId: 'https://agent.example/client.json',
    registrationSource: 'cimd',
    clientSecretDigest: null,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: Math.floor(now / 1000) - 10,
  });
  const all = [notes, partner, lookAlike, document];

  before(async () => {
    await withStorage(async (storage) => {
      for (const record of all) await storage.clients.insertClient(record);
      await storage.clients.touchClient(partner.clientId, now - day);
      await storage.users.createUser({ id: 'user-alice', username: 'alice', passwordHash: 'x', name: null, email: null, isAdmin: false, createdAt: now });
      await storage.grants.createGrant(
        { id: 'grant-partner', clientId: partner.clientId, userId: 'user-alice', scope: 'mcp:tools', resource: null, authTime: now, createdAt: now - day, revokedAt: null },
        { tokenDigest: 'refresh-digest-partner', grantId: 'grant-partner', scope: 'mcp:tools', createdAt: now - day, expiresAt: now + 30 * day },
        null,
      );
    });
  });

  it('lists clients newest first as a table, with source, redirect hosts, last use and flag, and no terminal escapes', () => {
    const result = latchkey(['clients', 'list']);
    assert.equal(result.status, 0, result.stderr);
    const [header, ...rows] = result.stdout.trimEnd().split('\n');
    assert.match(header!, /^CLIENT_ID\s+NAME\s+SOURCE\s+REDIRECT HOSTS\s+REGISTERED\s+LAST USED\s+FLAG$/);
    assert.deepEqual(
      rows.map((row) => row.split(/\s{2,}/)[0]),
      [document.clientId, lookAlike.clientId, partner.clientId, notes.clientId],
    );
    assert.match(rows[0]!, /Doc \\u\{1b\}\]0;pwned\\u\{7\}Agent\\u\{202e\}\s+cimd\s+com\.example\.agent:/);
    assert.doesNotMatch(result.stdout, /\u001b|\u0007|\u202e/, 'control characters and bidi overrides are escaped');
    assert.match(rows[1]!, /Claude\s+dynamic\s+claude\.evil\.example\s+.*never\s+look-alike of Claude$/);
    assert.match(rows[2]!, /Partner Bot\s+iat\s+app\.partner\.example\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
  });

  it('lists clients as JSON, without secrets or digests', () => {
    const result = latchkey(['clients', 'list', '--json']);
    assert.equal(result.status, 0, result.stderr);
    const listed = JSON.parse(result.stdout) as Record<string, unknown>[];
    assert.equal(listed.length, 4);
    assert.deepEqual(listed[2], {
      clientId: partner.clientId,
      clientName: 'Partner Bot',
      source: 'iat',
      redirectUris: ['https://app.partner.example/cb'],
      registeredAt: new Date(partner.clientIdIssuedAt * 1000).toISOString(),
      lastUsedAt: new Date(now - day).toISOString(),
      lookAlikeOf: null,
      policy: 'partners',
    });
    assert.equal(listed[0]!['clientName'], 'Doc \u001b]0;pwned\u0007Agent\u202e', 'the same string for a script');
    assert.doesNotMatch(result.stdout, /\u001b|\u202e/, 'written as JSON escapes');
    assert.doesNotMatch(result.stdout, /digest/i);
  });

  it('filters by search text (name, id, redirect host), source, flag and never used', () => {
    const ids = (...args: string[]) => {
      const result = latchkey(['clients', 'list', '--json', ...args]);
      assert.equal(result.status, 0, result.stderr);
      return (JSON.parse(result.stdout) as { clientId: string }[]).map((c) => c.clientId);
    };
    assert.deepEqual(ids('--search', 'notes'), [notes.clientId]);
    assert.deepEqual(ids('--search', 'PARTNER.example'), [partner.clientId]);
    assert.deepEqual(ids('--source', 'cimd'), [document.clientId]);
    assert.deepEqual(ids('--flagged'), [lookAlike.clientId]);
    assert.deepEqual(ids('--unused'), [document.clientId, lookAlike.clientId, notes.clientId]);
    assert.deepEqual(ids('--source', 'dynamic', '--unused', '--search', 'claude'), [lookAlike.clientId]);
    const none = latchkey(['clients', 'list', '--search', 'nothing-like-this']);
    assert.equal(none.stdout, 'No clients match.\n');
  });

  it('stops at --limit and says on stderr how many match', () => {
    const result = latchkey(['clients', 'list', '--limit', '3', '--json']);
    assert.equal(result.status, 0, result.stderr);
    assert.equal((JSON.parse(result.stdout) as unknown[]).length, 3);
    assert.equal(result.stderr, 'Showing the newest 3 of 4 matching clients; raise --limit to see more.\n');
    assert.equal(latchkey(['clients', 'list', '--limit', '4']).stderr, '', 'nothing more to say when all are shown');
  });

  it('shows a client with its registration and grants, never its secrets', () => {
    const text = latchkey(['clients', 'show', partner.clientId]);
    assert.equal(text.status, 0, text.stderr);
    assert.match(text.stdout, new RegExp(`^client_id: +${partner.clientId}\n`));
    assert.match(text.stdout, /\nname: +Partner Bot\n/);
    assert.match(text.stdout, /\nsource: +iat\n/);
    assert.match(text.stdout, /\npolicy: +partners\n/);
    assert.match(text.stdout, /\nclient secret: +yes, never expires\n/);
    assert.match(text.stdout, /\nredirect uri: +https:\/\/app\.partner\.example\/cb\n/);
    assert.match(text.stdout, /\nGrants:\nGRANT\s+USER\s+SCOPE\s+CREATED\s+LAST REFRESH\s+STATUS\ngrant-partner\s+alice\s+mcp:tools\s+.*active\n$/);
    assert.doesNotMatch(text.stdout, /digest/i);

    const json = latchkey(['clients', 'show', partner.clientId, '--json']);
    assert.equal(json.status, 0, json.stderr);
    const shown = JSON.parse(json.stdout) as Record<string, unknown> & { grants: Record<string, unknown>[]; metadata: Record<string, unknown> };
    assert.equal(shown['hasClientSecret'], true);
    assert.equal(shown.metadata['client_name'], 'Partner Bot');
    assert.deepEqual(
      shown.grants.map((g) => [g['id'], g['username'], g['scope'], g['refreshable'], g['revokedAt']]),
      [['grant-partner', 'alice', 'mcp:tools', true, null]],
    );
    assert.doesNotMatch(json.stdout, /digest/i);
  });

  it('exits 1 with one line for an unknown client', () => {
    const result = latchkey(['clients', 'show', 'no-such-client']);
    assert.equal(result.status, 1);
    assert.equal(result.stdout, '');
    assert.equal(result.stderr, 'latchkey: There is no client with client_id "no-such-client".\n');
  });

  it('refuses to delete without --yes when there is no terminal to ask (exit 2), and deletes nothing', async () => {
    const result = latchkey(['clients', 'delete', notes.clientId]);
    assert.equal(result.status, 2);
    assert.match(result.stderr, /add --yes/);
    assert.ok(await withStorage((storage) => storage.clients.findClient(notes.clientId)));
  });

  it('refuses bad option values and unknown options with exit 2', () => {
    for (const args of [['clients', 'list', '--source', 'manual'], ['clients', 'list', '--limit', '0'], ['clients', 'list', '--colour'], ['clients', 'show']]) {
      const result = latchkey(args);
      assert.equal(result.status, 2, `${args.join(' ')}: ${result.stderr}`);
    }
    assert.match(latchkey(['clients', 'list', '--source', 'manual']).stderr, /expected one of dynamic, iat, software_statement, cimd/);
  });

  it('deletes clients with --yes: grants go with them, each deletion is audited, and an unknown id exits 1', async () => {
    const result = latchkey(['clients', 'delete', partner.clientId, 'no-such-client', '--yes']);
    assert.equal(result.status, 1, 'one id was unknown');
    assert.equal(result.stdout, `Deleted client ${partner.clientId} (Partner Bot).\n`);
    assert.equal(result.stderr, 'latchkey: there is no client with client_id "no-such-client"\n');
    await withStorage(async (storage) => {
      assert.equal(await storage.clients.findClient(partner.clientId), undefined);
      assert.equal(await storage.grants.findGrant('grant-partner'), undefined, 'the grant is gone');
      assert.equal(await storage.grants.findRefreshToken('refresh-digest-partner'), undefined, 'and its refresh token');
      const [event] = await storage.auditEvents.listAuditEvents({ clientId: partner.clientId, type: 'client.deleted', limit: 5 });
      assert.equal(event?.actor, 'cli');
      assert.deepEqual(event?.data, { client_name: 'Partner Bot', source: 'iat' });
    });

    const json = latchkey(['clients', 'delete', document.clientId, '-y', '--json']);
    assert.equal(json.status, 0, json.stderr);
    assert.deepEqual(JSON.parse(json.stdout), { deleted: [document.clientId], unknown: [] });
  });

  it('asks for confirmation on a terminal: "n" keeps the client (exit 2), "y" deletes it', { skip: hasScript ? false : 'util-linux script is not installed' }, async () => {
    const declined = onTerminal(['clients', 'delete', notes.clientId], 'n\n');
    assert.equal(declined.status, 2, declined.output);
    assert.match(declined.output, /Delete 1 client\? Their grants and refresh tokens stop working at once\. \[y\/N\]/);
    assert.match(declined.output, /Cancelled: nothing was deleted\./);
    assert.ok(await withStorage((storage) => storage.clients.findClient(notes.clientId)));

    const accepted = onTerminal(['clients', 'delete', notes.clientId], 'y\n');
    assert.equal(accepted.status, 0, accepted.output);
    assert.match(accepted.output, new RegExp(`Deleted client ${notes.clientId} \\(Notes Agent\\)\\.`));
    assert.equal(await withStorage((storage) => storage.clients.findClient(notes.clientId)), undefined);
  });

  it('draws a progress bar on a terminal when deleting many', { skip: hasScript ? false : 'util-linux script is not installed' }, async () => {
    const many = Array.from({ length: 12 }, (_, i) => client(`Bulk ${i}`, `https://bulk${i}.example/cb`));
    await withStorage(async (storage) => {
      for (const record of many) await storage.clients.insertClient(record);
    });
    const result = onTerminal(['clients', 'delete', '--yes', ...many.map((c) => c.clientId)], '');
    assert.equal(result.status, 0, result.output);
    assert.match(result.output, /Deleting clients \[#{24}\] 12\/12\n/);
    assert.equal((result.output.match(/^Deleted client /gm) ?? []).length, 12);
  });

  it('shows help for the group and each command (exit 0)', () => {
    const group = runLatchkey(['clients', '--help']);
    assert.equal(group.status, 0);
    assert.match(group.stdout, /list \[options\]/);
    assert.match(group.stdout, /show \[options\] <client_id>/);
    assert.match(group.stdout, /delete \[options\] <client_id\.\.\.>/);
    assert.match(group.stdout, /Exit status: 0 done, 1 an unknown client/);
    const list = runLatchkey(['clients', 'list', '--help']);
    assert.equal(list.status, 0);
    for (const flag of ['--search <text>', '--source <source>', '--flagged', '--unused', '--limit <n>', '--json', '--database <url>']) {
      assert.ok(list.stdout.includes(flag), `${flag} in: ${list.stdout}`);
    }
  });
});
