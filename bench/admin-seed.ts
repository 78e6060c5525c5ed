/**
 * The data of `bench/admin.ts`: a Latchkey database holding many clients as Latchkey itself writes them.
 *
 * The rows go through the storage port, so the bench measures the rows (and the `search_text` column) the server
 * writes, not a hand-made imitation: clients through `insertClient` (group-committed: fired in windows of a few
 * batches of 500, each batch one multi-row `INSERT`), one `client.registered` audit event per client through
 * `appendAuditEvents` (as registration records it, which also fills the hourly counters of the overview charts),
 * an administrator through `createUser`, and for one client a few grants, refresh tokens and events for its page.
 * Only the clients' last use is written with one SQL statement instead of `touchClient`: that sets the one column
 * `last_used_ms` per client, but one commit per client took 20–50 s for 66,000 clients.
 *
 * The clients look like the MCP clients a public server meets: Claude Code on loopback ports, Cursor on its
 * `cursor://` scheme, VS Code, the MCP Inspector, web agents on https hosts; mostly dynamically registered, some
 * with an initial access token, a software statement or a Client ID Metadata Document; a few look-alikes,
 * flagged by Latchkey's own `detectLookAlike`; a third never used. The choices come from a seeded generator, so
 * two runs store the same mix (the ids and secrets are random).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';
import type { ClientMetadata } from '../src/ports/client-metadata.js';
import { detectLookAlike } from '../src/protocol/registration/look-alike.js';
import { redirectHost, redirectHosts } from '../src/ports/redirect-host.js';
import { digestSecret } from '../src/protocol/secrets.js';
import type { AuditEvent } from '../src/ports/audit-events.js';
import type { ClientRecord, RegistrationSource } from '../src/ports/clients.js';
import type { Storage } from '../src/ports/storage.js';
import { systemRandom } from '../src/system.js';
import { createUser } from '../src/users/users.js';

export interface SeedResult {
  clients: number;
  bySource: Record<RegistrationSource, number>;
  flagged: number;
  neverUsed: number;
  /** The client whose page is measured: a dynamically registered Claude Code with grants and events. */
  detailClientId: string;
  admin: { username: string; password: string };
  /** Seconds spent per step, and in all. */
  seconds: { clients: number; lastUse: number; auditEvents: number; other: number; total: number };
}

/** Clients in flight at once: four group-commit batches of 500, so the next batch is queued while one commits. */
const window = 2000;
const dayMs = 86_400_000;
/** The clients' registrations spread over this many days before now. */
const spanDays = 180;

/** mulberry32: a small seeded generator, so that every run stores the same mix of clients. */
export function generator(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
    hex: (length: number) => Array.from({ length }, () => Math.floor(next() * 16).toString(16)).join(''),
  };
}
export type Rng = ReturnType<typeof generator>;

/** A kind of client: how it names itself and where it redirects. */
interface ClientKind {
  weight: number;
  name: (rng: Rng) => string;
  redirects: (rng: Rng, n: number) => string[];
  applicationType: 'native' | 'web';
  /** Web agents with a backend mostly hold a secret; desktop agents never do. */
  confidential?: boolean;
}

const loopbackPort = (rng: Rng) => rng.int(20_000, 65_000);
const words = ['acme', 'orbit', 'lumen', 'harbor', 'quill', 'nimbus', 'vertex', 'juniper', 'cobalt', 'tandem', 'sprout', 'delta'];
const tlds = ['com', 'io', 'dev', 'app', 'ai', 'co'];
const webAgents = ['Cline', 'Continue', 'Roo Code', 'LibreChat', 'n8n MCP Client', 'Raycast', 'Goose', 'Open WebUI', 'Dify', 'Warp', 'Amp', 'Kiro', 'OpenAgents'];

/** Web agents on their own https hosts; metadata-document clients are of this kind too. */
const webAgent: ClientKind = {
  weight: 23,
  name: (rng) => `${rng.pick(webAgents)}${rng.next() < 0.3 ? ` (${rng.pick(words)})` : ''}`,
  redirects: (rng, n) => [`https://${rng.pick(words)}-${n}.${rng.pick(tlds)}/oauth/callback`],
  applicationType: 'web',
  confidential: true,
};

