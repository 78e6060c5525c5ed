import type { AuditEntry } from '../../src/ports/audit-trail.js';
import { cliActor } from '../../src/operations/actor.js';
import { createClient, type OperatorClientRequest } from '../../src/operations/clients.js';
import { systemClock, systemRandom } from '../../src/system.js';
import type { TestServer } from './server.js';

/**
 * An operator creates a client on a test server (what `latchkey clients create` does): the way to a client that
 * may use `client_credentials` and introspect. Returns its credentials, RFC-named like a registration response,
 * and the audit entries recorded.
 */
export async function createOperatorClient(server: TestServer, request: Partial<OperatorClientRequest> = {}) {
  const events: AuditEntry[] = [];
  const { record, clientSecret } = await createClient(
    { client_name: 'Resource server', grant_types: ['client_credentials'], ...request },
    { config: server.config, clients: server.storage.clients, clock: systemClock, random: systemRandom, audit: { record: (e) => events.push(e) } },
    cliActor,
  );
  return { client_id: record.clientId, client_secret: clientSecret, record, events };
}

/** `Authorization: Basic` for a client id and secret (RFC 6749 §2.3.1; both are base64url-safe here). */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
}
