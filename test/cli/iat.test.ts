import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { digestSecret } from '../../src/protocol/secrets.js';
import { openStorage } from '../../src/storage/open-storage.js';
import { createDatabase, runLatchkey } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-iat-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const database = `sqlite:${join(dir, 'iat.db')}`;
const policies = JSON.stringify({ partners: { allowRedirectHosts: ['*.partner.example'] } });
const latchkey = (args: string[]) => runLatchkey([...args, '--database', database], { env: { LATCHKEY_REGISTRATION_POLICIES: policies } });

interface ListedToken {
  id: string;
  status: string;
  uses: number;
  maxUses: number | null;
  policy: string | null;
  description: string | null;
  expiresAt: string | null;
}

describe('latchkey iat', () => {
  let created: ListedToken & { token: string };
  before(() => createDatabase(database));

  it('creates a token, prints its secret once, and stores only the digest', async () => {
    const result = latchkey(['iat', 'create', '--uses', '2', '--expires', '7d', '--policy', 'partners', '--description', 'for Acme', '--json']);
    assert.equal(result.status, 0, result.stderr);
    created = JSON.parse(result.stdout);
    assert.match(created.token, /^[\w-]{43}$/);
    assert.equal(created.maxUses, 2);
    assert.equal(created.policy, 'partners');
    const days = (Date.parse(created.expiresAt!) - Date.now()) / 86_400_000;
    assert.ok(days > 6.99 && days <= 7, `expires in 7 days, not ${days}`);

    const storage = await openStorage({ url: database, sqliteSynchronous: 'full', poolSize: 1 });
    try {
      const stored = await storage.initialAccessTokens.findInitialAccessToken(digestSecret(created.token));
      assert.equal(stored?.id, created.id);
      const [event] = await storage.auditEvents.listAuditEvents({ type: 'iat.created', limit: 1 });
      assert.equal(event?.data['iat_id'], created.id);
      assert.ok(!JSON.stringify(event).includes(created.token));
    } finally {
      await storage.close();
    }
  });

  it('says the secret is shown only once in the readable output', () => {
    const result = latchkey(['iat', 'create']);
    assert.equal(result.status, 0, result.stderr);
    assert.match(result.stdout, /^Initial access token [0-9a-f-]{36} created\.\nSend it as "Authorization: Bearer <token>".*shown only now:\n\n[\w-]{43}\n$/s);
  });

  it('lists tokens as a table and as JSON, without secrets', () => {
    const table = latchkey(['iat', 'list']);
    assert.equal(table.status, 0, table.stderr);
    assert.match(table.stdout, /^ID\s+STATUS\s+USES\s+EXPIRES\s+POLICY\s+CREATED\s+DESCRIPTION\n/);
    assert.match(table.stdout, new RegExp(`${created.id}\\s+active\\s+0/2\\s+.*partners.*for Acme`));
    assert.ok(!table.stdout.includes(created.token));
    const json = JSON.parse(latchkey(['iat', 'list', '--json']).stdout) as ListedToken[];
    assert.equal(json.length, 2);
    assert.ok(!JSON.stringify(json).includes(created.token));
  });

  it('revokes a token (exit 0), and says so when there is none to revoke (exit 1)', () => {
    const revoked = latchkey(['iat', 'revoke', created.id]);
    assert.equal(revoked.status, 0, revoked.stderr);
    assert.equal(revoked.stdout, `Initial access token ${created.id} revoked.\n`);
    const listed = (JSON.parse(latchkey(['iat', 'list', '--json']).stdout) as ListedToken[]).find((t) => t.id === created.id);
    assert.equal(listed?.status, 'revoked');
    const again = latchkey(['iat', 'revoke', created.id]);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /no live initial access token with id/);
  });

  it('refuses an unknown policy and a bad count with exit status 2', () => {
    const policy = latchkey(['iat', 'create', '--policy', 'nope']);
    assert.equal(policy.status, 2);
    assert.match(policy.stderr, /There is no registration policy "nope" \(known: partners\)/);
    const uses = latchkey(['iat', 'create', '--uses', '0']);
    assert.equal(uses.status, 2);
    assert.match(uses.stderr, /expected a positive integer/);
  });
});