const kinds: ClientKind[] = [
  {
    weight: 22,
    name: (rng) => `Claude Code (${rng.hex(6)})`,
    redirects: (rng) => [`http://localhost:${loopbackPort(rng)}/callback`],
    applicationType: 'native',
  },
  {
    weight: 12,
    name: (rng) => rng.pick(['Cursor', 'Cursor', 'Cursor Nightly']),
    redirects: (rng) => [`cursor://anysphere.cursor-retrieval/oauth/user-${rng.hex(8)}/callback`],
    applicationType: 'native',
  },
  {
    weight: 12,
    name: (rng) => rng.pick(['Visual Studio Code', 'VS Code', 'Visual Studio Code - Insiders']),
    redirects: (rng) => [`http://127.0.0.1:${loopbackPort(rng)}/`, 'https://vscode.dev/redirect'],
    applicationType: 'native',
  },
  {
    weight: 8,
    name: () => 'MCP Inspector',
    redirects: () => ['http://localhost:6274/oauth/callback', 'http://localhost:6274/oauth/callback/debug'],
    applicationType: 'native',
  },
  { weight: 8, name: () => 'Claude', redirects: () => ['https://claude.ai/api/mcp/auth_callback'], applicationType: 'web', confidential: true },
  { weight: 6, name: () => 'ChatGPT', redirects: () => ['https://chatgpt.com/connector_platform_oauth_redirect'], applicationType: 'web', confidential: true },
  { weight: 4, name: () => 'Windsurf', redirects: () => ['windsurf://codeium.windsurf/oauth/callback'], applicationType: 'native' },
  { weight: 3, name: () => 'Zed', redirects: (rng) => [`http://127.0.0.1:${loopbackPort(rng)}/oauth/callback`], applicationType: 'native' },
  webAgent,
  {
    // Look-alikes: a trusted agent's name on someone else's redirect (flagged by detectLookAlike).
    weight: 2,
    name: (rng) => rng.pick(['Claude Code', 'Cursor', 'ChatGPT', 'VS Code', 'Claude']),
    redirects: (rng, n) => [`https://${rng.pick(['login', 'auth', 'connect'])}-${rng.pick(words)}${n}.${rng.pick(tlds)}/callback`],
    applicationType: 'web',
  },
];
const totalWeight = kinds.reduce((sum, kind) => sum + kind.weight, 0);

function pickKind(rng: Rng): ClientKind {
  let roll = rng.next() * totalWeight;
  for (const kind of kinds) {
    roll -= kind.weight;
    if (roll < 0) return kind;
  }
  return kinds[0]!;
}

function pickSource(rng: Rng): RegistrationSource {
  const roll = rng.next();
  return roll < 0.82 ? 'dynamic' : roll < 0.9 ? 'iat' : roll < 0.94 ? 'software_statement' : 'cimd';
}

/** A compact JWS of a realistic size; never verified (the dashboard only shows that there is one). */
function fakeSoftwareStatement(softwareId: string): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', kid: 'publisher-2025' })}.${part({ iss: 'https://publisher.example', software_id: softwareId, iat: 1_735_689_600 })}.${randomBytes(256).toString('base64url')}`;
}

/** The `n`-th client (oldest first), registered at `issuedAt` (seconds), as registration would store it. */
export function clientRecord(rng: Rng, n: number, issuedAt: number, iatId: string): ClientRecord {
  const source = pickSource(rng);
  const kind = source === 'cimd' ? webAgent : pickKind(rng);
  const clientName = kind.name(rng);
  const redirectUris = kind.redirects(rng, n);
  const confidential = source !== 'cimd' && kind.confidential === true && rng.next() < 0.7;
  const metadata: ClientMetadata = {
    redirect_uris: redirectUris,
    token_endpoint_auth_method: confidential ? 'client_secret_basic' : 'none',
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    scope: rng.pick(['mcp:tools', 'mcp:tools mcp:resources', 'openid profile mcp:tools', 'openid email mcp:tools mcp:prompts']),
    application_type: kind.applicationType,
    client_name: clientName,
  };
  if (kind.applicationType === 'web' && rng.next() < 0.4) metadata.client_uri = `https://${redirectHost(redirectUris[0]!) ?? 'example.com'}/`;
  if (source === 'software_statement') {
    metadata.software_id = randomUUID();
    metadata.software_version = `${rng.int(1, 4)}.${rng.int(0, 20)}.${rng.int(0, 9)}`;
    metadata.software_statement = fakeSoftwareStatement(metadata.software_id);
  }
  const host = redirectHost(redirectUris[0]!) ?? 'client.example';
  const cimd = source === 'cimd';
  return {
    // A metadata-document client is named by its document's https URL; others get a time-ordered UUID of their
    // registration, as /register gives (random.timeOrderedUuid): random ids would scatter every insert and delete.
    clientId: cimd ? `https://${host}/.well-known/oauth-client-${n}.json` : systemRandom.timeOrderedUuid(issuedAt * 1000),
    clientSecretDigest: confidential ? digestSecret(randomBytes(32).toString('base64url')) : null,
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: cimd ? null : digestSecret(randomBytes(32).toString('base64url')),
    clientIdIssuedAt: issuedAt,
    metadata,
    registrationSource: source,
    updatedAt: issuedAt * 1000,
    policy: null,
    // Latchkey does not check the name of a metadata-document client (its URL is its identity).
    lookAlikeOf: cimd ? null : detectLookAlike(clientName, redirectUris),
    initialAccessTokenId: source === 'iat' ? iatId : null,
    lastUsedAt: null,
  };
}

