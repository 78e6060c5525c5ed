import { decodeJwt } from 'jose';
import { OAuthError } from '../../errors/oauth-error.js';
import type { ClientRecord, ClientStore } from '../../ports/clients.js';
import type { Clock, RandomSource } from '../../ports/clock.js';
import { digestSecret, secretMatches } from '../secrets.js';
import { clientInformation } from './client-information.js';
import { usesClientSecret } from '../../ports/client-metadata.js';
import { checkMetadata, secretBytes, type RegistrationContext } from './registration.js';

/** What the client configuration endpoint needs. */
export interface ClientConfigurationContext extends Omit<RegistrationContext, 'clients'> {
  clients: Pick<ClientStore, 'findClient' | 'updateClient' | 'deleteClient'>;
  clock: Clock;
  random: RandomSource;
}

/** Fields a client must not send in an update: the server sets them (RFC 7592 §2.2). */
export const serverManagedFields = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'];

/**
 * Finds the client a registration access token belongs to. An unknown client and a wrong token get the same
 * answer, so the endpoint does not reveal which client ids exist.
 *
 * @see https://www.rfc-editor.org/rfc/rfc7592#section-2
 * @throws {OAuthError} `invalid_token` (401)
 */
export async function authenticateConfigurationRequest(
  clientId: string,
  token: string | undefined,
  context: Pick<ClientConfigurationContext, 'clients'>,
): Promise<ClientRecord> {
  if (token === undefined) {
    throw new OAuthError('invalid_token', 'a registration access token is required', { tokenPresented: false });
  }
  const record = await context.clients.findClient(clientId);
  if (!record || !secretMatches(token, record.registrationAccessTokenDigest)) {
    throw new OAuthError('invalid_token', 'the registration access token is not valid for this client');
  }
  return record;
}

/**
 * RFC 7592 §2.1: the client's current registration. The registration access token is not rotated on a read,
 * so the one presented is returned (RFC 7592 §3 requires the field; only its digest is stored).
 */
export async function readClient(
  clientId: string,
  token: string | undefined,
  context: ClientConfigurationContext,
  clientUri: string,
): Promise<Record<string, unknown>> {
  const record = await authenticateConfigurationRequest(clientId, token, context);
  return clientInformation(record, { registrationAccessToken: token!, registrationClientUri: clientUri });
}

/**
 * RFC 7592 §2.2: replaces the client's metadata with the request's (omitted fields return to their defaults)
 * and rotates the registration access token. A client that becomes confidential gets a new secret; one that
 * becomes public loses its secret.
 */
export async function updateClient(
  clientId: string,
  token: string | undefined,
  request: Record<string, unknown>,
  context: ClientConfigurationContext,
  clientUri: string,
): Promise<Record<string, unknown>> {
  const record = await authenticateConfigurationRequest(clientId, token, context);
  const forbidden = serverManagedFields.find((name) => name in request);
  if (forbidden) throw new OAuthError('invalid_request', `${forbidden} must not be included in an update request`);
  if (request['client_id'] !== clientId) {
    throw new OAuthError('invalid_request', 'client_id must be present and equal to the client being updated');
  }
  const presentedSecret = request['client_secret'];
  if (presentedSecret !== undefined && (typeof presentedSecret !== 'string' || !secretMatches(presentedSecret, record.clientSecretDigest))) {
    throw new OAuthError('invalid_client_metadata', 'client_secret does not match the current client secret');
  }
  const registeredIssuer = requireStatementAgain(record, request);
  // The policy the client registered under still applies: an update must not move its redirects off the allow-list.
  const { metadata, lookAlikeOf, statementIssuer } = await checkMetadata(
    request,
    context,
    record.policy,
    record.registrationSource === 'iat' || record.registrationSource === 'operator',
  );
  if (registeredIssuer !== undefined && statementIssuer !== registeredIssuer) {
    throw new OAuthError('unapproved_software_statement', 'the software statement must come from the issuer this client registered with', {
      detail: `registered with a statement of ${registeredIssuer}, updated with one of ${statementIssuer}`,
    });
  }

  let clientSecret: string | undefined;
  let clientSecretDigest = record.clientSecretDigest;
  if (!usesClientSecret(metadata.token_endpoint_auth_method)) clientSecretDigest = null;
  else if (clientSecretDigest === null) {
    clientSecret = context.random.token(secretBytes);
    clientSecretDigest = digestSecret(clientSecret);
  }
  const registrationAccessToken = context.random.token(secretBytes);
  const updated: ClientRecord = {
    ...record,
    clientSecretDigest,
    registrationAccessTokenDigest: digestSecret(registrationAccessToken),
    metadata,
    lookAlikeOf,
    updatedAt: context.clock.now(),
  };
  if (!(await context.clients.updateClient(updated, record.registrationAccessTokenDigest!))) {
    // Deleted, or updated with the same token, since we read it: the token presented is no longer valid.
    throw new OAuthError('invalid_token', 'the registration access token is not valid for this client');
  }
  context.audit.record({
    type: 'client.updated',
    clientId,
    data: { client_name: metadata.client_name ?? null, redirect_uris: metadata.redirect_uris.length, look_alike_of: lookAlikeOf },
  });
  return clientInformation(updated, { clientSecret, registrationAccessToken, registrationClientUri: clientUri });
}

/**
 * A client registered with a software statement keeps its verified standing (no "unverified" badge) only while
 * what the statement asserted holds, so an update must carry a valid statement again, from the same issuer, whose
 * claims win over the request's as at registration. Without this, the registration access token alone would
 * rename "Your Bank" and move its redirect while it stays verified. RFC 7592 §2.2 asks for it: "This request MUST
 * include all client metadata fields as returned to the client from a previous registration, read, or update
 * operation", and RFC 7591 §3.2.1 returns the statement with them ("If a software statement was used as part of
 * the registration, its value MUST be returned unmodified in the response"). Keeping the old statement's claims
 * applied instead would let the token change whatever the statement did not mention, and keep an expired
 * statement's word for ever.
 *
 * Returns the issuer the client registered with (from its stored statement, verified when it was registered),
 * which the update's statement must come from; undefined for a client registered otherwise.
 *
 * @throws {OAuthError} `invalid_software_statement` when the update has no statement
 */
function requireStatementAgain(record: ClientRecord, request: Record<string, unknown>): string | undefined {
  if (record.registrationSource !== 'software_statement') return undefined;
  if (request['software_statement'] === undefined) {
    throw new OAuthError(
      'invalid_software_statement',
      'this client registered with a software statement; an update must include a valid software statement from the same issuer (RFC 7592 section 2.2)',
    );
  }
  const stored = record.metadata.software_statement;
  try {
    const iss = stored === undefined ? undefined : decodeJwt(stored).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}

/** RFC 7592 §2.3: deletes the client; its credentials stop working at once. */
export async function deleteClient(
  clientId: string,
  token: string | undefined,
  context: ClientConfigurationContext,
): Promise<void> {
  await authenticateConfigurationRequest(clientId, token, context);
  if (!(await context.clients.deleteClient(clientId))) {
    throw new OAuthError('invalid_token', 'the registration access token is not valid for this client');
  }
  context.audit.record({ type: 'client.deleted', clientId, actor: 'client' });
}
