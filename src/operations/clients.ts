import type { Config } from '../config/defaults.js';
import { OAuthError } from '../errors/oauth-error.js';
import type { AuditTrail } from '../ports/audit-trail.js';
import type { Clock, RandomSource } from '../ports/clock.js';
import { auditRegistration, secretBytes } from '../protocol/registration/registration.js';
import { validateClientMetadata } from '../protocol/registration/validate-metadata.js';
import { scopeTokens } from '../protocol/scope.js';
import { digestSecret } from '../protocol/secrets.js';
import type { ClientRecord, ClientStore } from '../ports/clients.js';
import { usesClientSecret } from '../ports/client-metadata.js';
import { auditedBy, type Actor } from './actor.js';
import { OperationError } from './operation-error.js';

/** What an operator asks for (the CLI's flags, the dashboard's form), with RFC 7591 names. */
export interface OperatorClientRequest {
  client_name: string;
  /** None for a machine-only client (`client_credentials`): RFC 7591 §2 asks for them only for redirect-based flows. */
  redirect_uris?: string[];
  /** RFC 7591 §2 default: `authorization_code` and `refresh_token`. */
  grant_types?: string[];
  /** The registration default (`registration.defaultScope`) when omitted. */
  scope?: string;
  /** `client_secret_basic` (the default) or `client_secret_post`: an operator's client always has a secret. */
  token_endpoint_auth_method?: string;
}

/** The client as stored, and its secret: returned this once, only its digest is kept. */
export interface OperatorClient {
  record: ClientRecord;
  clientSecret: string;
}

/**
 * An operator creates a client (`latchkey clients create`, the dashboard): the one way, besides a policy that
 * allows it, to a client that may use `client_credentials` (tokens without a user) and introspect tokens as a
 * resource server (PRODUCT.md §8). The metadata goes through the registration's own validation
 * ({@link validateClientMetadata}), as for a confidential client whatever the registration profile, since an
 * operator's client always has a secret (and `client_credentials` needs one: RFC 6749 §4.4). Open registration's
 * limits do not apply (no registration policy, no look-alike flag: the operator named it), but every scope
 * must be one the server supports, so that a typo is caught now rather than silently never granted.
 *
 * The client gets no registration access token: RFC 7592 management is for clients that registered
 * themselves; an operator manages this one from the CLI and the dashboard. Recorded as `client.registered`
 * with source `operator` and the actor.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7591#section-2
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.4
 * @throws {OperationError} `invalid_input`, its `cause` the {@link OAuthError} (`invalid_client_metadata`,
 *   `invalid_redirect_uri`) a registration would have answered
 */
export async function createClient(
  request: OperatorClientRequest,
  context: { config: Config; clients: Pick<ClientStore, 'insertClient'>; clock: Clock; random: RandomSource; audit: AuditTrail },
  actor: Actor,
): Promise<OperatorClient> {
  const { config, clock, random } = context;
  const metadata = refusingBadMetadata(() => {
    const checked = validateClientMetadata({ ...request }, { ...config.registration, profile: 'confidential' });
    // The confidential profile takes private_key_jwt too, but an operator's client is the one with a secret.
    if (!usesClientSecret(checked.token_endpoint_auth_method)) {
      throw new OAuthError('invalid_client_metadata', 'an operator creates clients with a secret: token_endpoint_auth_method client_secret_basic or client_secret_post');
    }
    const unknown = request.scope === undefined ? [] : scopeTokens(request.scope).filter((scope) => !config.scopes.supported.includes(scope));
    if (unknown.length > 0) {
      throw new OAuthError('invalid_client_metadata', `scope ${unknown.join(' ')} is not supported here (supported: ${config.scopes.supported.join(' ')})`);
    }
    return checked;
  });
  const clientSecret = random.token(secretBytes);
  const now = clock.now();
  const record: ClientRecord = {
    clientId: random.timeOrderedUuid(now),
    clientSecretDigest: digestSecret(clientSecret),
    clientSecretExpiresAt: 0,
    registrationAccessTokenDigest: null,
    clientIdIssuedAt: Math.floor(now / 1000),
    metadata,
    registrationSource: 'operator',
    updatedAt: now,
    policy: null,
    lookAlikeOf: null,
    initialAccessTokenId: null,
    lastUsedAt: null,
  };
  await context.clients.insertClient(record);
  const by = auditedBy(actor);
  auditRegistration(record, by.ip, null, context.audit, by.actor);
  return { record, clientSecret };
}

/**
 * An operator deletes a client, whatever its source (the dashboard, `latchkey clients delete`): the storage
 * removes its grants, refresh tokens and codes with it, so the agent's next refresh fails. Recorded as
 * `client.deleted` by the actor, with the client's name and source (the record is gone afterwards).
 *
 * @throws {OperationError} `not_found` when there is no such client, or it was deleted meanwhile
 */
export async function deleteClient(
  clientId: string,
  context: { clients: Pick<ClientStore, 'findClient' | 'deleteClient'>; audit: AuditTrail },
  actor: Actor,
): Promise<ClientRecord> {
  const client = await context.clients.findClient(clientId);
  if (!client || !(await context.clients.deleteClient(client.clientId))) {
    throw new OperationError('not_found', `There is no client with client_id ${JSON.stringify(clientId)}.`);
  }
  context.audit.record({
    type: 'client.deleted',
    clientId: client.clientId,
    ...auditedBy(actor),
    data: { client_name: client.metadata.client_name ?? null, source: client.registrationSource },
  });
  return client;
}

function refusingBadMetadata<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof OAuthError) throw new OperationError('invalid_input', error.description, { cause: error });
    throw error;
  }
}