/** The `client.registered` event registration records (see `auditRegistration`). */
export function registeredEvent(record: ClientRecord, rng: Rng): AuditEvent {
  const { metadata } = record;
  return {
    id: randomUUID(),
    at: record.clientIdIssuedAt * 1000,
    type: 'client.registered',
    clientId: record.clientId,
    userId: null,
    actor: null,
    ip: `203.0.113.${rng.int(1, 254)}`,
    data: {
      source: record.registrationSource,
      client_name: metadata.client_name ?? null,
      redirect_hosts: redirectHosts(metadata.redirect_uris),
      token_endpoint_auth_method: metadata.token_endpoint_auth_method,
      policy: record.policy,
      software_id: metadata.software_id ?? null,
    },
  };
}

/** Runs `write` over `items` in windows of {@link window}, so group commit can batch them. */
export async function inWindows<T>(items: readonly T[], write: (item: T) => Promise<unknown>): Promise<void> {
  for (let start = 0; start < items.length; start += window) {
    await Promise.all(items.slice(start, start + window).map(write));
  }
}

/**
 * Runs `write` over `items` with at most `concurrency` in flight: writes that are not group-committed each take
 * a pooled connection, and PostgreSQL's pool fails a request that waits over 5 s for one.
 */
export async function inParallel<T>(items: readonly T[], concurrency: number, write: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await write(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
}

/**
 * Sets `last_used_ms` as `touchClient` does, for many clients in one transaction: a prepared `UPDATE` per client
 * on SQLite, one `UPDATE … FROM unnest(…)` per 10,000 on PostgreSQL. `databaseUrl` is the storage's.
 */
export async function recordLastUses(databaseUrl: string, uses: readonly { clientId: string; at: number }[]): Promise<void> {
  if (databaseUrl.startsWith('sqlite:')) {
    const db = new BetterSqlite3(databaseUrl.slice('sqlite:'.length));
    try {
      db.pragma('busy_timeout = 5000');
      const update = db.prepare('UPDATE clients SET last_used_ms = ? WHERE client_id = ?');
      db.transaction(() => {
        for (const use of uses) update.run(use.at, use.clientId);
      })();
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5000 });
  client.on('error', () => {});
  await client.connect();
  try {
    await client.query('BEGIN');
    for (let start = 0; start < uses.length; start += 10_000) {
      const chunk = uses.slice(start, start + 10_000);
      await client.query('UPDATE clients SET last_used_ms = u.at FROM unnest($1::text[], $2::bigint[]) AS u(id, at) WHERE clients.client_id = u.id', [
        chunk.map((use) => use.clientId),
        chunk.map((use) => use.at),
      ]);
    }
    await client.query('COMMIT');
  } finally {
    await client.end().catch(() => {});
  }
}

async function seconds<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, (performance.now() - started) / 1000];
}

/**
 * Fills a freshly migrated database (`storage`, opened on `databaseUrl`). `progress` is called with a line per finished step. The storage stays
 * open (the caller closes it, which flushes the group commit).
 */
