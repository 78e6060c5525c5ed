import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, type JSONWebKeySet } from 'jose';
import pino from 'pino';
import { loadConfig } from '../../src/config/load.js';
import { startServer, type RunningServer } from '../../src/main.js';
import { digestSecret } from '../../src/protocol/secrets.js';
import { createKeyEncryption, parseKeyEncryptionKey } from '../../src/storage/key-encryption.js';
import { runLatchkey } from '../support/cli.js';
import { dumpDatabase } from '../support/dump.js';

/**
 * Issue 10, finding 6: the database file holds neither the private signing keys nor the cookie secret in
 * plaintext once a key-encryption key is set; the server works across restarts and a rotation of that key,
 * refuses in one line to start with a key that does not open them, and says at start when none is set.
 */

const dir = mkdtempSync(join(tmpdir(), 'latchkey-secrets-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const newKek = () => randomBytes(32).toString('base64');
const kekId = (text: string) => createKeyEncryption(parseKeyEncryptionKey(text, 'test')).currentKeyId!;
const verifier = 'dBjftJeZ4CVP-mpNB1ZtyXQGB3iu0FdFk87tUsTfwZbQ0s5jU8Ng4e3BSnT0Wx-p';

/** The real composition root (`latchkey serve` in process) on `database`, its log kept as text. */
async function start(database: string, env: Record<string, string>): Promise<{ server: RunningServer; log: () => string }> {
  let text = '';
  const destination = new Writable({ write: (chunk: Buffer, _encoding, done) => ((text += chunk.toString('utf8')), done()) });
  const config = loadConfig({
    env: { LATCHKEY_REGISTRATION_RATE_LIMIT: 'false', LATCHKEY_TOKEN_RATE_LIMIT: 'false', ...env },
    overrides: { 'database.url': database, host: '127.0.0.1', port: 0, issuer: 'https://as.example.com', logLevel: 'info' },
  });
  const server = await startServer(config, pino({ level: 'info' }, destination));
  return { server, log: () => text };
}

/** An access token from a code exchange at the running server's `/token`, for a newly registered public client. */
async function issueToken(server: RunningServer): Promise<string> {
  const post = (path: string, body: string, type: string) =>
    fetch(`${server.address}${path}`, { method: 'POST', headers: { 'content-type': type }, body });
  const client = (await (
    await post('/register', JSON.stringify({ client_name: 'C', redirect_uris: ['https://c.example/cb'], token_endpoint_auth_method: 'none' }), 'application/json')
  ).json()) as { client_id: string };
  const user = (await server.storage.users.findUserByUsername('alice')) ?? (await createAlice(server));
  const code = randomBytes(16).toString('base64url');
  await server.storage.codes.insertCode({
    codeDigest: digestSecret(code),
    clientId: client.client_id,
    userId: user.id,
    redirectUri: 'https://c.example/cb',
    codeChallenge: createHash('sha256').update(verifier).digest('base64url'),
    scope: 'openid',
    resource: null,
    nonce: null,
    authTime: Date.now(),
    expiresAt: Date.now() + 60_000,
  });
  const params = { grant_type: 'authorization_code', code, code_verifier: verifier, client_id: client.client_id, redirect_uri: 'https://c.example/cb' };
  const answer = await post('/token', new URLSearchParams(params).toString(), 'application/x-www-form-urlencoded');
  const body = (await answer.json()) as { access_token?: string };
  assert.ok(body.access_token, JSON.stringify(body));
  return body.access_token;
}

async function createAlice(server: RunningServer) {
  const user = { id: 'u-alice', username: 'alice', passwordHash: 'x', name: 'Alice', email: null, isAdmin: false, createdAt: 1 };
  await server.storage.users.createUser(user);
  return user;
}

/** Verifies `token` against the server's published keys, and has the server itself verify it (`/userinfo`). */
async function assertVerifies(server: RunningServer, token: string): Promise<void> {
  const jwks = (await (await fetch(`${server.address}/jwks.json`)).json()) as JSONWebKeySet;
  await jwtVerify(token, createLocalJWKSet(jwks), { issuer: 'https://as.example.com', typ: 'at+jwt' });
  const userinfo = await fetch(`${server.address}/userinfo`, { headers: { authorization: `Bearer ${token}` } });
  const body = await userinfo.text();
  assert.equal(userinfo.status, 200, body);
  assert.equal((JSON.parse(body) as { sub: string }).sub, 'u-alice');
}

/** `latchkey serve` in its own process, which must exit at once: its status and its standard error. */
function serveRefused(database: string, env: Record<string, string>) {
  return runLatchkey(['serve', '--database', database, '--port', '0', '--host', '127.0.0.1'], { env });
}

describe('secrets at rest (a running server)', () => {
  const database = `sqlite:${join(dir, 'latchkey.db')}`;
  const [firstKek, secondKek] = [newKek(), newKek()];
  let token: string;
  let kid: string;

  it('stores no private key material and no cookie secret in the database file, and never logs the key', async () => {
    const { server, log } = await start(database, { LATCHKEY_KEY_ENCRYPTION_KEY: firstKek });
    let secrets: string[];
    try {
      token = await issueToken(server);
      kid = decodeProtectedHeader(token).kid!;
      await assertVerifies(server, token);
      const [key] = await server.storage.signingKeys.listSigningKeys(Date.now());
      const cookieSecret = await server.storage.secrets.getOrCreateSecret('cookie-signing', () => 'unused', Date.now());
      secrets = [String(key!.privateJwk.d), cookieSecret];
    } finally {
      await server.close();
    }
    const file = readFileSync(join(dir, 'latchkey.db'));
    const { text } = await dumpDatabase(database);
    for (const secret of secrets) {
      assert.ok(!file.includes(secret) && !text.includes(secret), 'neither in the file nor in any column');
    }
    assert.ok(!/"d\\?"\s*:/.test(text) && !file.includes('"d":'), 'no private JWK member');
    assert.ok(text.includes(`lk1.${kekId(firstKek)}.`), 'sealed under the key');
    assert.ok(!log().includes(firstKek), 'the key is never logged');
    assert.doesNotMatch(log(), /stored unencrypted/);
  });

  it('signs and verifies after a restart with the same key, with the same signing key', async () => {
    const { server } = await start(database, { LATCHKEY_KEY_ENCRYPTION_KEY: firstKek });
    try {
      await assertVerifies(server, token);
      const fresh = await issueToken(server);
      assert.equal(decodeProtectedHeader(fresh).kid, kid, 'no new signing key was generated');
      await assertVerifies(server, fresh);
    } finally {
      await server.close();
    }
  });

  it('refuses to start, in one line, with a wrong key or none, and generates no new key', async () => {
    const before = (await dumpDatabase(database)).text;
    const wrongKek = newKek();
    const wrong = serveRefused(database, { LATCHKEY_KEY_ENCRYPTION_KEY: wrongKek });
    assert.equal(wrong.status, 2, wrong.stderr);
    assert.match(wrong.stderr, new RegExp(`^latchkey: .* is sealed with key-encryption key ${kekId(firstKek)}, which is not configured .*\\n$`));
    assert.ok(!wrong.stderr.includes(wrongKek) && !wrong.stdout.includes(wrongKek), 'the key is never printed');
    assert.doesNotMatch(wrong.stdout, /listening/);

    const none = serveRefused(database, {});
    assert.equal(none.status, 2, none.stderr);
    assert.match(none.stderr, /^latchkey: The database holds encrypted keys and secrets .* no key-encryption key is set: set LATCHKEY_KEY_ENCRYPTION_KEY[^\n]*\n$/);
    assert.equal((await dumpDatabase(database)).text, before, 'nothing was written: no new signing key beside the sealed ones');
  });

  it('rotates the key-encryption key: tokens keep verifying, and rewrap leaves no row under the old key', async () => {
    const rotated = { LATCHKEY_KEY_ENCRYPTION_KEY: secondKek, LATCHKEY_KEY_ENCRYPTION_KEYS_OLD: firstKek };
    const { server } = await start(database, rotated);
    try {
      await assertVerifies(server, token);
    } finally {
      await server.close();
    }
    const rewrap = runLatchkey(['keys', 'rewrap', '--database', database], { env: rotated });
    assert.equal(rewrap.status, 0, rewrap.stderr);
    // Two server secrets: the cookie secret and the refresh token seal.
    assert.match(rewrap.stdout, new RegExp(`^Every private signing key \\(1, 1 re-encrypted now\\) and server secret \\(2, 2 re-encrypted now\\) is encrypted under key-encryption key ${kekId(secondKek)}\\.`));
    const { text } = await dumpDatabase(database);
    assert.ok(!text.includes(`lk1.${kekId(firstKek)}.`), 'no row under the old key');

    const { server: restarted } = await start(database, { LATCHKEY_KEY_ENCRYPTION_KEY: secondKek });
    try {
      await assertVerifies(restarted, token);
      assert.equal(decodeProtectedHeader(await issueToken(restarted)).kid, kid);
    } finally {
      await restarted.close();
    }
    const old = serveRefused(database, { LATCHKEY_KEY_ENCRYPTION_KEY: firstKek });
    assert.equal(old.status, 2, 'the old key alone no longer opens anything');
  });
});

describe('secrets at rest without a key-encryption key', () => {
  it('works, and says once at start that private keys and secrets are stored unencrypted and how to set a key', async () => {
    const { server, log } = await start(`sqlite:${join(dir, 'plain.db')}`, {});
    try {
      await assertVerifies(server, await issueToken(server));
    } finally {
      await server.close();
    }
    const warnings = log()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => /unencrypted/.test(line.msg));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.level, 40);
    assert.match(warnings[0]!.msg, /Set LATCHKEY_KEY_ENCRYPTION_KEY to the output of `openssl rand -base64 32`/);
  });

  it('encrypts at the first start with a key what earlier starts stored in plaintext', async () => {
    const database = `sqlite:${join(dir, 'plain.db')}`;
    assert.match((await dumpDatabase(database)).text, /"d\\?"\s*:/, 'stored in plaintext so far');
    const kek = newKek();
    const { server, log } = await start(database, { LATCHKEY_KEY_ENCRYPTION_KEY: kek });
    await server.close();
    const { text } = await dumpDatabase(database);
    assert.doesNotMatch(text, /"d\\?"\s*:/);
    assert.ok(text.includes(`lk1.${kekId(kek)}.`));
    assert.match(log(), /Encrypted the private signing keys and server secrets that were stored in plaintext/);
  });
});
