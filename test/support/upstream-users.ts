import { randomUUID } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { createSessions } from '../../src/http/session.js';
import type { LinkedIdentity } from '../../src/ports/identities.js';
import type { UserRecord } from '../../src/ports/users.js';
import { TestBrowser } from './browser.js';
import type { TestServer } from './server.js';

/** What an upstream sign-in leaves behind, for tests of the pages that show it: users and their linked identities. */

/** An identity of `userId` at `provider` with a fresh id and subject, linked on 2026-01-02 03:04 UTC, never used since. */
export function linkedIdentity(userId: string, provider: string, extra: Partial<LinkedIdentity> = {}): LinkedIdentity {
  return { id: randomUUID(), userId, provider, subject: randomUUID(), email: null, displayName: null, createdAt: Date.UTC(2026, 0, 2, 3, 4), lastSignedInAt: null, ...extra };
}

/**
 * A {@link TestBrowser} signed in as `user` without a password form: the session cookie as the server writes
 * it, signed with the server's own cookie secret (read from its storage). For users who have no password,
 * such as those an upstream sign-in created.
 */
export async function sessionBrowser(server: TestServer, user: Pick<UserRecord, 'id' | 'sessionEpoch'>): Promise<TestBrowser> {
  // The server made its secret at start: this reads it (the generated candidate is discarded).
  const secret = await server.storage.secrets.getOrCreateSecret('cookie-signing', () => randomUUID(), Date.now());
  const sessions = createSessions(server.config.issuer, server.config.login.sessionTtlSeconds, () => Date.now(), secret);
  let setCookie = '';
  const reply = { header: (_name: string, value: string) => ((setCookie = value), reply) } as unknown as FastifyReply;
  sessions.write(reply, { userId: user.id, authTime: Date.now(), epoch: user.sessionEpoch });
  const pair = setCookie.split(';')[0]!;
  const browser = new TestBrowser(server.app);
  browser.cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
  return browser;
}
