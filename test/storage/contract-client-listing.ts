import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { it } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, Migrator, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { openStorage } from '../../src/storage/open-storage.js';
import type { ClientListFilter, ClientRecord } from '../../src/ports/clients.js';
import type { Storage } from '../../src/ports/storage.js';
import { toRow as auditRow } from '../../src/storage/sql/audit-repository.js';
import { toRow as clientRow } from '../../src/storage/sql/client-repository.js';
import { clientSearchText } from '../../src/storage/sql/client-listing.js';
import { migrationProvider } from '../../src/storage/sql/migrations.js';
import type { ClientsTable, Database } from '../../src/storage/sql/schema.js';
import type { DatabaseKind } from '../support/databases.js';
import { sampleClient } from './contract.js';
import { unique, withFreshStorage } from '../support/storage.js';


/**
 * The clients listing of the storage contract: keyset pages, filters, search and counts, and the migration that
 * fills the search column of clients stored before it. Each test asserts on its own clients only, since the
 * listing also shows what earlier tests stored.
 */
export function storageClientListingContract(kind: DatabaseKind): void {
  let storage: Storage;
  withFreshStorage(kind, (opened) => {
    storage = opened;
  });

  /** Every client matching `filter`, page after page, in the order listed. */
  async function listAll(filter: ClientListFilter, limit = 500): Promise<ClientRecord[]> {
    const clients: ClientRecord[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 1000; pages++) {
      const page = await storage.clients.listClients({ ...filter, limit, ...(after === undefined ? {} : { after }) });
      clients.push(...page.clients);
      if (page.next === null) return clients;
      after = page.next;
    }
    throw new Error('the listing never ended');
  }

  /** The ids listed for `filter` that are among `ids`, in listing order. */
  async function listedAmong(filter: ClientListFilter, ids: string[]): Promise<string[]> {
    return (await listAll(filter)).map((c) => c.clientId).filter((id) => ids.includes(id));
  }

  async function insert(overrides: Partial<ClientRecord> = {}): Promise<ClientRecord> {
    const client = sampleClient(overrides);
    await storage.clients.insertClient(client);
    return client;
  }

  it('pages through every client exactly once, newest first, ties broken by client id, whatever the page size', async () => {
    // Several clients share an issue time, so that page boundaries fall between equal times.
    for (let i = 0; i < 23; i++) await insert({ clientIdIssuedAt: 1_900_000_000 + Math.floor(i / 3), clientId: `walk-${i % 3}-${unique('c')}` });
    const total = await storage.clients.countClients({});
    for (const limit of [1, 4, 7, 500]) {
      const walked = await listAll({}, limit);
      assert.equal(walked.length, total, `page size ${limit}: as many as counted`);
      assert.equal(new Set(walked.map((c) => c.clientId)).size, total, `page size ${limit}: none twice`);
      for (let i = 1; i < walked.length; i++) {
        const [a, b] = [walked[i - 1]!, walked[i]!];
        assert.ok(a.clientIdIssuedAt >= b.clientIdIssuedAt, `page size ${limit}: newest first`);
        if (a.clientIdIssuedAt === b.clientIdIssuedAt) assert.ok(a.clientId > b.clientId, `page size ${limit}: ties by client id, descending`);
      }
    }
    const first = await storage.clients.listClients({ limit: 4 });
    assert.equal(first.clients.length, 4);
    assert.ok(first.next);
    const all = await storage.clients.listClients({ limit: 500 });
    assert.equal(all.next, null, 'no cursor after the last page');
    assert.deepEqual(all.clients[0], first.clients[0], 'listed clients are whole records');
  });

  it('lists the first page for a cursor it did not write', async () => {
    const first = await storage.clients.listClients({ limit: 3 });
    for (const after of ['not a cursor', '', Buffer.from('{"a":1}').toString('base64url'), Buffer.from('[1.5,"x"]').toString('base64url')]) {
      assert.deepEqual(await storage.clients.listClients({ limit: 3, after }), first, JSON.stringify(after));
    }
  });

  it('keeps a page to between 1 and 500 clients', async () => {
    assert.equal((await storage.clients.listClients({ limit: 0 })).clients.length, 1);
    assert.ok((await storage.clients.listClients({ limit: 10_000 })).clients.length <= 500);
  });

  it('filters by registration source, flag and last use, and counts what it lists', async () => {
    const at = 1_780_000_000_000;
    const dynamic = await insert();
    const iat = await insert({ registrationSource: 'iat' });
    const cimd = await insert({ registrationSource: 'cimd', lookAlikeOf: 'Claude' });
    const flagged = await insert({ lookAlikeOf: 'Cursor' });
    await storage.clients.touchClient(iat.clientId, at - 1);
    await storage.clients.touchClient(cimd.clientId, at);
    await storage.clients.touchClient(flagged.clientId, at + 1);
    const ids = [dynamic, iat, cimd, flagged].map((c) => c.clientId);
    const cases: [ClientListFilter, ClientRecord[]][] = [
      [{}, [flagged, cimd, iat, dynamic]],
      [{ source: 'iat' }, [iat]],
      [{ source: 'cimd' }, [cimd]],
      [{ source: 'dynamic' }, [flagged, dynamic]],
      [{ flagged: true }, [flagged, cimd]],
      [{ flagged: false }, [flagged, cimd, iat, dynamic]],
      [{ usage: { kind: 'never' } }, [dynamic]],
      [{ usage: { kind: 'since', at } }, [flagged, cimd]],
      [{ usage: { kind: 'idle', at } }, [iat, dynamic]],
      [{ source: 'dynamic', flagged: true, usage: { kind: 'since', at } }, [flagged]],
    ];
    for (const [filter, expected] of cases) {
      assert.deepEqual(await listedAmong(filter, ids), expected.map((c) => c.clientId), JSON.stringify(filter));
      const listed = await listAll(filter);
      assert.equal(await storage.clients.countClients(filter), listed.length, `count of ${JSON.stringify(filter)}`);
    }
  });

  it('searches client names, client ids and redirect hosts case-insensitively, and a private-use scheme', async () => {
    const tag = unique('t').replace(/\W/g, '');
    const named = await insert({ metadata: { ...sampleClient().metadata, client_name: `Zebra ${tag} Assistant` } });
    const byId = await insert({ clientId: `Id-${tag}-Upper` });
    const hosted = await insert({ metadata: { ...sampleClient().metadata, redirect_uris: [`https://Mcp.${tag}.Example:8443/cb`] } });
    const native = await insert({
      metadata: { ...sampleClient().metadata, application_type: 'native', redirect_uris: [`cursor${tag}://anysphere.cursor-retrieval/oauth/callback`, `com.${tag}.app:/cb`] },
    });
    const ids = [named, byId, hosted, native].map((c) => c.clientId);
    const search = async (text: string) => listedAmong({ search: text }, ids);
    assert.deepEqual(await search(`ZEBRA ${tag.toUpperCase()}`), [named.clientId]);
    assert.deepEqual(await search(`id-${tag}-upper`), [byId.clientId]);
    assert.deepEqual(await search(`mcp.${tag}.example`), [hosted.clientId]);
    assert.deepEqual(await search('8443/cb'), [], 'a port or path is not part of the host');
    assert.deepEqual(await search(`CURSOR${tag}`), [native.clientId], 'the scheme of a private-use URI');
    assert.deepEqual(await search(`com.${tag}.app`), [native.clientId], 'a private-use URI without a host');
    assert.deepEqual(await search(tag), [native.clientId, hosted.clientId, byId.clientId, named.clientId]);
    assert.equal(await storage.clients.countClients({ search: tag }), 4);
    assert.equal(await storage.clients.countClients({ search: `  ${tag}  ` }), 4, 'surrounding spaces are ignored');
    assert.equal(await storage.clients.countClients({ search: `${tag} nothing like it` }), 0);
  });

  it('matches %, _, ! and \\ in a search literally', async () => {
    const tag = unique('w').replace(/\W/g, '');
    const withName = (name: string) => insert({ metadata: { ...sampleClient().metadata, client_name: `${tag} ${name}` } });
    const percent = await withName('100% sure');
    const plain = await withName('100 x sure');
    const underscore = await withName('under_score');
    const other = await withName('underXscore');
    const backslash = await withName('back\\slash');
    const bang = await withName('wow!%');
    const ids = [percent, plain, underscore, other, backslash, bang].map((c) => c.clientId);
    assert.deepEqual(await listedAmong({ search: '100%' }, ids), [percent.clientId]);
    assert.deepEqual(await listedAmong({ search: 'under_s' }, ids), [underscore.clientId]);
    assert.deepEqual(await listedAmong({ search: 'back\\s' }, ids), [backslash.clientId]);
    assert.deepEqual(await listedAmong({ search: 'wow!%' }, ids), [bang.clientId]);
    assert.deepEqual(await listedAmong({ search: '!' }, ids), [bang.clientId]);
    assert.equal(await storage.clients.countClients({ search: `${tag} 100%` }), 1);
  });

  it('finds a client by its new name after an update and after its metadata document changes', async () => {
    const tag = unique('u').replace(/\W/g, '');
    const client = await insert();
    assert.equal(await storage.clients.updateClient({ ...client, metadata: { ...client.metadata, client_name: `Renamed ${tag}` } }, client.registrationAccessTokenDigest!), true);
    assert.deepEqual(await listedAmong({ search: `renamed ${tag}` }, [client.clientId]), [client.clientId]);
    const documentId = `https://${tag}.example/client.json`;
    const document = sampleClient({ clientId: documentId, registrationSource: 'cimd', metadata: { ...sampleClient().metadata, client_name: `First ${tag}` } });
    await storage.clients.saveMetadataDocumentClient(document);
    await storage.clients.saveMetadataDocumentClient({ ...document, metadata: { ...document.metadata, client_name: `Second ${tag}` } });
    assert.deepEqual(await listedAmong({ search: `second ${tag}` }, [documentId]), [documentId]);
    assert.deepEqual(await listedAmong({ search: `first ${tag}` }, [documentId]), []);
  });

  it('fills the search text of clients and the hourly audit counts of events stored before migration 0004', async () => {
    const old = await kind.create();
    try {
      const db = openKysely(old.url);
      const migrator = new Migrator({ db, provider: migrationProvider(kind.name) });
      const { error } = await migrator.migrateTo('0003_governance');
      if (error) throw error;
      const clients = Array.from({ length: 1500 }, (_, i) =>
        sampleClient({ metadata: { ...sampleClient().metadata, client_name: i === 1234 ? 'Needle Finder' : `Old ${i}`, redirect_uris: [`https://host${i}.example/cb`] } }),
      );
      for (let start = 0; start < clients.length; start += 300) {
        const rows = clients.slice(start, start + 300).map((client) => {
          const { search_text: _search, ...row } = clientRow(client);
          return row;
        });
        await db.insertInto('clients').values(rows).execute();
      }
      const hour = 3_600_000;
      const t = Date.UTC(2026, 0, 1, 10);
      const event = (at: number, type: string, data: Record<string, unknown>) =>
        auditRow({ id: unique('e'), at, type: type as 'token.issued', clientId: null, userId: null, actor: null, ip: null, data });
      await db
        .insertInto('audit_events')
        .values([
          event(t, 'token.issued', { grant_type: 'authorization_code' }),
          event(t + 59 * 60_000, 'token.issued', { grant_type: 'authorization_code' }),
          event(t + hour, 'token.issued', { grant_type: 'refresh_token' }),
          event(t + hour, 'token.issued', { grant_type: 7 }),
          event(t, 'client.registered', {}),
        ])
        .execute();
      await db.destroy();

      const migrated = await openStorage({ url: old.url, sqliteSynchronous: 'full', poolSize: 2 });
      try {
        await migrated.migrate();
        assert.deepEqual((await migrated.clients.listClients({ search: 'NEEDLE', limit: 10 })).clients.map((c) => c.clientId), [clients[1234]!.clientId]);
        assert.equal(await migrated.clients.countClients({ search: 'host1499.example' }), 1, 'the last batch too');
        assert.equal(await migrated.clients.countClients({ search: clients[0]!.clientId.toUpperCase() }), 1);
        const counts = await migrated.auditEvents.countAuditEvents({
          from: t,
          to: t + 2 * hour,
          bucket: 'hour',
          keys: ['token.issued', 'token.issued:authorization_code', 'token.issued:refresh_token', 'token.issued:7', 'client.registered'],
        });
        assert.deepEqual(counts, [
          { key: 'client.registered', bucketStart: t, count: 1 },
          { key: 'token.issued', bucketStart: t, count: 2 },
          { key: 'token.issued:authorization_code', bucketStart: t, count: 2 },
          { key: 'token.issued', bucketStart: t + hour, count: 2 },
          { key: 'token.issued:refresh_token', bucketStart: t + hour, count: 1 },
        ]);
      } finally {
        await migrated.close();
      }
    } finally {
      await old.cleanup();
    }
  });

  it('keeps its counts through every write: group-committed registrations, a flag set and cleared, updates and deletes', async () => {
    const counts = async () => {
      const sources = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'] as const;
      const bySource = await Promise.all(sources.map((source) => storage.clients.countClients({ source })));
      return { all: await storage.clients.countClients({}), bySource, flagged: await storage.clients.countClients({ flagged: true }) };
    };
    const listed = async () => {
      const all = await listAll({});
      const sources = ['dynamic', 'iat', 'software_statement', 'cimd', 'operator'] as const;
      return { all: all.length, bySource: sources.map((source) => all.filter((c) => c.registrationSource === source).length), flagged: all.filter((c) => c.lookAlikeOf !== null).length };
    };
    // Concurrent inserts share transactions (group commit): one statement writes many rows.
    const batch = await Promise.all(Array.from({ length: 40 }, (_, i) => insert({ registrationSource: i % 2 ? 'iat' : 'dynamic', lookAlikeOf: i % 5 ? null : 'claude' })));
    assert.deepEqual(await counts(), await listed(), 'after a group-committed batch');
    const documentId = `https://${unique('doc')}.example/client.json`;
    const document = sampleClient({ clientId: documentId, registrationSource: 'cimd', lookAlikeOf: 'cursor' });
    await storage.clients.saveMetadataDocumentClient(document);
    await storage.clients.saveMetadataDocumentClient({ ...document, lookAlikeOf: null });
    const first = batch[0]!;
    await storage.clients.updateClient({ ...first, lookAlikeOf: null, registrationSource: 'operator' }, first.registrationAccessTokenDigest!);
    for (const client of batch.slice(1, 7)) await storage.clients.deleteClient(client.clientId);
    assert.deepEqual(await counts(), await listed(), 'after flag changes, an update and deletes');
  });

  it('counts up to a limit: exact below it, "more" above it, and exact from the kept counts without a search', async () => {
    const tag = unique('m').replace(/\W/g, '');
    const ids = [];
    for (let i = 0; i < 7; i++) ids.push((await insert({ metadata: { ...sampleClient().metadata, client_name: `Many ${tag} ${i}` } })).clientId);
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: tag }, 10), { count: 7, more: false });
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: tag }, 5), { count: 5, more: true });
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: `many ${tag}` }, 7), { count: 7, more: false });
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: tag, usage: { kind: 'never' } }, 3), { count: 3, more: true });
    const all = await storage.clients.countClients({});
    assert.deepEqual(await storage.clients.countClientsUpTo({}, 1), { count: all, more: false }, 'the kept count is exact at no cost');
    assert.equal(await storage.clients.countClients({ search: tag }), 7);
  });

  it('finds a word by its beginning in names, ids and hosts, and with no letter or digit, any substring', async () => {
    const tag = unique('b').replace(/\W/g, '');
    const named = await insert({ metadata: { ...sampleClient().metadata, client_name: `${tag} Claude Code`, redirect_uris: [`https://mcp.${tag}-host.example.com/cb`] } });
    const ids = [named.clientId];
    for (const search of ['claude', 'claude co', `${tag} claude code`, 'example.com', `${tag}-host.ex`, named.clientId.slice(0, 12)]) {
      assert.deepEqual(await listedAmong({ search }, ids), ids, search);
    }
    assert.deepEqual(await listedAmong({ search: `claude ${tag}` }, ids), [], 'words in another order');
    assert.deepEqual(await listedAmong({ search: 'code claude' }, ids), []);
  });

  /**
   * The ids of every stored client that a search must list, in listing order: its search text holds `search`
   * (lower-cased), or `search` is 8 to 36 hex digits and dashes that begin its id.
   */
  async function holding(search: string): Promise<string[]> {
    const text = search.trim().toLowerCase();
    const idPrefix = /^[0-9a-f][0-9a-f-]{7,35}$/.test(text);
    return (await listAll({}))
      .filter((c) => clientSearchText(c.clientId, c.metadata).includes(text) || (idPrefix && c.clientId.startsWith(text)))
      .map((c) => c.clientId);
  }

  it('finds a UUID client id by its first 8 characters or more, in any case, and any other client id by any part of it', async () => {
    const hex = (bytes: number) => randomBytes(bytes).toString('hex');
    const prefix = hex(4);
    const first = await insert({ clientId: `${prefix}-0000-7000-8000-${hex(6)}` });
    const second = await insert({ clientId: `${prefix}-1111-7000-8000-${hex(6)}` });
    const namedAfter = await insert({ metadata: { ...sampleClient().metadata, client_name: `Build ${prefix.toUpperCase()}` } });
    const tag = unique('u').replace(/\W/g, '');
    const documentUrl = await insert({ clientId: `https://app.${tag}.example/oauth/client.json`, registrationSource: 'cimd' });
    const ids = [first, second, namedAfter, documentUrl].map((c) => c.clientId);
    assert.doesNotMatch(clientSearchText(first.clientId, first.metadata), new RegExp(prefix), 'a UUID id is not in the search text');
    assert.deepEqual(await listedAmong({ search: prefix }, ids), [namedAfter.clientId, second.clientId, first.clientId], 'ids that begin with it, and a name holding it');
    assert.deepEqual(await listedAmong({ search: first.clientId }, ids), [first.clientId], 'the whole id');
    assert.deepEqual(await listedAmong({ search: ` ${first.clientId.toUpperCase()} ` }, ids), [first.clientId], 'upper-cased, with spaces around');
    assert.deepEqual(await listedAmong({ search: second.clientId.slice(0, 13) }, ids), [second.clientId]);
    assert.deepEqual(await listedAmong({ search: prefix.slice(0, 7) }, ids), [namedAfter.clientId], 'seven characters: not an id prefix');
    assert.deepEqual(await listedAmong({ search: first.clientId.slice(9) }, ids), [], 'the middle of a UUID id');
    assert.deepEqual(await listedAmong({ search: first.clientId.slice(-12) }, ids), [], 'the end of a UUID id');
    assert.deepEqual(await listedAmong({ search: `${tag}.example/oauth` }, ids), [documentUrl.clientId], 'a URL client id, by any part');
    assert.equal(await storage.clients.countClients({ search: prefix }), 3);
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: prefix }, 2), { count: 2, more: true });
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: prefix }, 10), { count: 3, more: false });
    assert.equal(await storage.clients.countClients({ search: prefix, source: 'dynamic' }), 3, 'with another filter');
    // Wildcards of either database's LIKE or range never widen an id prefix: such a search is not an id prefix at all.
    for (const search of [`${prefix.slice(0, 7)}%`, `${prefix.slice(0, 7)}_`, `${prefix}%`, `${prefix}\u{10ffff}`]) {
      assert.deepEqual(await listedAmong({ search }, ids), [], JSON.stringify(search));
    }
  });

  it('finds any substring: the middle of a word, one or two characters, punctuation, the last characters of the text', async () => {
    const tag = unique('s').replace(/\W/g, '');
    const named = await insert({ metadata: { ...sampleClient().metadata, client_name: `Zebra${tag}Quill Agent` } });
    // No redirect URI: the client id ends the search text, so its last characters end what is indexed.
    const last = await insert({ clientId: `end-${tag}-ǂ`, metadata: { ...sampleClient().metadata, redirect_uris: [] } });
    const ids = [named.clientId, last.clientId];
    assert.deepEqual(await listedAmong({ search: `${tag.slice(3)}quill ag` }, ids), [named.clientId], 'the middle of a word, across words');
    assert.deepEqual(await listedAmong({ search: 'ǂ' }, ids), [last.clientId], 'one character, the last of the text');
    assert.deepEqual(await listedAmong({ search: '-ǂ' }, ids), [last.clientId], 'two characters, the last of the text');
    assert.deepEqual(await listedAmong({ search: `${tag}-ǂ` }, ids), [last.clientId]);
    assert.deepEqual(await storage.clients.countClientsUpTo({ search: 'ǂ' }, 10), { count: 1, more: false });
    for (const search of ['e', 'E', '.', '-', '✓', 'co', 'nt', 'ample.c', `${tag.slice(2, 6)}`, 'ǂ']) {
      const expected = await holding(search);
      assert.deepEqual((await listAll({ search })).map((c) => c.clientId), expected, search);
      assert.equal(await storage.clients.countClients({ search }), expected.length, `count of ${search}`);
      const capped = await storage.clients.countClientsUpTo({ search }, 5);
      assert.deepEqual(capped, { count: Math.min(5, expected.length), more: expected.length > 5 }, `capped count of ${search}`);
    }
  });

  it('answers any search string, FTS5 syntax and odd bytes included, with the clients that hold it and no error', async () => {
    const tag = unique('h').replace(/\W/g, '');
    const odd = await insert({ metadata: { ...sampleClient().metadata, client_name: `${tag} "quoted" a*b NEAR(x y) col:z {c} ^d 'e' ; -- OR AND NOT` } });
    const hostile = ['"', '""', '"a" *', '*', 'a*b', 'NEAR(x y)', 'near(x y)', 'x OR y', 'a AND b', 'NOT a', '^d', '{c}', 'col:z', ':', '(', ')', "'e'", '; --',
      '+', '-', 'AND', '\\', '%', '_', '\u{10ffff}', 'x'.repeat(5000), `${'a'.repeat(60)}`, `${tag} "quoted" a*b`];
    for (const search of hostile) {
      const expected = await holding(search);
      assert.deepEqual((await listAll({ search })).map((c) => c.clientId), expected, JSON.stringify(search).slice(0, 40));
      const capped = await storage.clients.countClientsUpTo({ search }, 1000);
      assert.deepEqual(capped, { count: Math.min(1000, expected.length), more: expected.length > 1000 }, JSON.stringify(search).slice(0, 40));
    }
    assert.deepEqual(await listedAmong({ search: `${tag} "quoted" a*b near(x y)` }, [odd.clientId]), [odd.clientId]);
    // Strings a database may not store as given (a NUL, a lone surrogate) still answer, whatever they match.
    for (const search of ['\u0000', 'a\u0000b', '\ud800', 'x\udfffy']) {
      await storage.clients.listClients({ search, limit: 5 });
      await storage.clients.countClientsUpTo({ search }, 10);
    }
  });

}

/** The tables as migration 0003 left them. */
type DatabaseBefore0004 = Omit<Database, 'clients'> & { clients: Omit<ClientsTable, 'search_text'> };

/** A bare Kysely on a test database, to build the schema of an older release. */
function openKysely(url: string): Kysely<DatabaseBefore0004> {
  const dialect = url.startsWith('sqlite:')
    ? new SqliteDialect({ database: new BetterSqlite3(url.slice('sqlite:'.length)) })
    : new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 1 }) });
  return new Kysely<DatabaseBefore0004>({ dialect });
}