export async function seedAdminDatabase(storage: Storage, databaseUrl: string, count: number, progress: (line: string) => void): Promise<SeedResult> {
  const started = performance.now();
  const rng = generator(0x1a7c4);
  const now = Date.now();
  const nowSeconds = Math.floor(now / 1000);
  const spanSeconds = spanDays * 86_400;

  const admin = { username: 'bench-admin', password: randomBytes(18).toString('base64url') };
  const user = await createUser(storage.users, { username: admin.username, password: admin.password, isAdmin: true, name: 'Bench Admin' }, { now, newId: randomUUID });
  const iatId = randomUUID();
  const records = Array.from({ length: count }, (_, n) => {
    const issuedAt = nowSeconds - spanSeconds + Math.floor((n * spanSeconds) / count) + rng.int(0, 59);
    return clientRecord(rng, n, Math.min(issuedAt, nowSeconds), iatId);
  });
  // The measured client page: a dynamic Claude Code client from the middle of the list (so not on page one).
  const middle = Math.floor(count / 2);
  const detail = records.slice(middle).find((r) => r.registrationSource === 'dynamic' && r.metadata.client_name?.startsWith('Claude Code (')) ?? records[middle]!;

  const bySource: Record<RegistrationSource, number> = { dynamic: 0, iat: 0, software_statement: 0, cimd: 0, operator: 0 };
  for (const record of records) bySource[record.registrationSource]++;
  // The token the `iat` clients registered with, its uses counted as registration counts them.
  await storage.initialAccessTokens.createInitialAccessToken({
    id: iatId,
    tokenDigest: digestSecret(randomBytes(32).toString('base64url')),
    description: 'partner onboarding (bench)',
    policy: null,
    maxUses: null,
    uses: bySource.iat,
    createdAt: (nowSeconds - spanSeconds - 86_400) * 1000,
    expiresAt: null,
    revokedAt: null,
  });

  const [, clientSeconds] = await seconds(() => inWindows(records, (record) => storage.clients.insertClient(record)));
  progress(`${count.toLocaleString('en-US')} clients inserted in ${clientSeconds.toFixed(1)} s (${Math.round(count / clientSeconds).toLocaleString('en-US')}/s)`);

  // Two thirds were used since they registered; a fifth of those within the last week.
  const uses = records.flatMap((record, n) => {
    if (n % 3 === 0) return [];
    const from = Math.max(record.clientIdIssuedAt * 1000, now - (rng.next() < 0.2 ? 7 : spanDays) * dayMs);
    return [{ clientId: record.clientId, at: from + Math.floor(rng.next() * (now - from)) }];
  });
  uses.push({ clientId: detail.clientId, at: now - 3_600_000 });
  const [, lastUseSeconds] = await seconds(() => recordLastUses(databaseUrl, uses));
  progress(`${uses.length.toLocaleString('en-US')} last uses recorded in ${lastUseSeconds.toFixed(1)} s`);

  const [, auditSeconds] = await seconds(async () => {
    const batch = 500;
    const batches = Array.from({ length: Math.ceil(records.length / batch) }, (_, n) => records.slice(n * batch, (n + 1) * batch).map((record) => registeredEvent(record, rng)));
    await inParallel(batches, 4, (events) => storage.auditEvents.appendAuditEvents(events));
  });
  progress(`${count.toLocaleString('en-US')} client.registered events appended in ${auditSeconds.toFixed(1)} s`);

  // The measured client's page: grants (some revoked), their refresh tokens, and its events.
  const otherStarted = performance.now();
  const events: AuditEvent[] = [];
  for (let n = 0; n < 12; n++) {
    const grantId = randomUUID();
    const at = now - (n + 1) * 2 * dayMs;
    await storage.grants.createGrant(
      { id: grantId, clientId: detail.clientId, userId: user.id, scope: 'mcp:tools', resource: null, authTime: at, createdAt: at, revokedAt: n % 4 === 3 ? at + dayMs : null },
      { tokenDigest: digestSecret(randomBytes(32).toString('base64url')), grantId, scope: 'mcp:tools', createdAt: at, expiresAt: at + 30 * dayMs },
      null,
    );
    for (const grantType of ['authorization_code', 'refresh_token']) {
      events.push({ id: randomUUID(), at: at + 1000, type: 'token.issued', clientId: detail.clientId, userId: user.id, actor: null, ip: '203.0.113.7', data: { grant_type: grantType, scope: 'mcp:tools' } });
    }
  }
  await storage.consents.saveConsent(user.id, detail.clientId, { scope: 'mcp:tools', resources: {}, clientFingerprint: '' }, now - 24 * dayMs);
  await storage.auditEvents.appendAuditEvents(events);

  const otherSeconds = (performance.now() - otherStarted) / 1000;
  return {
    clients: count,
    bySource,
    flagged: records.filter((record) => record.lookAlikeOf !== null).length,
    neverUsed: count - new Set(uses.map((use) => use.clientId)).size,
    detailClientId: detail.clientId,
    admin,
    seconds: { clients: clientSeconds, lastUse: lastUseSeconds, auditEvents: auditSeconds, other: otherSeconds, total: (performance.now() - started) / 1000 },
  };
}
